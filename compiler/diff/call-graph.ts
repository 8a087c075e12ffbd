// The request-level call graph of one compiled side, read from the bundles: an edge per called
// HTTP-family service with the most retries and the longest timeout the caller's routes allow.
// tcp destinations are left out: a TCP connection is proxied once, never retried per request.
import type { BundleRoute } from '../../schema/bundle.types.generated.js';
import type { SideBundles } from './compile-side.js';

export interface CallEdge {
  readonly from: string;
  readonly to: string;
  /** The most retries (after the first try) any route to `to` allows. */
  readonly maxAttempts: number;
  /** The longest whole-request timeout of any route to `to`. */
  readonly maxTimeoutMs: number;
  readonly routes: readonly BundleRoute[];
}

/** Caller -> its edges, in the bundles' order. */
export type CallGraph = ReadonlyMap<string, readonly CallEdge[]>;

export function callGraphOf(side: SideBundles): CallGraph {
  const graph = new Map<string, CallEdge[]>();
  for (const [name, { bundle }] of side) {
    graph.set(
      name,
      bundle.outbound
        .filter((d) => d.protocol !== 'tcp')
        .map((d) => ({
          from: name,
          to: d.service,
          maxAttempts: Math.max(...d.routes.map((r) => r.retries.attempts)),
          maxTimeoutMs: Math.max(...d.routes.map((r) => r.timeoutMs)),
          routes: d.routes,
        })),
    );
  }
  return graph;
}

export function edgeOf(graph: CallGraph, from: string, to: string): CallEdge | undefined {
  return graph.get(from)?.find((e) => e.to === to);
}

/** Callee -> the services that call it. */
export function callersOf(graph: CallGraph): Map<string, string[]> {
  const callers = new Map<string, string[]>();
  for (const edges of graph.values()) {
    for (const e of edges) callers.set(e.to, [...(callers.get(e.to) ?? []), e.from]);
  }
  return callers;
}
