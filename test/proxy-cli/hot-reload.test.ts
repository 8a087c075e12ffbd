// Hot reload under load, with real processes: 50 recompiles of the spec into the store directory the
// client sidecar watches, each flipping the canary between v1 and v2 (weights 100/0 and 0/100) and
// renaming the route, while workers keep requests flowing through the client sidecar. Every request
// must succeed, and each new routing must be observed within one poll interval of the store write.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, startApp, type TestApp } from '../runtime/harness.js';
import { createMeshFixture, type MeshFixture, type MeshShape, manifestVersion } from './mesh-fixture.js';
import {
  admin,
  baseArgs,
  killAll,
  type Ports,
  type SidecarProcess,
  startSidecarProcess,
} from './sidecar-process.js';

const SWAPS = 50;
const POLL_MS = 2000;
const WORKERS = 4;

let fixture: MeshFixture;
let apps: TestApp[] = [];
let client: SidecarProcess;
let ports: Ports;
let endpoints: { v1: string; v2: string };

beforeAll(async () => {
  fixture = createMeshFixture();
  const v1 = await startApp('v1');
  const v2 = await startApp('v2');
  apps = [v1, v2];
  fixture.compileWithCli({ v1: '127.0.0.1:1', v2: '127.0.0.1:2', canary: [{ version: 'v1' }] });
  const server = (app: TestApp) =>
    startSidecarProcess(
      [...baseArgs(fixture, 'server'), '--app', `127.0.0.1:${app.port}`],
      fixture.dir,
    ).ready();
  const [p1, p2] = await Promise.all([server(v1), server(v2)]);
  endpoints = { v1: `127.0.0.1:${p1.inbound}`, v2: `127.0.0.1:${p2.inbound}` };
  await fixture.compile(shapeFor(-1));
  client = startSidecarProcess(
    [...baseArgs(fixture, 'client'), '--poll-interval', `${POLL_MS}ms`],
    fixture.dir,
  );
  ports = await client.ready();
}, 60_000);

afterAll(async () => {
  await killAll();
  await Promise.all(apps.map((a) => a.close()));
  fixture?.cleanup();
});

/** Round i sends everything to v2 when even, to v1 when odd, under a route named for the round. */
function shapeFor(i: number): MeshShape {
  const toV2 = i % 2 === 0;
  return {
    ...endpoints,
    canaryName: `round-${i + 1}`,
    canary: [
      { version: 'v1', weight: toV2 ? 0 : 100 },
      { version: 'v2', weight: toV2 ? 100 : 0 },
    ],
  };
}

describe('meshc proxy: hot reload under continuous load', () => {
  it(`swaps ${SWAPS} bundles with zero failed requests, each visible within one poll interval`, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: WORKERS });
    const failures: string[] = [];
    let served = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        try {
          const r = await send(ports.outbound, { host: 'server', path: '/api/load', agent });
          if (r.status !== 200 || !/^ok v[12]$/.test(r.body)) failures.push(`${r.status} ${r.body}`);
          else served++;
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    };
    const load = Promise.all(Array.from({ length: WORKERS }, worker));

    const delays: number[] = [];
    try {
      for (let i = 0; i < SWAPS; i++) {
        const shape = shapeFor(i);
        const want = i % 2 === 0 ? 'ok v2' : 'ok v1';
        await fixture.compile(shape);
        const written = Date.now();
        // Probe on its own connection until the new routing answers (or one poll interval passes).
        let seen = '';
        while (Date.now() - written <= POLL_MS) {
          seen = (await send(ports.outbound, { host: 'server', path: '/api/probe' })).body;
          if (seen === want) break;
        }
        const delay = Date.now() - written;
        expect(seen, `round ${i + 1}: routing not visible after ${delay} ms`).toBe(want);
        delays.push(delay);
        // Once switched, it stays switched: the old bundle is gone for new requests.
        for (let k = 0; k < 5; k++)
          expect((await send(ports.outbound, { host: 'server', path: '/api/after' })).body).toBe(want);
      }
    } finally {
      stop = true;
      await load;
      agent.destroy();
    }

    expect(failures).toEqual([]);
    expect(served).toBeGreaterThan(SWAPS * 2);
    const config = (await admin(ports.admin, '/config')).json<{
      activeVersion: string;
      reloads: Record<string, number>;
      bundle: { outbound: { routes: { name: string }[] }[] };
    }>();
    expect(config.activeVersion).toBe(manifestVersion(fixture.store, 'client'));
    expect(config.bundle.outbound[0]!.routes.map((r) => r.name)).toEqual(['testers', `round-${SWAPS}`]);
    expect(config.reloads.success).toBe(SWAPS + 1);
    expect(config.reloads).toMatchObject({ rejected: 0, 'activation-failed': 0, unreachable: 0 });
    delays.sort((a, b) => a - b);
    process.stdout.write(
      `hot reload: ${SWAPS} swaps, ${served} requests served under load, 0 failed; ` +
        `visible after median ${delays[delays.length >> 1]} ms, max ${delays.at(-1)} ms\n`,
    );
  }, 180_000);
});
