// `meshc proxy --metrics`, as real processes: the listener Prometheus and kubelet reach from other
// hosts answers /metrics, /ready and /healthz exactly as the admin listener does, and nothing that
// shows the configuration (decision 0065).
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../runtime-lifecycle/prom-parse.js';
import type { MeshFixture } from './mesh-fixture.js';
import { admin, baseArgs, startSidecarProcess, useCompiledFixture } from './sidecar-process.js';

const compiled = useCompiledFixture();
let fixture: MeshFixture;
beforeAll(() => {
  fixture = compiled();
});

/** A request with any method and Host; returns status, content type and body. */
function request(port: number, path: string, method = 'GET', host = `127.0.0.1:${port}`) {
  return new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    http
      .request({ host: '127.0.0.1', port, path, method, headers: { host }, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
        );
      })
      .on('error', reject)
      .end();
  });
}

describe('meshc proxy --metrics', () => {
  it('binds where asked, reports its port, and serves /metrics, /ready and /healthz as admin does', async () => {
    const proc = startSidecarProcess(
      [...baseArgs(fixture, 'client'), '--metrics', '127.0.0.1:0', '--no-cache'],
      fixture.dir,
    );
    const ports = await proc.ready();
    const listening = proc.logs.find((l) => l.msg === 'metrics listening');
    expect(listening).toMatchObject({ host: '127.0.0.1', port: ports.metrics });
    expect(ports.metrics).toBeGreaterThan(0);
    expect(ports.metrics).not.toBe(ports.admin);
    const config = (await admin(ports.admin, '/config')).json<{ sidecar: { listeners: unknown } }>();
    expect(config.sidecar.listeners).toEqual(ports);

    const metrics = await request(ports.metrics!, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.type).toBe((await request(ports.admin, '/metrics')).type);
    expect(metrics.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(parsePrometheusText(metrics.body).get('meshc_bundle_info')!.samples).toHaveLength(1);

    for (const path of ['/ready', '/healthz']) {
      const [fromMetrics, fromAdmin] = [
        await request(ports.metrics!, path),
        await request(ports.admin, path),
      ];
      expect(fromMetrics, path).toEqual(fromAdmin);
      expect(fromMetrics.status, path).toBe(200);
    }
    const head = await request(ports.metrics!, '/ready', 'HEAD');
    expect([head.status, head.body]).toEqual([200, '']);
    expect(await proc.stop()).toBe(0);
  });

  it('answers /ready 503 with the same reasons as admin while no bundle is there', async () => {
    const empty = join(fixture.dir, 'empty-store');
    mkdirSync(empty, { recursive: true });
    const args = baseArgs(fixture, 'client');
    args[args.indexOf('--bundles') + 1] = empty;
    const proc = startSidecarProcess([...args, '--metrics', '127.0.0.1:0', '--no-cache'], fixture.dir);
    const port = (await proc.waitFor((l) => l.msg === 'metrics listening')).port as number;
    await proc.waitFor((l) => l.msg === 'not ready');
    const [fromMetrics, fromAdmin] = [
      await request(port, '/ready'),
      await request(await proc.adminPort(), '/ready'),
    ];
    expect(fromMetrics.status).toBe(503);
    expect(fromMetrics).toEqual(fromAdmin);
    expect(await proc.stop()).toBe(0);
  });

  it('refuses /config, /explain and any other path with 404, whatever the Host, and writes with 405', async () => {
    const proc = startSidecarProcess(
      [...baseArgs(fixture, 'client'), '--metrics', '127.0.0.1:0', '--no-cache'],
      fixture.dir,
    );
    const port = (await proc.ready()).metrics!;
    for (const path of ['/config', '/explain?url=http://server/api/x', '/', '/metrics/x', '//x/config']) {
      for (const host of [`127.0.0.1:${port}`, 'localhost', 'evil.example']) {
        const reply = await request(port, path, 'GET', host);
        expect(reply.status, `${path} ${host}`).toBe(404);
        expect(JSON.parse(reply.body), path).toEqual({
          code: 'not-found',
          message: 'metrics endpoints: /ready /healthz /metrics',
        });
      }
    }
    expect((await request(port, '/metrics', 'POST')).status).toBe(405);
    expect(await proc.stop()).toBe(0);
  });
});
