// Retry storm: retries multiply along a call chain. If A's proxy may try B up to 1 + a times and B's
// proxy may try C up to 1 + b times, one request into A can reach C (1 + a)(1 + b) times. A chain is
// flagged when that product exceeds the threshold and the change made it larger (docs/plan.md).
import { type CallEdge, type CallGraph, callersOf, edgeOf } from './call-graph.js';
import type { PlanRisk } from './types.js';

/** Tries of the last hop per request into the first service above which a chain is a storm risk. */
export const DEFAULT_RETRY_STORM_THRESHOLD = 10;

interface Chain {
  readonly amplification: number;
  readonly edges: readonly CallEdge[];
}

/** Pure: the worst chain from each entry point of `head` that exceeds `threshold` and grew since `base`. */
export function findRetryStorms(base: CallGraph, head: CallGraph, threshold: number): PlanRisk[] {
  const risks: PlanRisk[] = [];
  const worstBase = worstChainsFrom(base);
  const worstHead = worstChainsFrom(head);
  for (const root of entryPoints(head)) {
    const chain = worstHead.get(root);
    if (!chain || chain.edges.length === 0 || chain.amplification <= threshold) continue;
    const was = worstBase.get(root)?.amplification ?? 0;
    if (chain.amplification <= was) continue;
    const names = [root, ...chain.edges.map((e) => e.to)].join(' → ');
    const factors = chain.edges.map((e) => e.maxAttempts + 1).join(' × ');
    const cause = chain.edges.find((e) => (edgeOf(base, e.from, e.to)?.maxAttempts ?? -1) < e.maxAttempts);
    const culprit = cause?.routes.find((r) => r.retries.attempts === cause.maxAttempts);
    risks.push({
      kind: 'retry-storm',
      service: cause?.from ?? root,
      text:
        `one request into ${root} may reach ${chain.edges.at(-1)!.to} up to ${chain.amplification} times ` +
        `along ${names} (${factors})${was > 0 ? `, was ${was}` : ''}; threshold ${threshold}`,
      ...(culprit ? { source: culprit.source } : {}),
    });
  }
  return risks;
}

/** Services nobody calls; a service only reachable through a cycle is its own entry point. */
function entryPoints(graph: CallGraph): string[] {
  const callers = callersOf(graph);
  const roots = [...graph.keys()].filter((s) => !callers.has(s));
  const reached = new Set<string>();
  const visit = (s: string): void => {
    if (reached.has(s)) return;
    reached.add(s);
    for (const e of graph.get(s) ?? []) visit(e.to);
  };
  roots.forEach(visit);
  for (const s of graph.keys()) {
    if (reached.has(s)) continue;
    roots.push(s);
    visit(s);
  }
  return roots;
}

/**
 * The chain with the largest amplification from every service. Memoised, so linear on an acyclic
 * graph; a cycle is cut where the walk first re-enters it (the retries of a loop are unbounded anyway).
 */
function worstChainsFrom(graph: CallGraph): Map<string, Chain> {
  const memo = new Map<string, Chain>();
  const onPath = new Set<string>();
  const walk = (s: string): Chain => {
    const known = memo.get(s);
    if (known) return known;
    onPath.add(s);
    let best: Chain = { amplification: 1, edges: [] };
    for (const edge of graph.get(s) ?? []) {
      if (onPath.has(edge.to)) continue;
      const rest = walk(edge.to);
      const amplification = (edge.maxAttempts + 1) * rest.amplification;
      if (amplification > best.amplification) best = { amplification, edges: [edge, ...rest.edges] };
    }
    onPath.delete(s);
    memo.set(s, best);
    return best;
  };
  for (const s of graph.keys()) walk(s);
  return memo;
}
