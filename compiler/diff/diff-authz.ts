// Inbound authorization, base vs head, by what it admits rather than how the rules are written.
// Each allow rule is split into atoms (one caller x one method x one path pattern; null = any); a
// head atom that no base rule covers is a widening, a base atom no head rule covers a narrowing. The
// method and caller sets are open, so "any method" is covered only by a rule with no method list.
import type {
  BundleAuthzRule,
  InboundAuthorization,
  PathPattern,
} from '../../schema/bundle.types.generated.js';
import { callerName, formatAuthzPath } from './format-values.js';
import type { PlanChange } from './types.js';

interface Atom {
  readonly from: string;
  readonly method: string | null;
  readonly path: PathPattern | null;
  readonly source: string;
}

/** Pure: default and rule changes of one service's inbound authorization (scope `inbound`). */
export function diffAuthorization(
  base: InboundAuthorization,
  head: InboundAuthorization,
  trustDomain: string,
): PlanChange[] {
  if (base.default !== head.default) {
    const widened = head.default === 'allow';
    return [
      {
        kind: 'authz-default',
        scope: 'inbound',
        direction: widened ? 'widened' : 'narrowed',
        from: base.default,
        to: head.default,
        text: widened
          ? 'authorization default deny → allow: every request is now admitted'
          : 'authorization default allow → deny: only the allow rules admit',
        source: head.source,
      },
    ];
  }
  // Under default allow every request is admitted whatever the rules say.
  if (head.default === 'allow') return [];
  return [
    ...uncovered(head.rules, base.rules, trustDomain, 'widened'),
    ...uncovered(base.rules, head.rules, trustDomain, 'narrowed'),
  ];
}

/** True when some request from `caller` (a SPIFFE id) can be admitted. */
export function admitsCallerId(authz: InboundAuthorization, caller: string, trustDomain: string): boolean {
  if (authz.default === 'allow') return true;
  const inDomain = caller.startsWith(`spiffe://${trustDomain}/`);
  return authz.rules.some((r) => r.from.includes(caller) || (inDomain && r.from.includes('*')));
}

/** Atoms of `rules` that `others` do not admit, one change per rule and caller. */
function uncovered(
  rules: readonly BundleAuthzRule[],
  others: readonly BundleAuthzRule[],
  trustDomain: string,
  direction: 'widened' | 'narrowed',
): PlanChange[] {
  const changes: PlanChange[] = [];
  for (const rule of rules) {
    const left = atomsOf(rule).filter((atom) => !others.some((other) => covers(other, atom)));
    for (const from of new Set(left.map((a) => a.from))) {
      const requests = left.filter((a) => a.from === from).map(formatRequest);
      const who = callerName(from, trustDomain);
      const newCaller = !others.some((o) => o.from.includes(from) || o.from.includes('*'));
      const verb = direction === 'widened' ? 'now admits' : 'no longer admits';
      const label = newCaller && direction === 'widened' ? 'new caller ' : '';
      changes.push({
        kind: direction === 'widened' ? 'authz-widened' : 'authz-narrowed',
        scope: 'inbound',
        direction,
        subject: who,
        ...(direction === 'widened' ? { to: requests } : { from: requests }),
        text: `authorization ${verb} ${label}${who}: ${requests.join(', ')}`,
        source: rule.source,
      });
    }
  }
  return changes;
}

function atomsOf(rule: BundleAuthzRule): Atom[] {
  const methods = rule.methods ?? [null];
  const paths = rule.paths ?? [null];
  return rule.from.flatMap((from) =>
    methods.flatMap((method) => paths.map((path) => ({ from, method, path, source: rule.source }))),
  );
}

function covers(rule: BundleAuthzRule, atom: Atom): boolean {
  // "*" admits every identity of the trust domain; a named caller never covers "*".
  if (!rule.from.includes('*') && !rule.from.includes(atom.from)) return false;
  if (rule.methods !== null && (atom.method === null || !rule.methods.includes(atom.method))) return false;
  if (rule.paths === null) return true;
  return rule.paths.some((p) => pathCovers(p, atom.path));
}

/** A prefix covers the paths and prefixes that start with it; `/` covers any path. */
function pathCovers(pattern: PathPattern, path: PathPattern | null): boolean {
  if (path === null) return pattern.kind === 'prefix' && pattern.value === '/';
  if (pattern.kind === 'exact') return path.kind === 'exact' && path.value === pattern.value;
  return path.value.startsWith(pattern.value);
}

function formatRequest(atom: Atom): string {
  return `${atom.method ?? 'any method'} ${formatAuthzPath(atom.path)}`;
}
