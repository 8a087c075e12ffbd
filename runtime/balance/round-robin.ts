// Round-robin: each healthy endpoint in turn. The cursor survives endpoint-set changes (it is
// taken modulo the current length), so a DNS refresh does not restart the rotation. It starts at a
// random endpoint, as grpc-java's does: every proxy of a mesh-wide rollout makes fresh balancers, and
// starting them all at the first endpoint would send it every caller's first requests.
import type { Random } from '../clock.js';
import type { Balancer, Endpoint } from './types.js';

export class RoundRobinBalancer implements Balancer {
  /** -1 until the first pick, which draws the start. */
  private next = -1;

  constructor(private readonly random: Random) {}

  pick(endpoints: readonly Endpoint[]): Endpoint | undefined {
    const n = endpoints.length;
    if (this.next < 0 && n > 0) this.next = Math.floor(this.random() * n);
    for (let k = 0; k < n; k++) {
      const i = (this.next + k) % n;
      const e = endpoints[i]!;
      if (!e.ejected) {
        this.next = (i + 1) % n;
        return e;
      }
    }
    return undefined;
  }
}
