// The README's first command, end to end: `npm run demo` (node dist/examples/demo.js, built by the
// vitest global setup) exits 0, shows every behaviour it promises with numbers, and leaves no process,
// port or temp directory behind.
import { spawn } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { INSTANCES } from '../../examples/demo/mesh-up.js';

const DEMO = fileURLToPath(new URL('../../dist/examples/demo.js', import.meta.url));

/** Runs the demo; with `interruptAt`, sends SIGINT once that text has been printed. */
function runDemo(interruptAt?: string): Promise<{ code: number | null; out: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: 'true' },
    });
    let out = '';
    let interrupted = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (interruptAt && !interrupted && out.includes(interruptAt)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, ms: performance.now() - started }));
  });
}

function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

async function expectNothingLeft(work: string): Promise<void> {
  expect(existsSync(work), work).toBe(false);
  for (const instance of INSTANCES) {
    const [host, port] = instance.inbound.split(':') as [string, string];
    expect(await portIsFree(host === 'localhost' ? '127.0.0.1' : host, Number(port)), instance.inbound).toBe(
      true,
    );
  }
}

function percent(out: string, pattern: RegExp): number {
  const m = pattern.exec(out);
  if (!m) throw new Error(`no match for ${pattern} in:\n${out}`);
  return Number(m[1]);
}

describe('npm run demo', () => {
  it('shows the whole mesh working and cleans up after itself', { timeout: 150_000 }, async () => {
    const { code, out, ms } = await runDemo();
    expect(code, out).toBe(0);
    // Not a timing assertion (the machine is shared): the README promises about a minute; say what it took.
    console.log(`demo finished in ${(ms / 1000).toFixed(1)} s`);

    expect(out).toMatch(/6 services, 10 routes: 0 errors, 0 warnings/);
    expect(out).toMatch(/route canary: v1 90% → 50%, v2 10% → 50%/);
    // Canary over 2,000 requests: 10 % ± 4.5 sigma (sigma = sqrt(2000 * 0.1 * 0.9) / 2000 = 0.67 %).
    const v2 = percent(out, /== 4\.[^\n]*\n\s+v1 [\d.]+% \(\d+\), v2 ([\d.]+)% \(\d+\); 0 failed/);
    expect(Math.abs(v2 - 10)).toBeLessThan(3);
    expect(out).toMatch(/50 requests as jason: v2 100\.0% \(50\); 0 failed/);
    expect(out).toMatch(
      /DELETE \/details\/1 -> 403, x-meshc-error: authz-denied, x-meshc-rule: services\/details\.yaml:\d+/,
    );
    expect(out).toMatch(/plain HTTP: +refused/);
    expect(out).toMatch(/TLS, no client certificate: +refused/);
    // After the hot reload the split is 50/50 and nothing failed during it.
    const after = percent(out, /after: +v1 [\d.]+% \(\d+\), v2 ([\d.]+)% \(\d+\)/);
    expect(Math.abs(after - 50)).toBeLessThan(10);
    expect(out).toMatch(/\d+ requests during the reload, 0 failed/);
    expect(out).toMatch(/meshc_bundle_reloads_total\{result="success"\} [1-9]/);
    const report = /open (\S+\.html) in a browser/.exec(out)?.[1];
    expect(report && existsSync(report)).toBe(true);
    // Kept for the reader in a private directory of its own, not at a fixed shared name in /tmp.
    expect(statSync(dirname(report!)).mode & 0o777).toBe(0o700);
    rmSync(dirname(report!), { recursive: true, force: true });

    const work = /removing (\S+)\.$/m.exec(out)?.[1];
    expect(work).toBeDefined();
    await expectNothingLeft(work!);
  });

  it('stops every process and frees every port on Ctrl-C', { timeout: 120_000 }, async () => {
    const { code, out } = await runDemo('== 4.');
    expect(code, out).toBe(130);
    const work = /^Working in (\S+)$/m.exec(out)?.[1];
    expect(work, out).toBeDefined();
    await expectNothingLeft(work!);
  });
});
