// nginx, haproxy and wrk come from Debian: installed with apt-get when missing, but only where that is
// allowed without asking (root, or password-less sudo). Otherwise a missing peer is skipped, and without
// wrk the max phase falls back to the Node generator, each with a line saying why; the rest runs.
import { execFileSync } from 'node:child_process';
import { commandExists } from './processes.js';

export interface NativePeers {
  /** Absolute path of each binary, or null with the reason it is skipped. */
  readonly nginx: string | null;
  readonly haproxy: string | null;
  /** The max phase's load generator (bench/proxy/wrk.ts); null: the Node generator runs that phase. */
  readonly wrk: string | null;
  readonly notes: readonly string[];
}

const SBIN = ['/usr/sbin', '/usr/local/sbin', '/sbin'];
const NO_WRK = 'the max phase uses the Node generator, whose ceiling is the direct row';

export function ensureNativePeers(log: (line: string) => void): NativePeers {
  const notes: string[] = [];
  let nginx = locate('nginx');
  let haproxy = locate('haproxy');
  let wrk = locate('wrk');
  const missing = [nginx ? null : 'nginx', haproxy ? null : 'haproxy', wrk ? null : 'wrk'].filter(
    (x): x is string => x !== null,
  );
  if (missing.length > 0) {
    const sudo = installer();
    if (sudo === null) {
      const peers = missing.filter((m) => m !== 'wrk');
      const why = 'missing and not root (no password-less sudo)';
      if (peers.length) notes.push(`${peers.join(' and ')} ${why}: skipped`);
      if (!wrk) notes.push(`wrk ${why}: ${NO_WRK}`);
    } else {
      log(`installing ${missing.join(' ')} from Debian (apt-get install -y)...`);
      try {
        apt(sudo, ['install', '-y', '-qq', ...missing]);
      } catch {
        // A fresh machine has no package lists yet.
        try {
          apt(sudo, ['update', '-qq']);
          apt(sudo, ['install', '-y', '-qq', ...missing]);
        } catch (err) {
          notes.push(`apt-get install ${missing.join(' ')} failed: ${(err as Error).message.split('\n')[0]}`);
        }
      }
      nginx = locate('nginx');
      haproxy = locate('haproxy');
      wrk = locate('wrk');
    }
  }
  // One line per cause: after a line saying why the install did not happen, only wrk's consequence.
  const explained = notes.length > 0;
  if (!nginx && !explained) notes.push('nginx not available: skipped');
  if (!haproxy && !explained) notes.push('haproxy not available: skipped');
  if (!wrk && !notes.some((n) => n.startsWith('wrk '))) notes.push(`wrk not available: ${NO_WRK}`);
  return { nginx, haproxy, wrk, notes };
}

function locate(name: string): string | null {
  for (const dir of SBIN) if (commandExists(`${dir}/${name}`)) return `${dir}/${name}`;
  return commandExists(name) ? name : null;
}

/** [] when root, ['sudo', '-n'] with password-less sudo, null when neither. */
function installer(): string[] | null {
  if (process.getuid?.() === 0) return [];
  try {
    execFileSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
    return ['sudo', '-n'];
  } catch {
    return null;
  }
}

function apt(prefix: readonly string[], args: readonly string[]): void {
  const argv = [...prefix, 'apt-get', ...args];
  execFileSync(argv[0]!, argv.slice(1), {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}
