// A timeout above its caller's: when A gives its calls to B at most T, a route of B's calls to C that
// waits longer than T keeps working for an answer nobody is waiting for (and holds B's connections).
// Flagged when the head has such a route that the base did not, or exceeds T by more than before.
import { type CallGraph, callersOf } from './call-graph.js';
import { formatMs } from './format-values.js';
import type { PlanRisk } from './types.js';

interface Excess {
  readonly risk: PlanRisk;
  readonly excessMs: number;
}

/** Pure: hops whose longest route timeout outlasts the longest timeout their caller's caller allows. */
export function findTimeoutRisks(base: CallGraph, head: CallGraph): PlanRisk[] {
  const before = excesses(base);
  return [...excesses(head)]
    .filter(([key, now]) => now.excessMs > (before.get(key)?.excessMs ?? 0))
    .map(([, now]) => now.risk);
}

function excesses(graph: CallGraph): Map<string, Excess> {
  const out = new Map<string, Excess>();
  const callers = callersOf(graph);
  for (const [middle, edges] of graph) {
    for (const upstream of callers.get(middle) ?? []) {
      const budget = graph.get(upstream)?.find((e) => e.to === middle)?.maxTimeoutMs;
      if (budget === undefined) continue;
      for (const edge of edges) {
        // One flag per hop, citing its longest route: every route above the budget has the same cause.
        const route = edge.routes.find((r) => r.timeoutMs === edge.maxTimeoutMs)!;
        if (route.timeoutMs <= budget) continue;
        out.set(`${upstream}>${middle}>${edge.to}`, {
          excessMs: route.timeoutMs - budget,
          risk: {
            kind: 'timeout-exceeds-caller',
            service: middle,
            text:
              `${middle} waits up to ${formatMs(route.timeoutMs)} for ${edge.to} (route ${route.name}), ` +
              `but ${upstream} waits at most ${formatMs(budget)} for ${middle}`,
            source: route.source,
          },
        });
      }
    }
  }
  return out;
}
