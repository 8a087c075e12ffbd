// `npm run demo`: the whole meshc flow on the bundled example, on loopback, leaving nothing behind.
// Each step runs the real `meshc` executable the way a user or a CI job would.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup, trackDir } from './demo/processes.js';
import { indent, meshcOk } from './demo/run-meshc.js';
import { makeSpecRepo } from './demo/spec-repo.js';

async function main(): Promise<void> {
  const started = performance.now();
  const work = trackDir(mkdtempSync(join(tmpdir(), 'meshc-demo-')));
  const at = (...parts: string[]): string => join(work, ...parts);

  console.log('meshc demo: the shop mesh (examples/shop) from spec to signed bundles.');
  console.log(`Working in a temporary directory; it is removed at the end.`);

  // Every command runs in the work directory with relative paths, so the transcript reads like a user's.
  const run = async (args: string[]): Promise<void> =>
    console.log(indent(await meshcOk(args, { cwd: work })));

  // Identity first: the spec trusts the demo's own CA root.
  await run(['ca', 'init', '--out', 'ca', '--trust-domain', 'shop.local']);
  const repo = await makeSpecRepo(at('spec'), readFileSync(at('ca/root.crt'), 'utf8'));
  console.log(
    `\nspec repo: examples/shop in git, baseline ${repo.baseline.slice(0, 7)}, then the canary change ${repo.canary.slice(0, 7)}`,
  );

  await run(['validate', 'spec']);
  await run(['certs', 'issue', '--all', '--ca', 'ca', '--spec', 'spec', '--out', 'certs']);
  await run(['keys', 'init', '--out', 'keys']);
  await run([
    'compile',
    'spec',
    '--ref',
    'HEAD~1',
    '--out',
    'store',
    '--signing-key',
    'keys/bundle-signing.key',
  ]);

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`\nDone in ${seconds} s: validated the spec, issued certificates, compiled signed bundles.`);
}

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await cleanup();
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(130));
process.on('SIGTERM', () => void stop(143));

main().then(
  () => stop(0),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return stop(1);
  },
);
