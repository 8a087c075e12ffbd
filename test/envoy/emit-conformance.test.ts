// Every emitted bootstrap, for bundles that between them use every feature the emitter maps,
// passes the strict Envoy conformance check and reads back as the data it was built from; the
// output is stable, and the target is registered and reports what Envoy cannot express.
import jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildEnvoyBootstrap, emitEnvoy, emitEnvoyBootstrap } from '../../compiler/emit/envoy/index.js';
import { TARGETS, TargetError } from '../../compiler/emit/targets.js';
import type { Bundle } from '../../schema/bundle.types.generated.js';
import { checkEnvoyBootstrap } from '../envoy-conformance/check-envoy.js';
import { bundle, destination, everythingBundle, richDestination, route } from './bundles.js';
import { denyAllInbound } from './navigate.js';

/** Bundles that between them use every feature the emitter maps. */
const VARIANTS: [string, Bundle, { certDir?: string; trustRoots?: 'inline' | 'file' }][] = [
  ['the base bundle', bundle(), {}],
  ['every feature at once', everythingBundle(), {}],
  [
    'default allow, strict',
    bundle({
      inbound: { ...bundle().inbound, authorization: { default: 'allow', source: 's.yaml:1', rules: [] } },
    }),
    {},
  ],
  ['default deny without rules', bundle({ inbound: denyAllInbound([]) }), {}],
  [
    'a rule with an empty method list',
    bundle({ inbound: denyAllInbound([{ from: ['*'], methods: [], paths: null, source: 's.yaml:2' }]) }),
    {},
  ],
  [
    'tcp inbound, deny, strict',
    bundle({ inbound: { ...everythingBundle().inbound, protocol: 'tcp', mtls: 'strict' } }),
    {},
  ],
  [
    'tcp inbound, allow, permissive',
    bundle({
      inbound: {
        ...bundle().inbound,
        protocol: 'tcp',
        mtls: 'permissive',
        authorization: { default: 'allow', source: 's.yaml:1', rules: [] },
      },
    }),
    {},
  ],
  [
    'tcp inbound, deny, permissive, no identity admitted',
    bundle({ inbound: { ...denyAllInbound([]), protocol: 'tcp', mtls: 'permissive' } }),
    {},
  ],
  ['grpc inbound', bundle({ inbound: { ...bundle().inbound, protocol: 'grpc' } }), {}],
  ['no called services', bundle({ outbound: [] }), {}],
  ['inline trust roots and a cert dir', bundle(), { certDir: '/run/certs/', trustRoots: 'inline' }],
  [
    'access log off, tracing over plain http',
    bundle({
      observability: { accessLog: 'off', tracing: { sampling: 1, otlpEndpoint: 'http://[::1]:4318/otlp/' } },
    }),
    {},
  ],
  [
    'ring-hash without a header, one weighted backend per route',
    bundle({
      outbound: [
        destination({
          policy: { ...destination().policy, loadBalancer: { policy: 'ring-hash', hashHeader: null } },
        }),
      ],
    }),
    {},
  ],
  // The schema's limits (uint32, as Envoy keeps them): the largest values a spec may hold still conform.
  ['limits at their largest', limitsAtTheirLargest(), {}],
];

function limitsAtTheirLargest(): Bundle {
  const U32 = 4294967295;
  const b = everythingBundle();
  for (const d of b.outbound) {
    d.policy.circuitBreaker = { maxConnections: U32, maxPendingRequests: U32, maxRequests: U32 };
    if (d.policy.outlierDetection) d.policy.outlierDetection.consecutive5xx = U32;
    for (const r of d.routes) if (r.retries?.budget) r.retries.budget.minPerSecond = U32;
  }
  return b;
}

describe('conformance of emitted bootstraps', () => {
  it.each(VARIANTS)('%s passes the Envoy conformance check', (_name, b, options) => {
    expect(checkEnvoyBootstrap(emitEnvoyBootstrap(b, options)).errors).toEqual([]);
  });

  it.each(VARIANTS)('%s reads back as the built config with two YAML parsers', (_name, b, options) => {
    const text = emitEnvoyBootstrap(b, options);
    const data = JSON.parse(JSON.stringify(buildEnvoyBootstrap(b, options)));
    expect(jsyaml.load(text)).toEqual(data);
    expect(parse(text)).toEqual(data);
  });
});

describe('stability', () => {
  const lines = (b: Bundle) => emitEnvoyBootstrap(b).split('\n');
  const changed = (a: string[], b: string[]) => a.filter((line, i) => b[i] !== line).length;

  it('gives identical bytes for the same bundle, and for bundles differing only in commit', () => {
    expect(emitEnvoyBootstrap(everythingBundle())).toBe(emitEnvoyBootstrap(everythingBundle()));
    expect(emitEnvoyBootstrap(bundle({ commit: 'a'.repeat(40) }))).toBe(
      emitEnvoyBootstrap(bundle({ commit: null })),
    );
  });

  it('turns a weight change into a two-line diff', () => {
    const before = everythingBundle();
    const after = everythingBundle();
    const dest = after.outbound.find((d) => d.service === 'ratings')!;
    dest.routes[2]!.backends = [
      { version: 'v1', weight: 80, threshold: 80 },
      { version: 'v2', weight: 20, threshold: 100 },
    ];
    const [a, b] = [lines(before), lines(after)];
    expect(a.length).toBe(b.length);
    expect(changed(a, b)).toBe(2);
  });

  it('turns a timeout change into a one-line diff', () => {
    const after = bundle({ outbound: [destination({ routes: [route({ timeoutMs: 3000 })] })] });
    const [a, b] = [lines(bundle()), lines(after)];
    expect(a.length).toBe(b.length);
    expect(changed(a, b)).toBe(1);
  });
});

describe('the envoy target', () => {
  it('writes envoy/<service>/envoy.yaml and is registered in TARGETS', () => {
    const files = emitEnvoy(bundle());
    expect(files.map((f) => f.path)).toEqual(['envoy/reviews/envoy.yaml']);
    expect(new TextDecoder().decode(files[0]!.bytes)).toBe(emitEnvoyBootstrap(bundle()));
    const viaRegistry = TARGETS['envoy']!(bundle(), undefined as never);
    expect(viaRegistry).toEqual(files);
  });

  it('refuses a route removing the Host header, as a diagnostic at the route (MC5050)', () => {
    const b = bundle({
      outbound: [
        richDestination(),
        destination({
          service: 'x',
          routes: [
            route({
              name: 'strip',
              source: 'services/x.yaml:12',
              headers: {
                request: { set: [], add: [], remove: ['host'] },
                response: { set: [], add: [], remove: [] },
              },
            }),
          ],
        }),
      ],
    });
    let error: unknown;
    try {
      emitEnvoyBootstrap(b);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TargetError);
    expect((error as TargetError).diagnostic).toMatchObject({
      code: 'MC5050',
      severity: 'error',
      file: 'services/x.yaml',
      line: 12,
    });
  });
});
