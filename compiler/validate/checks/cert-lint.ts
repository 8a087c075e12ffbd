// The certificate lint as a validate check: reads trust.roots and trust.workloadTtl from the Mesh
// document and the root files from the assets the pipeline read, and reports MC4xxx diagnostics.
import { parseDuration } from '../../duration.js';
import type { Check } from '../check-context.js';
import { DEFAULT_WORKLOAD_TTL_MS } from '../../pki/lifetimes.js';
import { lintTrustRoots } from './cert-trust-roots.js';
import { lintWorkloadTtl } from './cert-workload-ttl.js';
import { describePemProblem, normalizeAssetPath } from './trust-roots.js';

export const checkCertificates: Check = (ctx) => {
  if (!ctx.mesh) return;
  const { doc, source } = ctx.mesh;
  const ttlText = doc.spec.trust.workloadTtl;
  const parsedTtl = ttlText === undefined ? undefined : parseDuration(ttlText);
  const workloadTtlMs = parsedTtl !== undefined && parsedTtl > 0 ? parsedTtl : DEFAULT_WORKLOAD_TTL_MS;
  if (ttlText !== undefined) {
    for (const d of lintWorkloadTtl(workloadTtlMs, ttlText, source.locate('/spec/trust/workloadTtl')))
      ctx.add(d);
  }
  const decoder = new TextDecoder();
  const roots = doc.spec.trust.roots.map((path, i) => {
    const bytes = ctx.assets.get(normalizeAssetPath(path)) ?? ctx.assets.get(path);
    // Files trust-roots.ts refuses (MC3022, MC3023) are not linted a second time.
    const usable = bytes !== undefined && describePemProblem(bytes) === undefined;
    return {
      path,
      pem: usable ? decoder.decode(bytes) : undefined,
      // A getter: locating reparses the mesh file, which only a diagnostic should pay for.
      get location() {
        return source.locate(`/spec/trust/roots/${i}`);
      },
    };
  });
  for (const d of lintTrustRoots({ roots, now: ctx.now, workloadTtlMs })) ctx.add(d);
};
