// A workload certificate that lives over a week makes a leaked key useful for that long, and mesh
// certificates are renewed automatically, so there is no reason for it (MC4004). Shared by
// `meshc validate` (trust.workloadTtl) and `meshc certs issue --ttl`.
import type { Diagnostic, SourceLocation } from '../../diagnostics.js';
import { MAX_RECOMMENDED_TTL_MS } from '../../pki/lifetimes.js';
import { makeDiagnostic } from '../report.js';

/** MC4004 when `ttlMs` exceeds 7 days; `shown` is the lifetime as the user wrote it. */
export function lintWorkloadTtl(ttlMs: number, shown: string, at: SourceLocation): Diagnostic[] {
  if (ttlMs <= MAX_RECOMMENDED_TTL_MS) return [];
  return [
    makeDiagnostic('MC4004', at, `workload certificates would live ${shown}, over 7 days`, {
      hint: 'keep them short (24h is the default) and renew with `meshc certs renew`: a leaked key is then soon useless',
    }),
  ];
}
