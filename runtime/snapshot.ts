// One activated bundle: everything the servers read for a request, built together off to the side
// and then published through a single reference (ActiveConfig.current). A request reads the
// reference once at its start and keeps that snapshot to its end, so a swap never changes the rules
// under a request in flight, and no lock is needed: JS assigns a reference atomically.
import type { Bundle } from '../schema/bundle.types.generated.js';
import { type Tracing, tracingOf } from './server/trace.js';
import { buildInbound, type InboundDeps, type InboundRoutes } from './stack/build-inbound.js';
import { buildOutboundRoutes, type OutboundDeps, type OutboundRoutes } from './stack/build-outbound.js';

export interface ProxySnapshot {
  readonly bundle: Bundle;
  readonly outbound: OutboundRoutes;
  readonly inbound: InboundRoutes;
  readonly tracing: Tracing;
}

/** The single mutable cell of the request path. */
export interface ActiveConfig {
  current: ProxySnapshot;
}

export type SnapshotDeps = OutboundDeps & InboundDeps;

/**
 * Builds every table and stack of a bundle; throws without side effects on the live config.
 * `previous` (the live one) lends the destination state that carries over (stack/build-outbound.ts).
 */
export function buildSnapshot(bundle: Bundle, deps: SnapshotDeps, previous?: ProxySnapshot): ProxySnapshot {
  return Object.freeze({
    bundle,
    outbound: buildOutboundRoutes(bundle, deps, previous?.outbound),
    inbound: buildInbound(bundle, deps),
    tracing: tracingOf(bundle),
  });
}
