// Runs the real `meshc` executable as a user would, echoing the command line, and returns its output.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const MESHC_BIN = fileURLToPath(new URL('../../../bin/meshc.js', import.meta.url));

export interface MeshcResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `shown` replaces temp paths in the echoed command so the transcript reads like a user's session. */
export function meshc(args: readonly string[], opts: { cwd: string; shown?: string }): Promise<MeshcResult> {
  process.stdout.write(`\n$ meshc ${opts.shown ?? args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MESHC_BIN, ...args], {
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Like meshc(), but a non-zero exit stops the demo with the command's own output. */
export async function meshcOk(
  args: readonly string[],
  opts: { cwd: string; shown?: string },
): Promise<string> {
  const result = await meshc(args, opts);
  if (result.code !== 0) {
    throw new Error(`meshc ${args[0]} exited ${result.code}\n${result.stdout}${result.stderr}`);
  }
  return result.stdout + result.stderr;
}

export function indent(text: string, prefix = '  '): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}
