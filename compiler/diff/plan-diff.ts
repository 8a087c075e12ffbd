// The plan stage: two compiled sides in, per-service differences and risk flags out. Pure; the CLI
// compiles the sides (compile-side.ts) and renders what this returns.
import { callGraphOf } from './call-graph.js';
import type { SideBundle, SideBundles } from './compile-side.js';
import { diffBundle } from './diff-bundle.js';
import { findUnadmittedCalls } from './risk-dependencies.js';
import { findRetryStorms } from './risk-retry-storm.js';
import { findTimeoutRisks } from './risk-timeouts.js';
import type { BundleRef, PlanChange, PlanDiff, PlanRisk, ServicePlan } from './types.js';

export interface DiffOptions {
  /** See risk-retry-storm.ts. */
  readonly retryStormThreshold: number;
}

export function diffPlans(base: SideBundles, head: SideBundles, options: DiffOptions): PlanDiff {
  const names = [...new Set([...base.keys(), ...head.keys()])].sort();
  const plans = new Map<string, { changes: PlanChange[]; from?: SideBundle; to?: SideBundle }>();
  let unchanged = 0;
  for (const name of names) {
    const from = base.get(name);
    const to = head.get(name);
    if (from && to && from.version === to.version) {
      unchanged += 1;
      continue;
    }
    const changes = from && to ? diffBundle(from.bundle, to.bundle) : [];
    // Different bytes but nothing above differs: file:line provenance moved, or something the proxy
    // does not act on (an order, the mesh's name, what a tcp hop ignores). Said which, not guessed.
    if (from && to && changes.length === 0) {
      // The commit differs too when the head is another commit: it is provenance as much as file:line.
      const onlyProvenance = sameBut(
        { ...from.bundle, commit: null },
        { ...to.bundle, commit: null },
        'source',
      );
      changes.push({
        kind: 'provenance',
        scope: 'bundle',
        direction: 'changed',
        text: onlyProvenance
          ? 'only provenance (spec file:line) changed; the proxy behaves the same'
          : 'the bundle changed, but nothing the proxy does with requests (an order, a name, or settings it does not use)',
      });
    }
    plans.set(name, { changes, ...(from ? { from } : {}), ...(to ? { to } : {}) });
  }

  const risks = [
    ...changeRisks(plans, head),
    ...addedTrustRoots(base, head),
    ...changedTrustDomain(base, head),
    ...findUnadmittedCalls(base, head),
  ];
  const [baseGraph, headGraph] = [callGraphOf(base), callGraphOf(head)];
  risks.push(...findRetryStorms(baseGraph, headGraph, options.retryStormThreshold));
  risks.push(...findTimeoutRisks(baseGraph, headGraph));

  // A risk may sit on a service whose own bundle did not change (a caller's timeout was lowered):
  // it is then listed with an empty change list, so every flag appears under some service.
  for (const risk of risks) {
    if (plans.has(risk.service)) continue;
    const same = head.get(risk.service);
    if (same) plans.set(risk.service, { changes: [], from: same, to: same });
    if (same && base.get(risk.service)?.version === same.version) unchanged -= 1;
  }
  const services: ServicePlan[] = [...plans.keys()].sort().map((name) => {
    const { changes, from, to } = plans.get(name)!;
    return {
      service: name,
      status: !from ? 'added' : !to ? 'removed' : from.version === to.version ? 'unchanged' : 'changed',
      bundle: { from: ref(from), to: ref(to), sizeDelta: (to?.size ?? 0) - (from?.size ?? 0) },
      changes,
      risks: risks.filter((r) => r.service === name),
    };
  });
  return { services, unchanged, risks: services.flatMap((s) => s.risks) };
}

/** Risks read straight off the changes: authorization widened, mTLS made permissive. */
function changeRisks(
  plans: ReadonlyMap<string, { changes: PlanChange[]; from?: SideBundle; to?: SideBundle }>,
  head: SideBundles,
): PlanRisk[] {
  const risks: PlanRisk[] = [];
  for (const [service, { changes, from, to }] of plans) {
    for (const c of changes) {
      if (c.direction === 'widened') {
        risks.push({
          kind: 'authz-widened',
          service,
          text: c.text,
          ...(c.source ? { source: c.source } : {}),
        });
      }
      if (c.kind === 'mtls' && c.direction === 'relaxed') {
        risks.push({ kind: 'mtls-permissive', service, text: c.text });
      }
    }
    if (!from && to && head.get(service)?.bundle.inbound.mtls === 'permissive') {
      risks.push({
        kind: 'mtls-permissive',
        service,
        text: 'new service with mTLS permissive: plaintext callers accepted',
      });
    }
  }
  return risks;
}

/**
 * A trust root the head has and the base had not: every proxy then accepts a certificate it issues as
 * the identity the certificate names, so one flag per root, on the first service, citing its line.
 */
function addedTrustRoots(base: SideBundles, head: SideBundles): PlanRisk[] {
  const first = [...head.keys()][0];
  if (first === undefined) return [];
  return [...head.trustRootSources]
    .filter(([pem]) => !base.trustRootSources.has(pem))
    .map(([, source]) => ({
      kind: 'trust-root-added',
      service: first,
      text: `trust root added: all ${head.size} proxies now accept a certificate it issues, for whatever service identity it names`,
      source,
    }));
}

/**
 * The mesh's trust domain renamed: every SPIFFE id changes with it, and every proxy on the new bundles
 * refuses a certificate of the old domain, so workloads need new certificates before the bundles go
 * live. One flag, on the first service, as for a trust root.
 */
function changedTrustDomain(base: SideBundles, head: SideBundles): PlanRisk[] {
  const [first, any] = [...head.entries()][0] ?? [];
  const before = [...base.values()][0]?.bundle.identity.trustDomain;
  const after = any?.bundle.identity.trustDomain;
  if (first === undefined || before === undefined || after === undefined || before === after) return [];
  return [
    {
      kind: 'trust-domain-changed',
      service: first,
      text: `trust domain ${before} → ${after}: every SPIFFE id changes, and proxies on these bundles refuse certificates of ${before}: issue certificates of ${after} to every workload first`,
    },
  ];
}

function ref(side: SideBundle | undefined): BundleRef | null {
  return side ? { version: side.version, size: side.size } : null;
}

/** Whether `a` and `b` are equal JSON once every property named `ignored` is left out. */
function sameBut(a: unknown, b: unknown, ignored: string): boolean {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k !== ignored)
        .map(([k, x]) => [k, strip(x)]),
    );
  };
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}
