// What a load balancer chooses among: endpoints of one destination version with the little mutable
// state balancing needs (requests in flight, ejection). The state lives on the endpoint objects so
// every balancer, the forwarder and outlier detection (upstream/outlier-detector.ts) share it.
import { hostPort } from '../host-port.js';

export interface Endpoint {
  /** `host:port` (IPv6 in brackets): stable identity, also hashed onto the ring. */
  readonly key: string;
  /** IP address to connect to (DNS names are resolved before an Endpoint exists). */
  readonly host: string;
  readonly port: number;
  /** Requests currently in flight on this endpoint (least-request reads it). */
  inFlight: number;
  /**
   * What balancers honour: skip this endpoint. Set by outlier detection while the endpoint is ejected,
   * except in panic (fewer than half of its set healthy), when every endpoint is used again.
   */
  ejected: boolean;
  /** Outlier detection's books: failures in a row (5xx answers, connect failures, resets, timeouts). */
  consecutiveFailures: number;
  /** Times ejected, less one per healthy sweep: the next ejection lasts base time × (this + 1). */
  ejections: number;
  /** Clock time until which the endpoint is ejected; 0 when it is not. */
  ejectedUntil: number;
}

export interface Balancer {
  /**
   * One endpoint for one attempt, or undefined when none is healthy. `hashKey` is the request's
   * value of the hash header (ring-hash only; undefined when absent). `selection` counts the picks
   * made again for this attempt because the last one was an endpoint the request already tried
   * (0 for the first): ring-hash walks on that many ring entries, as Envoy's ring does; the others
   * draw or step afresh anyway and ignore it.
   */
  pick(endpoints: readonly Endpoint[], hashKey: string | undefined, selection?: number): Endpoint | undefined;
}

/** A fresh endpoint record. */
export function createEndpoint(host: string, port: number): Endpoint {
  const key = hostPort(host, port);
  return {
    key,
    host,
    port,
    inFlight: 0,
    ejected: false,
    consecutiveFailures: 0,
    ejections: 0,
    ejectedUntil: 0,
  };
}

/** The endpoints not ejected; the same array (no allocation) in the usual case where none is. */
export function healthyOf(endpoints: readonly Endpoint[]): readonly Endpoint[] {
  for (const e of endpoints) {
    if (e.ejected) return endpoints.filter((x) => !x.ejected);
  }
  return endpoints;
}
