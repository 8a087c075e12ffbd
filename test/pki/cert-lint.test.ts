// Certificate lint (MC4001-MC4005) with an injected clock: the pure functions, then `meshc validate`'s
// pipeline over a real spec directory with real certificate files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createRootCa } from '../../compiler/pki/ca.js';
import { dirSource } from '../../compiler/load/dir-source.js';
import { checkSpec } from '../../compiler/pipeline.js';
import { lintTrustRoots } from '../../compiler/validate/checks/cert-trust-roots.js';
import { lintWorkloadTtl } from '../../compiler/validate/checks/cert-workload-ttl.js';
import { DAY, HOUR, makePki, makeTempDir, TD } from './helpers.js';

const NOW = Date.UTC(2031, 2, 1);
const at = (line: number) => ({ file: 'mesh.yaml', line, col: 9 });
const rootAt = async (now: number, validityMs: number) =>
  (await createRootCa({ trustDomain: TD, keyType: 'ecdsa', now, validityMs })).certPem;
const lint = (roots: { path: string; pem: string | undefined; line: number }[], workloadTtlMs?: number) =>
  lintTrustRoots({
    roots: roots.map((r) => ({ path: r.path, pem: r.pem, location: at(r.line) })),
    now: NOW,
    ...(workloadTtlMs !== undefined ? { workloadTtlMs } : {}),
  }).map((d) => ({ code: d.code, severity: d.severity, line: d.line, message: d.message }));

describe('lintTrustRoots', () => {
  test('reads a root location only for a diagnostic (locating re-parses the mesh file)', async () => {
    let reads = 0;
    const located = (path: string, pem: string) => ({
      path,
      pem,
      get location() {
        reads++;
        return at(5);
      },
    });
    const roots = [
      located('old.pem', await rootAt(NOW - DAY, 3650 * DAY)),
      located('new.pem', await rootAt(NOW - DAY / 2, 3650 * DAY)),
    ];
    expect(lintTrustRoots({ roots, now: NOW })).toEqual([]);
    expect(reads).toBe(0);
    const expiring = located('soon.pem', await rootAt(NOW - 20 * DAY, 30 * DAY));
    expect(lintTrustRoots({ roots: [expiring], now: NOW }).map((d) => d.code)).toEqual(['MC4002']);
    expect(reads).toBe(1);
  });

  test('an intermediate listed without the root it chains to is an error (MC4006)', async () => {
    // validate said nothing, the proxy said ready, and every mTLS handshake was reset: TLS stacks
    // accept a peer only through a chain ending at a self-signed root.
    const pki = await makePki('ecdsa', NOW);
    const intermediate = pki.ca.certPem;
    expect(lint([{ path: 'pki/issuing.pem', pem: intermediate, line: 5 }])).toEqual([
      {
        code: 'MC4006',
        severity: 'error',
        line: 5,
        message: expect.stringMatching(
          /^trust root `pki\/issuing\.pem` is not self-signed and no listed root issued it/,
        ),
      },
    ]);
    // Anchored by its root, in the same file or listed beside it: fine.
    expect(lint([{ path: 'pki/bundle.pem', pem: `${intermediate}${pki.root.certPem}`, line: 5 }])).toEqual(
      [],
    );
    expect(
      lint([
        { path: 'pki/issuing.pem', pem: intermediate, line: 5 },
        { path: 'pki/root.pem', pem: pki.root.certPem, line: 6 },
      ]).filter((d) => d.code === 'MC4006'),
    ).toEqual([]);
    // A root of another CA does not anchor it.
    const other = await makePki('ecdsa', NOW);
    expect(
      lint([
        { path: 'pki/issuing.pem', pem: intermediate, line: 5 },
        { path: 'pki/other.pem', pem: other.root.certPem, line: 6 },
      ]).map((d) => d.code),
    ).toContain('MC4006');
  });

  test('a root valid for years is fine', async () => {
    expect(lint([{ path: 'pki/root.pem', pem: await rootAt(NOW - DAY, 3650 * DAY), line: 5 }])).toEqual([]);
  });

  test('expired and not yet valid roots are errors (MC4001)', async () => {
    const expired = await rootAt(NOW - 10 * DAY, 5 * DAY);
    const future = await rootAt(NOW + 10 * DAY, 365 * DAY);
    expect(lint([{ path: 'old.pem', pem: expired, line: 5 }])).toEqual([
      {
        code: 'MC4001',
        severity: 'error',
        line: 5,
        message: 'trust root `old.pem` expired on 2031-02-24T00:00:00Z',
      },
    ]);
    expect(lint([{ path: 'new.pem', pem: future, line: 6 }])).toMatchObject([
      {
        code: 'MC4001',
        severity: 'error',
        line: 6,
        message: 'trust root `new.pem` is not valid before 2031-03-10T23:59:00Z',
      },
    ]);
  });

  test('a root expiring within 30 days warns (MC4002); at 31 days it does not', async () => {
    const soon = await rootAt(NOW - 20 * DAY, 30 * DAY);
    expect(lint([{ path: 'root.pem', pem: soon, line: 5 }])).toEqual([
      {
        code: 'MC4002',
        severity: 'warning',
        line: 5,
        message: 'trust root `root.pem` expires in 10 days (2031-03-11T00:00:00Z)',
      },
    ]);
    expect(lint([{ path: 'root.pem', pem: await rootAt(NOW, 31 * DAY), line: 5 }])).toEqual([]);
  });

  test('a workload certificate listed as a root is an error (MC4003)', async () => {
    const pki = await makePki('ecdsa', NOW);
    const leaf = await pki.issue('reviews', { ttlMs: 30 * DAY });
    // The file holds the leaf and then its intermediate, which is a CA: only the leaf is reported.
    expect(lint([{ path: 'reviews.pem', pem: leaf.certPem, line: 5 }]).map((d) => d.code)).toEqual([
      'MC4003',
    ]);
  });

  test('a rotation overlap under twice the workload TTL warns on the newer root (MC4005)', async () => {
    const old = await rootAt(NOW - 3650 * DAY, 3650 * DAY + DAY); // expires in a day
    const fresh = await rootAt(NOW, 3650 * DAY);
    const both = [
      { path: 'old.pem', pem: old, line: 5 },
      { path: 'new.pem', pem: fresh, line: 6 },
    ];
    expect(lint(both)).toEqual([
      {
        code: 'MC4002',
        severity: 'warning',
        line: 5,
        message: 'trust root `old.pem` expires in 24h (2031-03-02T00:00:00Z)',
      },
      {
        code: 'MC4005',
        severity: 'warning',
        line: 6,
        message:
          'trust roots `old.pem` and `new.pem` are valid together for 24h, less than twice the workload certificate lifetime (2 × 24h)',
      },
    ]);
    // 24h of overlap is enough for 1h certificates; a root listed twice is one root.
    expect(lint(both, HOUR).map((d) => d.code)).toEqual(['MC4002']);
    const again = [...both, { path: 'again.pem', pem: fresh, line: 7 }];
    expect(lint(again).map((d) => d.code)).toEqual(['MC4002', 'MC4005']);
  });

  test('files that are not PEM certificates are left to MC3023', () => {
    expect(
      lint([
        { path: 'x.pem', pem: 'garbage', line: 5 },
        { path: 'y.pem', pem: undefined, line: 6 },
      ]),
    ).toEqual([]);
  });
});

