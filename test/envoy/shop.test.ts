// `meshc compile examples/shop` (in-process, as a user runs it) writes an Envoy bootstrap for every
// service by default, and each one passes the strict Envoy conformance check.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../compiler/cli/main.js';
import { storePaths } from '../../schema/store-format.js';
import { FIXED_NOW, testSigningKey } from '../compile/helpers.js';
import { checkEnvoyBootstrap } from '../envoy-conformance/check-envoy.js';
import { captureIo } from '../helpers/cli-io.js';
import { makeTempDir } from '../helpers/spec-fixtures.js';

const SHOP = fileURLToPath(new URL('../../examples/shop', import.meta.url));

const temp = makeTempDir('meshc-envoy-shop-');
const out = join(temp.dir, 'dist');
let services: string[] = [];

async function meshc(args: string[]) {
  const io = { ...captureIo({ cwd: temp.dir, env: {} }), now: () => FIXED_NOW };
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

const envoyText = (svc: string) => readFileSync(join(out, storePaths.envoy(svc)), 'utf8');

beforeAll(async () => {
  writeFileSync(
    join(temp.dir, 'signing.pem'),
    testSigningKey().export({ format: 'pem', type: 'pkcs8' }).toString(),
    {
      mode: 0o600,
    },
  );
  const result = await meshc(['compile', SHOP, '--out', out, '--signing-key', 'signing.pem']);
  expect(result.err).toBe('');
  expect(result.code).toBe(0);
  services = Object.keys(JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')).services);
});
afterAll(() => temp.cleanup());

describe('Envoy output of examples/shop', () => {
  it('has one envoy.yaml per service', () => {
    expect(services.length).toBeGreaterThanOrEqual(5);
    for (const svc of services) expect(existsSync(join(out, storePaths.envoy(svc))), svc).toBe(true);
  });

  it('passes the Envoy conformance check for every service', () => {
    for (const svc of services) expect(checkEnvoyBootstrap(envoyText(svc)).errors, svc).toEqual([]);
  });

  it('carries the shop features: ratings fault drill in reviews, mysql over tcp from ratings, open gateway', () => {
    const reviews = envoyText('reviews');
    expect(reviews).toContain('name: fault-drill');
    expect(reviews).toContain('type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault');
    const ratings = envoyText('ratings');
    expect(ratings).toContain('name: outbound|mysql|tcp');
    expect(ratings).toContain('envoy.filters.http.rbac');
    expect(envoyText('gateway')).not.toContain('envoy.filters.http.rbac');
  });

  it('is left out with --target native', async () => {
    const nativeOut = join(temp.dir, 'native');
    const result = await meshc([
      'compile',
      SHOP,
      '--out',
      nativeOut,
      '--signing-key',
      'signing.pem',
      '--target',
      'native',
    ]);
    expect(result.code).toBe(0);
    expect(existsSync(join(nativeOut, 'envoy'))).toBe(false);
  });
});
