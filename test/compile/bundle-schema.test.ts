// Every bundle and manifest the compiler emits validates against schema/bundle.schema.json and
// schema/manifest.schema.json: the only contract the proxy knows.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { emitBundle } from '../../compiler/emit/bundle/index.js';
import { emitEnvoyBootstrap } from '../../compiler/emit/envoy/index.js';
import { normalizeSpec } from '../../compiler/normalize/index.js';
import { planBundle } from '../../compiler/plan/index.js';
import { manifestOf } from '../../compiler/store/layout.js';
import bundleSchema from '../../schema/bundle.schema.json' with { type: 'json' };
import manifestSchema from '../../schema/manifest.schema.json' with { type: 'json' };
import { checkEnvoyBootstrap } from '../envoy-conformance/check-envoy.js';
import { generateMesh } from '../helpers/generated-mesh.js';
import { MESH_YAML, SHOP_FILES, specFrom } from './helpers.js';

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validateBundle = ajv.compile(bundleSchema);
const validateManifest = ajv.compile(manifestSchema);

function expectValid(value: unknown, validate: typeof validateBundle): void {
  const ok = validate(value);
  expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
  expect(ok).toBe(true);
}

const permissiveMesh = {
  ...SHOP_FILES,
  'mesh.yaml': `${MESH_YAML}  mtls: permissive
  defaults: { circuitBreaker: { maxRequests: 5 }, loadBalancer: { policy: round-robin } }
  observability: { accessLog: "off", tracing: { sampling: 1, otlpEndpoint: "http://127.0.0.1:4318" } }
`,
};

// A timeout and a per-try timeout of 0 are none (the proxy and Envoy read them so); the schema said
// at least 1, and such a spec validated (found by fuzzing the compile).
const noTimeouts = {
  ...SHOP_FILES,
  'mesh.yaml': `${MESH_YAML}  defaults: { timeout: 0s, retries: { perTryTimeout: 0ms } }\n`,
};

describe.each([
  ['the shop fixture', () => normalizeSpec(specFrom(SHOP_FILES))],
  ['a mesh whose timeouts are 0 (none)', () => normalizeSpec(specFrom(noTimeouts))],
  ['a permissive mesh with defaults', () => normalizeSpec(specFrom(permissiveMesh))],
  ['a generated mesh', () => normalizeSpec(generateMesh(50, 3))],
])('%s', (_, makeModel) => {
  const model = makeModel();
  it('emits bundles and manifests that validate against their schemas, and Envoy configs that conform', () => {
    for (const name of model.services.keys()) {
      const emitted = emitBundle(planBundle(model, name, { commit: 'c0ffee' }));
      expectValid(JSON.parse(new TextDecoder().decode(emitted.bytes)), validateBundle);
      expectValid(manifestOf(emitted), validateManifest);
      expect(checkEnvoyBootstrap(emitEnvoyBootstrap(emitted.bundle)).errors).toEqual([]);
    }
  });
});

it('the schema check can fail: a bundle with a threshold of 0 is rejected', () => {
  const model = normalizeSpec(specFrom(SHOP_FILES));
  const bundle = planBundle(model, 'productpage');
  const broken = structuredClone(bundle);
  broken.outbound[0]!.routes[0].backends[0].threshold = 0;
  expect(validateBundle(broken)).toBe(false);
});
