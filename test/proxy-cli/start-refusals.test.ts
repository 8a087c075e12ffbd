// What `meshc proxy` refuses before it starts, as real processes: the private signing key as
// --verify-key (and in `meshc explain`), a --store-ca with no certificate, a --bundles URL of another
// scheme, a --poll-interval below its floor (decision 0064); and how a start that fails is logged:
// every line with its time, a listener that cannot bind named with its address.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, type MeshFixture } from './mesh-fixture.js';
import { admin, baseArgs, startSidecarProcess, useCompiledFixture } from './sidecar-process.js';

const compiled = useCompiledFixture();
let fixture: MeshFixture;
beforeAll(() => {
  fixture = compiled();
});

/** `meshc ARGS` to its end: a proxy that took flags it should refuse runs until the bound, and fails. */
function meshc(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: fixture.dir,
    encoding: 'utf8',
    env: { ...process.env, MESHC_CACHE_DIR: join(fixture.dir, 'meshc-cache') },
    timeout: 20_000,
  });
  return { code: r.status, err: r.stderr };
}

/** baseArgs for the client with `flag` set to `value` (replaced if present, else added). */
function clientWith(flag: string, value: string): string[] {
  const args = baseArgs(fixture, 'client');
  const i = args.indexOf(flag);
  if (i === -1) return [...args, flag, value];
  args[i + 1] = value;
  return args;
}

describe('meshc proxy and meshc explain: the private key as --verify-key', () => {
  it('is refused with exit 2, whatever kind of private key it is', () => {
    for (const key of [fixture.signingKey, join(fixture.certs, 'client.key')]) {
      const { code, err } = meshc('proxy', ...clientWith('--verify-key', key));
      expect(code, err).toBe(2);
      expect(err).toMatch(/error\[PROXY_VERIFY_KEY_INVALID\]: --verify-key .+ is a private key;/);
      expect(err).toMatch(/hint: give its public half \(bundle-signing\.pub\)/);
      expect(err).not.toMatch(/^\s+at /m);
    }
  });

  it('is refused by meshc explain --store too', () => {
    const request = ['--from', 'client', 'GET http://server/api/x', '--store', fixture.store];
    const { code, err } = meshc('explain', ...request, '--verify-key', fixture.signingKey);
    expect(code, err).toBe(2);
    expect(err).toMatch(/error\[EXPLAIN_STORE_INVALID\]: verify key .+ is a private key;/);
    expect(err).toMatch(/CI secrets only/);
    expect(meshc('explain', ...request, '--verify-key', fixture.verifyKey).code).toBe(0);
  });
});

describe('meshc proxy: --store-ca', () => {
  it('is refused with exit 2 when it holds no PEM certificate', () => {
    const garbage = join(fixture.dir, 'garbage.pem');
    writeFileSync(garbage, 'garbage\n');
    const store = 'https://127.0.0.1:1/store';
    for (const [file, extra] of [
      [garbage, ''],
      [fixture.verifyKey, ' (it holds a PUBLIC KEY)'],
    ] as const) {
      const { code, err } = meshc('proxy', ...clientWith('--bundles', store), '--store-ca', file);
      expect(code, err).toBe(2);
      expect(err).toContain(
        `error[PROXY_STORE_CA_INVALID]: --store-ca ${relative(fixture.dir, file)} holds no PEM certificate${extra}`,
      );
    }
  });

  it('is a usage error with a directory store, before the file is read', () => {
    const garbage = join(fixture.dir, 'garbage.pem');
    writeFileSync(garbage, 'garbage\n');
    const caCert = join(fixture.caDir, 'root.crt');
    // A readable CA too: the flag is refused for the store it is given with, not for the file.
    for (const [bundles, file] of [
      [fixture.store, garbage],
      [pathToFileURL(fixture.store).href, caCert],
    ] as const) {
      const { code, err } = meshc('proxy', ...clientWith('--bundles', bundles), '--store-ca', file);
      expect(code, err).toBe(2);
      expect(err).toContain(
        'meshc proxy: --store-ca applies to an https:// store only (or an http:// one that redirects to https://); --bundles names a directory, read without TLS',
      );
    }
  });
});

describe('meshc proxy: --bundles', () => {
  it('refuses a URL of another scheme than http(s) or file, naming it', () => {
    for (const [url, scheme] of [
      ['ftp://127.0.0.1/store', 'ftp'],
      ['S3://bucket/shop', 's3'],
    ]) {
      const { code, err } = meshc('proxy', ...clientWith('--bundles', url!));
      expect(code, err).toBe(2);
      expect(err).toContain(`--bundles: scheme "${scheme}" is not supported`);
    }
  });

  it('takes a file:// URL as the directory it names, polled as often as 100ms', async () => {
    const url = pathToFileURL(fixture.store).href;
    const proc = startSidecarProcess(
      [...clientWith('--bundles', url), '--poll-interval', '100ms', '--no-cache'],
      fixture.dir,
    );
    const ports = await proc.ready();
    expect((await admin(ports.admin, '/config')).json()).toMatchObject({ activeFrom: 'store' });
    expect(await proc.stop()).toBe(0);
  });
});

describe('meshc proxy: --poll-interval', () => {
  it('is refused below 1s for an http(s) store and below 100ms for a directory', () => {
    const url = 'http://127.0.0.1:1/store';
    for (const [args, message] of [
      [clientWith('--bundles', url), 'at least 1s for an http(s) store, got "999ms"'],
      [baseArgs(fixture, 'client'), 'at least 100ms for a directory store, got "99ms"'],
    ] as const) {
      const value = /got "(.+)"/.exec(message)![1]!;
      const { code, err } = meshc('proxy', ...args, '--poll-interval', value);
      expect(code, err).toBe(2);
      expect(err).toContain(`--poll-interval must be ${message}`);
    }
  });
});

describe('meshc proxy: a start that fails', () => {
  const hasTime = (line: Record<string, unknown>) => !Number.isNaN(Date.parse(String(line['time'])));

  it('logs an access log that cannot be opened with its time, exit 1', async () => {
    const proc = startSidecarProcess(
      [...baseArgs(fixture, 'client'), '--access-log', join(fixture.dir, 'no-such-dir', 'a.log')],
      fixture.dir,
    );
    expect(await proc.exited).toBe(1);
    expect(proc.logs).toEqual([expect.objectContaining({ msg: 'access log cannot be opened' })]);
    expect(proc.logs.every(hasTime)).toBe(true);
  });

  it('names the listener that cannot bind and its address, on a line with its time, exit 1', async () => {
    const busy = await listening();
    const address = `127.0.0.1:${(busy.address() as AddressInfo).port}`;
    try {
      for (const listener of ['admin', 'metrics', 'inbound', 'outbound']) {
        const proc = startSidecarProcess(clientWith(`--${listener}`, address), fixture.dir);
        expect(await proc.exited).toBe(1);
        const failed = proc.logs.find((l) => l.msg === 'proxy failed to start');
        expect(failed).toMatchObject({
          level: 'error',
          listener,
          address,
          error: `${listener} listener ${address}: address already in use (EADDRINUSE)`,
        });
        expect(proc.logs.every(hasTime), proc.stderr()).toBe(true);
      }
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});

function listening(): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}
