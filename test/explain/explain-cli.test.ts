// `meshc explain` as a user meets it: the text and JSON answers for the example shop (route with its
// spec line, versions and chances, timeout, retries, limits, authorization with its rule), several
// hops, the bundle a rollout gives one instance, and every kind of bad input: a clear message with a
// code and exit 2, never a stack trace. The conformance table (test/conformance) covers matching.
import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../compiler/cli/main.js';
import { storePaths } from '../../schema/store-format.js';
import { captureIo } from '../helpers/cli-io.js';
import { makeRolloutStore, type RolloutStore } from '../rollout/store-fixture.js';

const ROOT = new URL('../..', import.meta.url).pathname;

async function meshc(cwd: string, ...args: string[]) {
  // The real clock: certificate checks of the example's root run against today.
  const io = { ...captureIo({ cwd }), now: () => Date.now() };
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}
const shop = (...args: string[]) => meshc(ROOT, 'explain', ...args, 'examples/shop');

/** Line number (1-based) of the first line of `file` containing `text`. */
function lineOf(file: string, text: string): number {
  return (
    readFileSync(join(ROOT, file), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text)) + 1
  );
}

describe('meshc explain on the example shop', () => {
  it('reads the spec through the parse cache as validate does: --cache-dir DIR, or none with --no-cache', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshc-explain-cache-'));
    try {
      const request = ['--from', 'productpage', 'GET http://reviews/reviews/1'];
      const cold = await shop(...request, '--cache-dir', dir);
      expect(cold.code, cold.err).toBe(0);
      expect(readdirSync(dir).length).toBeGreaterThan(0);
      const warm = await shop(...request, '--cache-dir', dir);
      const none = await shop(...request, '--no-cache');
      expect([warm.code, none.code]).toEqual([0, 0]);
      expect(warm.out).toBe(cold.out);
      expect(none.out).toBe(cold.out);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers route, versions, policies and authorization in text, citing spec lines', async () => {
    const run = await shop('--from', 'productpage', 'GET http://reviews/reviews/1');
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const canary = `services/reviews.yaml:${lineOf('examples/shop/services/reviews.yaml', '- name: canary')}`;
    const rule = `services/reviews.yaml:${lineOf('examples/shop/services/reviews.yaml', '- from: [productpage]')}`;
    expect(run.out).toContain('hop 1: productpage -> reviews   GET /reviews/1');
    expect(run.out).toContain(`route      canary  (${canary})`);
    expect(run.out).toMatch(/versions {3}v1 +90% {2}127\.0\.0\.1:21006\n {13}v2 +10% {2}127\.0\.0\.1:21106/);
    expect(run.out).toContain('timeout    2s for the whole request, retries included; connect 2s');
    expect(run.out).toContain('retries    3 x 500ms per try on connect-failure, gateway-error, reset');
    expect(run.out).toContain('limits     1024 connections, 1024 pending, 256 requests');
    expect(run.out).toContain('balancer   ring-hash on header x-user');
    expect(run.out).toContain('mirror     5% copied to v3');
    expect(run.out).toContain(`authz      allowed: admitted by an allow rule  (${rule})`);
    expect(run.out).toContain('result: reaches reviews (v1 90%, v2 10%)');
  });

  it('gives the same answer as JSON, with the policy values a proxy applies', async () => {
    const run = await shop('--from', 'productpage', 'POST http://reviews/reviews/1', '--format', 'json');
    const json = JSON.parse(run.out);
    // POST falls through canary (GET only) to the catch-all default route.
    expect(json.hops[0].outbound).toMatchObject({
      decision: 'routed',
      route: { name: 'default' },
      backends: [{ version: 'v1', weight: 100, probability: 1 }],
      timeoutMs: 10_000,
      retries: { attempts: 2, perTryTimeoutMs: 3000, idempotentOnly: true, apply: false },
      circuitBreaker: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 256 },
      connectTimeoutMs: 2000,
      upstreamIdentity: 'spiffe://shop.local/reviews',
    });
    // reviews admits productpage for GET only: the default decides, cited at the authorization block.
    expect(json.refusal).toMatchObject({ hop: 0, status: 403, error: 'authz-denied' });
    expect(json.refusal.rule).toBe(
      `services/reviews.yaml:${lineOf('examples/shop/services/reviews.yaml', 'default: deny')}`,
    );
    expect(run.code).toBe(1);
  });

  it('follows the request hop by hop and stops where a proxy refuses', async () => {
    const run = await shop(
      '--from',
      'productpage',
      'GET http://reviews/reviews/1',
      '-H',
      'end-user: jason',
      '--then',
      'GET http://ratings/ratings/1',
      '--then',
      'GET http://details/details/1',
      '--then',
      'GET http://ratings/x',
    );
    expect(run.code).toBe(1);
    expect(run.out).toContain('hop 1: productpage -> reviews');
    expect(run.out).toContain('route      testers');
    expect(run.out).toContain('hop 2: reviews -> ratings   GET /ratings/1');
    expect(run.out).toContain('versions   v1       80%');
    expect(run.out).toContain('hop 3: ratings -> details');
    expect(run.out).toMatch(/unknown-destination "details" is not a service that ratings calls/);
    expect(run.out).toContain('result: refused at hop 3 with 404 (x-meshc-error: unknown-destination)');
    expect(run.out).toContain('(1 later hop not reached)');
  });

  it("answers 431 or 400 where the proxy's listener refuses the request before routing it", async () => {
    const big = 'a'.repeat(100_000);
    const cases: [string[], number, string][] = [
      // Over the listeners' 16 KiB head limit (runtime/server/options.ts DEFAULT_LIMITS).
      [
        ['GET http://reviews/reviews/1', '-H', `end-user: ${big}`],
        431,
        "over the listener's limit of 16384 bytes",
      ],
      // llhttp's strict reasons, as the proxy's 400 body gives them.
      [['GET http://reviews/reviews/1\x1b[31mRED'], 400, 'Invalid char in url path (HPE_INVALID_URL)'],
      [
        ['GET http://reviews/reviews/1', '-H', 'end-user: ja\rson'],
        400,
        'Missing expected LF after header value',
      ],
      [['GET http://reviews/reviews/1', '-H', 'end-user: jason\nx-evil: 1'], 400, 'Missing expected CR'],
      [
        ['GET http://reviews/reviews/1', '-H', 'content-length: abc'],
        400,
        'Invalid character in Content-Length',
      ],
      [
        ['GET http://reviews/reviews/1', '-H', 'transfer-encoding: chunked', '-H', 'content-length: 5'],
        400,
        "Content-Length can't be present with Transfer-Encoding",
      ],
      [
        ['GET http://reviews/reviews/1', '-H', 'transfer-encoding: gzip'],
        400,
        'a transfer coding other than chunked',
      ],
      // Methods are taken as sent: `get` and `FOO` are a 400 there, never routed.
      [['get http://reviews/reviews/1'], 400, 'Invalid method encountered'],
      [['FOO http://reviews/reviews/1'], 400, 'Invalid method encountered'],
      // The Host checks: two Host lines, a malformed host, none at all for a path.
      [['GET /reviews/1', '-H', 'host: reviews', '-H', 'host: ratings'], 400, 'more than one Host header'],
      [['GET http://reviews:junk/reviews/1'], 400, 'malformed host'],
      [['GET /reviews/1'], 400, 'an HTTP/1.1 request without Host'],
      [['GET reviews/x', '-H', 'host: reviews'], 400, 'Unexpected char in url schema'],
      [['GET https://reviews/x'], 400, 'request target must be a path or an http:// URL'],
      [['GET http://reviews/%2Fadmin'], 400, 'encoded "/" (%2F) in path'],
    ];
    for (const [args, status, reason] of cases) {
      const run = await shop('--from', 'productpage', ...args);
      const label = args.join(' ').slice(0, 80);
      expect(run.code, label).toBe(1);
      expect(run.err, label).toBe('');
      const error = status === 431 ? 'header-too-large' : 'bad-request';
      expect(run.out, label).toContain(`(the proxy of productpage answers ${status})`);
      expect(run.out, label).toContain(`result: refused at hop 1 with ${status} (x-meshc-error: ${error})`);
      expect(run.out, label).toContain(reason);
      // Nothing the request carried reaches the terminal raw.
      expect(run.out, label).not.toMatch(/[\x00-\x09\x0b-\x1f]/);
      const json = JSON.parse((await shop('--from', 'productpage', ...args, '--format', 'json')).out);
      expect(json, label).toMatchObject({
        outcome: 'refused',
        refusal: {
          hop: 0,
          status,
          error,
          rule: null,
          reason: expect.stringContaining(reason),
          side: 'outbound',
          proxy: 'productpage',
        },
        hops: [{ from: 'productpage', to: null, outbound: { decision: error, status }, inbound: null }],
      });
    }
    const escaped = await shop('--from', 'productpage', 'GET http://reviews/reviews/1\x1b[31mRED');
    expect(escaped.out).toContain('hop 1: productpage   GET http://reviews/reviews/1\\x1b[31mRED');
  });

  it('refuses at the hop whose proxy answers, after routing the hops before it', async () => {
    const run = await shop(
      '--from',
      'productpage',
      'GET http://reviews/reviews/1',
      '--then',
      'GET http://ratings/ratings/1\x01',
      '--format',
      'json',
    );
    expect(run.code).toBe(1);
    const json = JSON.parse(run.out);
    expect(json.hops[0].outbound.decision).toBe('routed');
    expect(json.hops[1]).toMatchObject({
      from: 'reviews',
      to: null,
      request: { target: 'http://ratings/ratings/1\x01' },
    });
    expect(json.refusal).toMatchObject({ hop: 1, status: 400, error: 'bad-request' });
  });

  it('refuses bad input with a code and exit 2, never a stack trace', async () => {
    const cases: [string[], string][] = [
      [['--from', 'productpage', 'GET'], 'error[EXPLAIN_BAD_REQUEST]: request "GET" is not \'METHOD URL\''],
      [['--from', 'productpage', 'GET http://reviews/a b'], 'EXPLAIN_BAD_REQUEST'],
      // Which bytes a client sends for it is the client's choice: the encoded form is asked for.
      [['--from', 'productpage', 'GET http://reviews/café'], 'send http://reviews/caf%C3%A9'],
      [
        ['--from', 'productpage', 'GET http://reviews/', '-H', 'nocolon'],
        'header "nocolon" is not \'name: value\'',
      ],
      [
        ['--from', 'prodpage', 'GET http://reviews/'],
        "--from prodpage: no such service (did you mean 'productpage'?)",
      ],
    ];
    for (const [args, message] of cases) {
      const run = await shop(...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.err).toContain(message);
      expect(run.err).not.toMatch(/\n\s+at /);
      expect(run.out).toBe('');
    }
    const usage = await meshc(ROOT, 'explain', 'GET http://reviews/');
    expect([usage.code, usage.err]).toEqual([2, expect.stringContaining('--from SERVICE is required')]);
    const both = await meshc(
      ROOT,
      'explain',
      '--from',
      'a',
      'GET http://b/',
      'examples/shop',
      '--store',
      'x',
    );
    expect([both.code, both.err]).toEqual([2, expect.stringContaining('not both')]);
    const format = await shop('--from', 'productpage', 'GET http://reviews/', '--format', 'xml');
    expect([format.code, format.err]).toEqual([2, expect.stringContaining("unknown format 'xml'")]);
  });

  it('refuses a spec with errors after showing its diagnostics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshc-explain-'));
    try {
      writeFileSync(
        join(dir, 'mesh.yaml'),
        'apiVersion: meshc/v1\nkind: Mesh\nmetadata: { name: x }\nspec: { trustDomain: 7 }\n',
      );
      const run = await meshc(dir, 'explain', '--from', 'a', 'GET http://b/', '.');
      expect(run.code).toBe(2);
      expect(run.err).toMatch(/mesh\.yaml:\d+:\d+/);
      expect(run.err).toContain('error[EXPLAIN_SPEC_INVALID]');
      const empty = await meshc(dir, 'explain', '--from', 'a', 'GET http://b/', 'nothing-here');
      expect(empty.code).toBe(2);
      expect(empty.err).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('meshc explain with a fault abort', () => {
  it('refuses where every request is aborted, and says the share where some are', async () => {
    // With abort on 100% it said "reaches ratings" and exit 0; the proxy answers 503 fault-abort.
    const dir = mkdtempSync(join(tmpdir(), 'meshc-explain-'));
    try {
      cpSync(join(ROOT, 'examples/shop'), dir, { recursive: true });
      const ask = () =>
        meshc(dir, 'explain', '--from', 'reviews', 'GET http://ratings/ratings/1', '-H', 'x-fault: on', '.');
      const partial = await ask();
      expect(partial.code).toBe(0);
      expect(partial.out).toContain(
        'result: reaches ratings (v1 100%), unless fault-aborted: 10% aborted with 503 at hop 1\n',
      );
      const file = join(dir, 'services/ratings.yaml');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(
          'abort: { percent: 10, status: 503 }',
          'abort: { percent: 100, status: 503 }',
        ),
      );
      const every = await ask();
      const route = `services/ratings.yaml:${lineOf('examples/shop/services/ratings.yaml', '- name: fault-drill')}`;
      expect(every.code).toBe(1);
      expect(every.out).toContain(
        `result: refused at hop 1 with 503 (x-meshc-error: fault-abort, x-meshc-rule: ${route})\n`,
      );
      // No other hop is explained past it, nor the callee's authorization.
      expect(every.out).not.toContain('authz');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('meshc explain on a spec holding control characters', () => {
  it('writes them as escapes in the text answer, never raw to the terminal', async () => {
    // A file name is spec text the validator does not vet; every route cites it.
    const dir = mkdtempSync(join(tmpdir(), 'meshc-explain-'));
    try {
      cpSync(join(ROOT, 'examples/shop'), dir, { recursive: true });
      renameSync(join(dir, 'services/reviews.yaml'), join(dir, 'services/re\x1b[2Jviews.yaml'));
      const run = await meshc(dir, 'explain', '--from', 'productpage', 'GET http://reviews/reviews/1', '.');
      expect([run.code, run.err]).toEqual([0, '']);
      expect(run.out).toMatch(/route {6}canary {2}\(services\/re\\x1b\[2Jviews\.yaml:\d+\)/);
      expect(run.out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('meshc explain --store', () => {
  let fx: RolloutStore;
  beforeAll(async () => {
    fx = await makeRolloutStore();
  });
  afterAll(() => fx?.cleanup());
  const fromStore = (...args: string[]) =>
    meshc(
      fx.dir,
      'explain',
      '--from',
      'productpage',
      'GET http://reviews/reviews/1',
      '--store',
      fx.store,
      '--format',
      'json',
      ...args,
    );

  it('reads the bundles the manifests point at, verifying signatures with --verify-key', async () => {
    const run = await fromStore('--verify-key', fx.pubFile);
    expect(run.err).toBe('');
    const json = JSON.parse(run.out);
    expect(json.versions.productpage).toBe(fx.newVersion);
    expect(json.hops[0].outbound.backends.map((b: { weight: number }) => b.weight)).toEqual([50, 50]);
  });

  it('with --instance-id, explains the bundle a rollout gives that proxy instance', async () => {
    const key = ['--store', fx.store, '--signing-key', fx.keyFile];
    await runCli(['rollback', 'productpage', '--to', fx.oldVersion, ...key], captureIo({ cwd: fx.dir }));
    await runCli(
      ['rollout', 'productpage', '--to', fx.newVersion, '--percent', '50', ...key],
      captureIo({ cwd: fx.dir }),
    );
    const { rolloutBucket } = await import('../../schema/store-format.js');
    const ids = Array.from({ length: 20 }, (_, i) => `pod-${i}`);
    const inRollout = ids.find((id) => rolloutBucket('productpage', id) < 50)!;
    const outside = ids.find((id) => rolloutBucket('productpage', id) >= 50)!;
    const weights = async (id: string) =>
      JSON.parse((await fromStore('--instance-id', id)).out).hops[0].outbound.backends.map(
        (b: { weight: number }) => b.weight,
      );
    expect(await weights(inRollout)).toEqual([50, 50]);
    expect(await weights(outside)).toEqual([90, 10]);
    expect(JSON.parse((await fromStore()).out).versions.productpage).toBe(fx.oldVersion);
    // Which bundle answered is said in the text too, and which of them the rollout chose.
    const text = async (id: string) => (await fromStore('--format', 'text', '--instance-id', id)).out;
    expect(await text(inRollout)).toContain(`bundles: productpage ${fx.newVersion} (rollout), reviews `);
    expect(await text(outside)).toContain(`bundles: productpage ${fx.oldVersion}, reviews `);
    expect(JSON.parse((await fromStore('--instance-id', inRollout)).out).rolledOut).toEqual(['productpage']);
  });

  it('refuses a missing store, a wrong verify key and a tampered bundle', async () => {
    const missing = await fromStore('--store', join(fx.dir, 'nope'));
    expect([missing.code, missing.err]).toEqual([
      2,
      expect.stringContaining('error[EXPLAIN_STORE_NOT_FOUND]'),
    ]);
    const otherPub = join(fx.dir, 'other.pub');
    const { createPublicKey, createPrivateKey } = await import('node:crypto');
    writeFileSync(
      otherPub,
      createPublicKey(createPrivateKey(readFileSync(fx.otherKeyFile))).export({
        format: 'pem',
        type: 'spki',
      }),
    );
    const wrongKey = await fromStore('--verify-key', otherPub);
    expect([wrongKey.code, wrongKey.err]).toEqual([2, expect.stringContaining('signature does not verify')]);
    const manifest = JSON.parse(readFileSync(join(fx.store, storePaths.manifest('reviews')), 'utf8'));
    const file = join(fx.store, storePaths.bundle('reviews', manifest.version));
    const original = readFileSync(file);
    writeFileSync(file, Buffer.from(original.toString().replace('"deny"', '"allow"')));
    try {
      const tampered = await fromStore();
      expect([tampered.code, tampered.err]).toEqual([
        2,
        expect.stringContaining('error[EXPLAIN_STORE_INVALID]'),
      ]);
      expect(tampered.err).not.toMatch(/\n\s+at /);
    } finally {
      writeFileSync(file, original);
    }
  });
});
