// The circuit breaker of a destination version (Envoy's sense, one per cluster: concurrency limits,
// not a failure counter): at most `maxRequests` attempts in flight to the version and at most
// `maxPendingRequests` of them waiting for a pooled connection; beyond either, fail fast with 503
// `circuit-open` instead of queueing. The layer sits inside retry, so retries take slots like any
// request; the pending count is kept by the forwarder (upstream/forward.ts), which knows when an
// attempt got its connection.
import { Readable } from 'node:stream';
import { CircuitOpenError } from '../errors.js';
import type { Layer } from '../stack/types.js';

/** Counters shared by every route (and mirror) reaching one destination version. */
export class CircuitBreaker {
  active = 0;
  /** Attempts dispatched that have no connection yet. */
  pending = 0;
  constructor(
    readonly destination: string,
    readonly maxRequests: number,
    readonly maxPendingRequests = Number.POSITIVE_INFINITY,
  ) {}
}

export interface CircuitBreakerConfig {
  /** The breaker of each version of the destination, by name: the request's version picks one. */
  readonly breakers: ReadonlyMap<string, CircuitBreaker>;
}

export const circuitBreakerLayer: Layer<CircuitBreakerConfig> = (cfg) => (next) => async (ctx) => {
  const breaker = cfg.breakers.get(ctx.version ?? '');
  // No such version: the terminal says so (internal-error).
  if (breaker === undefined) return next(ctx);
  if (breaker.active >= breaker.maxRequests) {
    throw new CircuitOpenError(`${breaker.destination}: ${breaker.maxRequests} requests already in flight`);
  }
  breaker.active++;
  let res: Awaited<ReturnType<typeof next>>;
  try {
    res = await next(ctx);
  } catch (err) {
    breaker.active--;
    throw err;
  }
  // The slot is held until the response body is done, not just its head.
  if (res.body instanceof Readable) res.body.once('close', () => breaker.active--);
  else breaker.active--;
  return res;
};
