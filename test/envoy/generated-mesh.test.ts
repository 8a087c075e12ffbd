// Scale: a 1,000-service mesh (each service calls 5 others; 3 versions; 4 routes) compiles to
// 1,000 Envoy bootstraps that all pass the strict conformance check. Prints the time each step takes.
import { expect, it } from 'vitest';
import { emitEnvoyBootstrap } from '../../compiler/emit/envoy/index.js';
import { emitArtifacts } from '../../compiler/emit/index.js';
import { normalizeSpec } from '../../compiler/normalize/index.js';
import { checkEnvoyBootstrap } from '../envoy-conformance/check-envoy.js';
import { generateMesh } from '../helpers/generated-mesh.js';

it('emits 1,000 conforming Envoy bootstraps for a 1,000-service mesh', () => {
  const started = performance.now();
  const model = normalizeSpec(generateMesh(1000, 5));
  const { artifacts, diagnostics } = emitArtifacts(model, { commit: null, targets: [] });
  expect(diagnostics).toEqual([]);
  const bundles = artifacts!.services.map((s) => s.bundle.bundle);
  const planned = performance.now();

  const texts = bundles.map((b) => emitEnvoyBootstrap(b));
  const emitted = performance.now();

  const failures = texts
    .map((text, i) => ({ service: bundles[i]!.service, errors: checkEnvoyBootstrap(text).errors }))
    .filter((r) => r.errors.length > 0);
  const checked = performance.now();

  expect(failures.slice(0, 3)).toEqual([]);
  expect(texts).toHaveLength(1000);
  // The shape the generator promises, seen in the output of one service.
  const sample = bundles[0]!;
  expect(sample.outbound).toHaveLength(5);
  expect(sample.outbound.every((d) => d.versions.length === 3 && d.routes.length === 4)).toBe(true);

  const bytes = texts.reduce((n, t) => n + t.length, 0);
  console.log(
    `1,000 services: plan ${(planned - started).toFixed(0)} ms, emit envoy ${(emitted - planned).toFixed(0)} ms ` +
      `(${(bytes / 1e6).toFixed(1)} MB), conformance check ${(checked - emitted).toFixed(0)} ms`,
  );
}, 120_000);
