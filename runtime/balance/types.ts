// What a load balancer chooses among: endpoints of one destination version with the little mutable
// state balancing needs (requests in flight, ejection). The state lives on the endpoint objects so
// every balancer, the forwarder and (later) outlier detection share it.

export interface Endpoint {
  /** `host:port` (IPv6 in brackets): stable identity, also hashed onto the ring. */
  readonly key: string;
  /** IP address to connect to (DNS names are resolved before an Endpoint exists). */
  readonly host: string;
  readonly port: number;
  /** Requests currently in flight on this endpoint (least-request reads it). */
  inFlight: number;
  /** Set by outlier detection: balancers skip ejected endpoints. */
  ejected: boolean;
}

export interface Balancer {
  /**
   * One endpoint for one attempt, or undefined when none is healthy. `hashKey` is the request's
   * value of the hash header (ring-hash only; undefined when absent).
   */
  pick(endpoints: readonly Endpoint[], hashKey: string | undefined): Endpoint | undefined;
}

/** A fresh endpoint record. */
export function createEndpoint(host: string, port: number): Endpoint {
  const key = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return { key, host, port, inFlight: 0, ejected: false };
}

/** The endpoints not ejected; the same array (no allocation) in the usual case where none is. */
export function healthyOf(endpoints: readonly Endpoint[]): readonly Endpoint[] {
  for (const e of endpoints) {
    if (e.ejected) return endpoints.filter((x) => !x.ejected);
  }
  return endpoints;
}
