// nginx and haproxy come from Debian: installed with apt-get when missing, but only where that is
// allowed without asking (root, or password-less sudo). Otherwise the peer is skipped with a line
// saying why, and the rest of the benchmark runs.
import { execFileSync } from 'node:child_process';
import { commandExists } from './processes.js';

export interface NativePeers {
  /** Absolute path of each binary, or null with the reason it is skipped. */
  readonly nginx: string | null;
  readonly haproxy: string | null;
  readonly notes: readonly string[];
}

const SBIN = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

export function ensureNativePeers(log: (line: string) => void): NativePeers {
  const notes: string[] = [];
  let nginx = locate('nginx');
  let haproxy = locate('haproxy');
  const missing = [nginx ? null : 'nginx', haproxy ? null : 'haproxy'].filter((x): x is string => x !== null);
  if (missing.length > 0) {
    const sudo = installer();
    if (sudo === null) {
      notes.push(`${missing.join(' and ')} missing and not root (no password-less sudo): skipped`);
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
    }
  }
  if (!nginx && !notes.length) notes.push('nginx not available: skipped');
  if (!haproxy && !notes.length) notes.push('haproxy not available: skipped');
  return { nginx, haproxy, notes };
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
