// Short, plain-word descriptions of planned routes and authorization rules for the report's tables
// and edge labels. Pure text; escaping is the renderer's job (every string here may hold spec text).
import type { BundleMatch, BundleRoute, ValueMatch } from '../../schema/bundle.types.generated.js';
import { formatDuration } from '../duration.js';
import type { AuthzRuleModel } from '../model.js';

/** One backend of a route as the proxy draws it: version and its share in percent. */
export interface WeightView {
  readonly version: string;
  readonly weight: number;
}

/** `path prefix /reviews · GET · header end-user = jason`; `any request` for an empty match. */
export function describeMatch(match: BundleMatch): string {
  const parts: string[] = [];
  if (match.path) parts.push(`path ${match.path.kind} ${match.path.value}`);
  if (match.method) parts.push(match.method);
  for (const h of match.headers) parts.push(`header ${describeValue(h)}`);
  for (const q of match.query) parts.push(`query ${describeValue(q)}`);
  return parts.length === 0 ? 'any request' : parts.join(' · ');
}

function describeValue(m: ValueMatch): string {
  switch (m.kind) {
    case 'exact':
      return `${m.name} = ${m.value}`;
    case 'prefix':
      return `${m.name} starts with ${m.value}`;
    case 'regex':
      return `${m.name} ~ ${m.value}`;
    case 'present':
      return `${m.name} present`;
    case 'absent':
      return `${m.name} absent`;
  }
}

/**
 * `v1 90% · v2 10%`. A service with plain `endpoints:` has one version named `default`, and
 * "default 100%" says nothing, so that case is just `100%`.
 */
export function describeWeights(backends: readonly WeightView[]): string {
  const only = backends.length === 1 ? backends[0] : undefined;
  if (only && only.version === 'default') return `${only.weight}%`;
  return backends.map((b) => `${b.version} ${b.weight}%`).join(' · ');
}

/** Timeout and retries as the route applies them: `2s, 3 retries × 500ms`. */
export function describeResilience(route: BundleRoute): string {
  const r = route.retries;
  const retries =
    r.attempts === 0
      ? 'no retries'
      : `${r.attempts} ${r.attempts === 1 ? 'retry' : 'retries'} × ${formatDuration(r.perTryTimeoutMs)}`;
  return `${formatDuration(route.timeoutMs)}, ${retries}`;
}

/** What else the route does besides picking a backend: faults, mirroring, header changes. */
export function describeExtras(route: BundleRoute): string[] {
  const out: string[] = [];
  const { fault, mirror, headers } = route;
  if (fault?.delay) out.push(`delay ${fault.delay.percent}% by ${formatDuration(fault.delay.durationMs)}`);
  if (fault?.abort) out.push(`abort ${fault.abort.percent}% with ${fault.abort.status}`);
  if (mirror) out.push(`mirror ${mirror.percent}% to ${mirror.version}`);
  const request = mutatedNames(headers.request);
  const response = mutatedNames(headers.response);
  if (request.length > 0) out.push(`request headers: ${request.join(', ')}`);
  if (response.length > 0) out.push(`response headers: ${response.join(', ')}`);
  return out;
}

function mutatedNames(m: BundleRoute['headers']['request']): string[] {
  return [
    ...m.set.map((p) => `set ${p.name}`),
    ...m.add.map((p) => `add ${p.name}`),
    ...m.remove.map((name) => `remove ${name}`),
  ];
}

/** The parts of an allow rule as table cells: callers, methods, paths (`any` where unrestricted). */
export function describeRule(rule: AuthzRuleModel): { from: string; methods: string; paths: string } {
  return {
    from: rule.from.map((f) => (f === '*' ? 'any mesh identity' : f)).join(', '),
    methods: rule.methods ? rule.methods.join(', ') : 'any',
    paths: rule.paths
      ? rule.paths.map((p) => (p.kind === 'prefix' ? `${p.value}*` : p.value)).join(', ')
      : 'any',
  };
}