test('lintWorkloadTtl warns above 7 days (MC4004)', () => {
  expect(lintWorkloadTtl(7 * DAY, '168h', at(9))).toEqual([]);
  expect(lintWorkloadTtl(7 * DAY + 1, '168h1ms', at(9))).toMatchObject([
    { code: 'MC4004', severity: 'warning', line: 9, col: 9 },
  ]);
});

describe('through meshc validate (checkSpec over a spec directory)', () => {
  let cleanup = () => {};
  afterEach(() => cleanup());

  test('reports MC4001 at the root entry and MC4004 at trust.workloadTtl', async () => {
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    mkdirSync(join(tmp.dir, 'pki'));
    writeFileSync(join(tmp.dir, 'pki', 'root.pem'), await rootAt(NOW - 10 * DAY, 5 * DAY));
    writeFileSync(
      join(tmp.dir, 'mesh.yaml'),
      [
        'apiVersion: meshc/v1',
        'kind: Mesh',
        'metadata: { name: shop }',
        'spec:',
        `  trustDomain: ${TD}`,
        '  trust:',
        '    roots:',
        '      - pki/root.pem',
        '    workloadTtl: 240h',
        '---',
        'apiVersion: meshc/v1',
        'kind: Service',
        'metadata: { name: reviews }',
        'spec: { protocol: http, port: 9080, endpoints: ["127.0.0.1:15006"] }',
        '',
      ].join('\n'),
    );
    const checked = await checkSpec(dirSource(tmp.dir), { now: NOW });
    const mine = checked.diagnostics
      .filter((d) => d.code.startsWith('MC4'))
      .map((d) => ({ code: d.code, file: d.file, line: d.line, col: d.col }));
    expect(mine).toEqual([
      { code: 'MC4001', file: 'mesh.yaml', line: 8, col: 9 },
      { code: 'MC4004', file: 'mesh.yaml', line: 9, col: 18 },
    ]);
    expect(checked.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toEqual(['MC4001']);
  });
});
