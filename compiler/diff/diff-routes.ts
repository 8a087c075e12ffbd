// Routes of one called service as a caller's proxy sees them, base vs head, matched by name: added,
// removed, moved (first match wins, so order is behaviour), and for each kept route its match,
// weights, timeout, retries and the remaining policy (fault, headers, mirror).
import type { BundleRoute } from '../../schema/bundle.types.generated.js';
import { fieldChanges } from './field-diff.js';
import { formatMatch, formatMs } from './format-values.js';
import type { PlanChange } from './types.js';

/** Pure: the changes to the routes of destination `service` (scope `outbound:<service>`). */
export function diffRoutes(
  service: string,
  base: readonly BundleRoute[],
  head: readonly BundleRoute[],
): PlanChange[] {
  const scope = `outbound:${service}`;
  const baseByName = new Map(base.map((r) => [r.name, r]));
  const headByName = new Map(head.map((r) => [r.name, r]));
  const changes: PlanChange[] = [];
  head.forEach((route, i) => {
    if (baseByName.has(route.name)) return;
    changes.push({
      kind: 'route-added',
      scope,
      direction: 'added',
      subject: route.name,
      to: { position: i + 1, match: formatMatch(route.match), backends: weightsOf(route) },
      text: `route ${route.name} added at position ${i + 1}: ${formatMatch(route.match)} → ${formatWeights(weightsOf(route))}`,
      source: route.source,
    });
  });
  for (const route of base) {
    if (headByName.has(route.name)) continue;
    changes.push({
      kind: 'route-removed',
      scope,
      direction: 'removed',
      subject: route.name,
      from: { match: formatMatch(route.match), backends: weightsOf(route) },
      text: `route ${route.name} removed (was ${formatMatch(route.match)} → ${formatWeights(weightsOf(route))})`,
      source: route.source,
    });
  }
  changes.push(...diffOrder(scope, base, head));
  for (const route of head) {
    const old = baseByName.get(route.name);
    if (old) changes.push(...diffRoute(scope, old, route));
  }
  return changes;
}

/** Routes kept on both sides whose order relative to each other changed. */
function diffOrder(scope: string, base: readonly BundleRoute[], head: readonly BundleRoute[]): PlanChange[] {
  const headNames = new Set(head.map((r) => r.name));
  const baseNames = new Set(base.map((r) => r.name));
  const keptBase = base.filter((r) => headNames.has(r.name)).map((r) => r.name);
  const keptHead = head.filter((r) => baseNames.has(r.name)).map((r) => r.name);
  const changes: PlanChange[] = [];
  keptHead.forEach((name, i) => {
    const was = keptBase.indexOf(name);
    if (was === i) return;
    const from = base.findIndex((r) => r.name === name) + 1;
    const to = head.findIndex((r) => r.name === name) + 1;
    changes.push({
      kind: 'route-moved',
      scope,
      direction: 'changed',
      subject: name,
      from,
      to,
      text: `route ${name} moved from position ${from} to ${to} (first match wins)`,
      source: head[to - 1]!.source,
    });
  });
  return changes;
}

function diffRoute(scope: string, base: BundleRoute, head: BundleRoute): PlanChange[] {
  const at = { scope, subject: head.name, source: head.source };
  const changes: PlanChange[] = [];
  const [matchFrom, matchTo] = [formatMatch(base.match), formatMatch(head.match)];
  if (JSON.stringify(base.match) !== JSON.stringify(head.match)) {
    changes.push({
      ...at,
      kind: 'route-match',
      direction: 'changed',
      from: matchFrom,
      to: matchTo,
      text: `route ${head.name}: match ${matchFrom} → ${matchTo}`,
    });
  }
  const weights = diffWeights(weightsOf(base), weightsOf(head));
  if (weights) {
    changes.push({
      ...at,
      kind: 'route-backends',
      direction: 'changed',
      from: weightsOf(base),
      to: weightsOf(head),
      text: `route ${head.name}: ${weights}`,
    });
  }
  if (base.timeoutMs !== head.timeoutMs) {
    const direction = head.timeoutMs > base.timeoutMs ? 'raised' : 'lowered';
    changes.push({
      ...at,
      kind: 'route-timeout',
      direction,
      from: base.timeoutMs,
      to: head.timeoutMs,
      text: `route ${head.name}: timeout ${formatMs(base.timeoutMs)} → ${formatMs(head.timeoutMs)} (${direction})`,
    });
  }
  if (base.retries.attempts !== head.retries.attempts) {
    const direction = head.retries.attempts > base.retries.attempts ? 'raised' : 'lowered';
    changes.push({
      ...at,
      kind: 'route-retries',
      direction,
      from: base.retries.attempts,
      to: head.retries.attempts,
      text: `route ${head.name}: retries ${base.retries.attempts} → ${head.retries.attempts} (${direction})`,
    });
  }
  const prefix = `route ${head.name}: `;
  changes.push(
    ...fieldChanges(retriesInUse(base, head), retriesInUse(head, base), {
      kind: 'route-retries',
      ...at,
      prefix,
      label: 'retries',
    }),
  );
  const policy = (r: BundleRoute) => ({ fault: r.fault, headers: r.headers, mirror: r.mirror });
  changes.push(...fieldChanges(policy(base), policy(head), { kind: 'route-policy', ...at, prefix }));
  return changes;
}

/** Version -> weight in percent, in backend order. */
function weightsOf(route: BundleRoute): Record<string, number> {
  return Object.fromEntries(route.backends.map((b) => [b.version, b.weight]));
}

function formatWeights(weights: Record<string, number>): string {
  return Object.entries(weights)
    .map(([v, w]) => `${v} ${w}%`)
    .join(', ');
}

/** `v1 90% → 75%, v2 10% → 25%` over the versions whose weight changed; undefined when none did. */
function diffWeights(base: Record<string, number>, head: Record<string, number>): string | undefined {
  const versions = [...new Set([...Object.keys(base), ...Object.keys(head)])].sort();
  const parts = versions
    .filter((v) => (base[v] ?? 0) !== (head[v] ?? 0))
    .map((v) => `${v} ${base[v] ?? 0}% → ${head[v] ?? 0}%`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/**
 * The retry settings of `route` that act on a request, but the attempt count (compared above). With
 * no retry on either side only the per-try timeout (it bounds the one attempt) and maxBodyBytes (the
 * largest body mirrored) still do: when to retry, how to back off and the budget would be listed as
 * changes that change nothing.
 */
function retriesInUse(route: BundleRoute, other: BundleRoute): Partial<BundleRoute['retries']> {
  const { attempts: _a, ...rest } = route.retries;
  if (route.retries.attempts > 0 || other.retries.attempts > 0) return rest;
  return { perTryTimeoutMs: rest.perTryTimeoutMs, maxBodyBytes: rest.maxBodyBytes };
}
