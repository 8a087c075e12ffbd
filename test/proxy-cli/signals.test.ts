// `meshc proxy` and the signals that stop it, as real processes signalled by PID (decision 0064): a
// second SIGTERM or SIGINT while it drains changes nothing (coreutils `timeout` sends two), and a
// signal while it starts, before it has read its files or even loaded, is a graceful stop (exit 0).
import { spawnSync } from 'node:child_process';
import { constants, closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../runtime/harness.js';
import type { MeshFixture } from './mesh-fixture.js';
import { holdRequest, startServedMesh } from './served-mesh.js';
import { baseArgs, killAll, startSidecarProcess } from './sidecar-process.js';

const HOLD_HOOK = fileURLToPath(new URL('./hold-cli-load.mjs', import.meta.url));

let fixture: MeshFixture;
let app: TestApp;

beforeAll(async () => {
  ({ fixture, app } = await startServedMesh());
}, 60_000);

afterAll(async () => {
  await killAll();
  await app?.close();
  fixture?.cleanup();
});

/** Resolves once `test` holds, checking every 10 ms (the child gets there on its own; we only watch). */
async function until(test: () => boolean): Promise<void> {
  while (!test()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('meshc proxy: more signals while it drains', () => {
  it('logs the second once, finishes the request in flight with its access-log line, and exits 0', async () => {
    const client = startSidecarProcess(baseArgs(fixture, 'client'), fixture.dir);
    const ports = await client.ready();
    const held = await holdRequest(app, ports.outbound, '/api/held');
    try {
      client.child.kill('SIGTERM');
      await client.waitFor((l) => l.msg === 'stopping');
      // As `timeout` does; then once more, as a third Ctrl-C, which is not logged again.
      client.child.kill('SIGTERM');
      const repeat = await client.waitFor((l) => String(l.msg).startsWith('already stopping'));
      expect(repeat).toMatchObject({ level: 'warn', signal: 'SIGTERM', time: expect.any(String) });
      client.child.kill('SIGINT');
      held.release();
      expect((await held.reply).body).toBe('ok v1');
      expect(await client.exited).toBe(0);
      expect(client.logs.filter((l) => String(l.msg).startsWith('already stopping'))).toHaveLength(1);
      expect(client.accessLog()).toMatchObject([{ path: '/api/held', status: 200 }]);
    } finally {
      held.restore();
    }
  });
});

describe('meshc proxy: a signal while it starts', () => {
  it('stops gracefully (exit 0) when signalled while it loads, and starts nothing', async () => {
    const dir = mkdtempSync(join(fixture.dir, 'hold-'));
    const proc = startSidecarProcess(baseArgs(fixture, 'client'), fixture.dir, { MESHC_TEST_HOLD_DIR: dir }, [
      '--import',
      HOLD_HOOK,
    ]);
    await until(() => existsSync(join(dir, 'holding')));
    proc.child.kill('SIGTERM');
    closeSync(openSync(join(dir, 'release'), 'w'));
    expect(await proc.exited).toBe(0);
    expect(proc.logs.map((l) => [l.msg, l.signal])).toEqual([['stopping', 'SIGTERM']]);
  });

  it('stops gracefully (exit 0) when signalled while it reads --verify-key', async () => {
    // A FIFO as --verify-key: the proxy's read of it blocks until the test writes the key.
    const fifo = join(fixture.dir, 'verify-key.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const args = baseArgs(fixture, 'client');
    args[args.indexOf('--verify-key') + 1] = fifo;
    const proc = startSidecarProcess(args, fixture.dir);
    // Opening for writing without blocking succeeds only once the proxy has opened it for reading.
    let writer = -1;
    await until(() => {
      try {
        writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
        return true;
      } catch {
        return false;
      }
    });
    proc.child.kill('SIGTERM');
    writeSync(writer, readFileSync(fixture.verifyKey));
    closeSync(writer);
    expect(await proc.exited).toBe(0);
    expect(proc.logs.filter((l) => l.msg === 'stopping').map((l) => l.signal)).toEqual(['SIGTERM']);
  });
});
