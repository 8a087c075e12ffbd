// Round-robin: each healthy endpoint in turn. The cursor survives endpoint-set changes (it is
// taken modulo the current length), so a DNS refresh does not restart the rotation.
import type { Balancer, Endpoint } from './types.js';

export class RoundRobinBalancer implements Balancer {
  private next = 0;

  pick(endpoints: readonly Endpoint[]): Endpoint | undefined {
    const n = endpoints.length;
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
