// Every meshc subcommand, one entry each: adding a command is a file under commands/ plus an entry here.
// Entries load their module on demand, so `meshc proxy` never loads the compiler and `meshc validate`
// never loads the proxy; `meshc --help` needs only the names and summaries written here (a test checks
// they match what each module declares).
import type { Command } from './types.js';

/** A command as the CLI lists it before loading it. */
export interface CommandEntry {
  /** The word after `meshc`; equals the loaded command's name. */
  readonly name: string;
  /** One line for `meshc --help`; equals the loaded command's summary. */
  readonly summary: string;
  /** Imports the command's module (and only its dependencies). */
  readonly load: () => Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'validate',
    summary: 'Check a mesh spec and report problems with file:line:col',
    load: async () => (await import('./commands/validate.js')).validateCommand,
  },
  {
    name: 'plan',
    summary: 'Show what every proxy will do differently between two versions of the spec',
    load: async () => (await import('./commands/plan.js')).planCommand,
  },
  {
    name: 'compile',
    summary: 'Compile a mesh spec into the signed per-service bundle store',
    load: async () => (await import('./commands/compile.js')).compileCommand,
  },
  {
    name: 'ca',
    summary: 'Create the mesh CA: a root, and intermediates that issue workload certificates',
    load: async () => (await import('./commands/ca.js')).caCommand,
  },
  {
    name: 'certs',
    summary: 'Issue and renew workload certificates (SPIFFE X.509-SVIDs)',
    load: async () => (await import('./commands/certs.js')).certsCommand,
  },
  {
    name: 'keys',
    summary: 'Create the Ed25519 key pair that signs and verifies bundles',
    load: async () => (await import('./commands/keys.js')).keysCommand,
  },
  {
    name: 'proxy',
    summary: 'Run the sidecar proxy for one service from its signed bundle store',
    load: async () => (await import('./commands/proxy.js')).proxyCommand,
  },
  {
    name: 'report',
    summary: 'Write a self-contained HTML report: service graph, routes and policies with provenance',
    load: async () => (await import('./commands/report.js')).reportCommand,
  },
  {
    name: 'explain',
    summary: 'Explain what the mesh does with a request: route, versions, policies and authorization',
    load: async () => (await import('./commands/explain.js')).explainCommand,
  },
  {
    name: 'rollout',
    summary: "Point a share of a service's proxies at another bundle version (no recompile)",
    load: async () => (await import('./commands/rollout.js')).rolloutCommand,
  },
  {
    name: 'rollback',
    summary: 'Point every proxy of a service back at an older bundle version (no recompile)',
    load: async () => (await import('./commands/rollout.js')).rollbackCommand,
  },
];
