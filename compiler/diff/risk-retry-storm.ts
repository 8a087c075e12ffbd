// Retry storm: retries multiply along a call chain. If A's proxy may try B up to 1 + a times and B's
// proxy may try C up to 1 + b times, one request into A can reach C (1 + a)(1 + b) times. A chain is
// flagged when that product exceeds the threshold and the change made it larger (docs/plan.md).
import { type CallEdge, type CallGraph, edgeOf } from './call-graph.js';
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
  const worstBase = worstChainsFrom(base, componentsOf(base));
  const headComponents = componentsOf(head);
  const worstHead = worstChainsFrom(head, headComponents);
  for (const root of entryPoints(head, headComponents, worstHead)) {
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

/**
 * Services nobody calls. A group of services that call each other round a cycle and that nothing
 * outside calls counts once, by its member with the worst chain, so the result does not depend on names.
 */
function entryPoints(
  graph: CallGraph,
  component: ReadonlyMap<string, number>,
  worst: ReadonlyMap<string, Chain>,
): string[] {
  const calledFromOutside = new Set<number>();
  for (const edges of graph.values()) {
    for (const e of edges) {
      const to = component.get(e.to);
      if (to !== undefined && to !== component.get(e.from)) calledFromOutside.add(to);
    }
  }
  const amplification = (name: string) => worst.get(name)?.amplification ?? 1;
  const chosen = new Map<number, string>();
  for (const s of graph.keys()) {
    const c = component.get(s)!;
    if (calledFromOutside.has(c)) continue;
    const held = chosen.get(c);
    if (held === undefined || amplification(s) > amplification(held)) chosen.set(c, s);
  }
  return [...chosen.values()];
}

/**
 * Steps a walk inside one cycle group may take, shared by the group's members: its simple paths can be
 * exponentially many. Small groups are searched whole; past the limit a chain is the worst found.
 */
const CYCLE_STEPS = 1_000_000;
const CYCLE_STEPS_PER_MEMBER_MIN = 1_000;

/**
 * The chain with the largest amplification from every service, along simple paths (a cycle is cut
 * where a chain would re-enter a service it passed). Once a chain leaves a group of services that
 * call each other round a cycle it can never come back, so each service's worst chain is computed
 * once, with a fresh walk inside its own group: the answer does not depend on the order of the walk.
 */
function worstChainsFrom(graph: CallGraph, component: ReadonlyMap<string, number>): Map<string, Chain> {
  const sizes = new Map<number, number>();
  for (const c of component.values()) sizes.set(c, (sizes.get(c) ?? 0) + 1);
  const memo = new Map<string, Chain>();
  const worstFrom = (start: string): Chain => {
    const known = memo.get(start);
    if (known) return known;
    const home = component.get(start);
    const onPath = new Set<string>();
    const limit = Math.max(CYCLE_STEPS_PER_MEMBER_MIN, CYCLE_STEPS / (sizes.get(home!) ?? 1));
    let steps = 0;
    const walk = (s: string): Chain => {
      onPath.add(s);
      let best: Chain = { amplification: 1, edges: [] };
      for (const edge of graph.get(s) ?? []) {
        if (onPath.has(edge.to)) continue;
        const inside = component.get(edge.to) === home;
        if (inside && ++steps > limit) break;
        const rest = inside ? walk(edge.to) : worstFrom(edge.to);
        const amplification = (edge.maxAttempts + 1) * rest.amplification;
        if (amplification > best.amplification) best = { amplification, edges: [edge, ...rest.edges] };
      }
      onPath.delete(s);
      return best;
    };
    const chain = walk(start);
    memo.set(start, chain);
    return chain;
  };
  for (const s of graph.keys()) worstFrom(s);
  return memo;
}

/** Service -> its strongly connected component (Tarjan); callees without a bundle have none. */
function componentsOf(graph: CallGraph): Map<string, number> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const component = new Map<string, number>();
  let count = 0;
  const connect = (s: string): void => {
    index.set(s, index.size);
    low.set(s, index.get(s)!);
    stack.push(s);
    onStack.add(s);
    for (const { to } of graph.get(s) ?? []) {
      if (!graph.has(to)) continue;
      if (!index.has(to)) {
        connect(to);
        low.set(s, Math.min(low.get(s)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(s, Math.min(low.get(s)!, index.get(to)!));
    }
    if (low.get(s) !== index.get(s)) return;
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.set(member, count);
    } while (member !== s);
    count++;
  };
  for (const s of graph.keys()) if (!index.has(s)) connect(s);
  return component;
}
