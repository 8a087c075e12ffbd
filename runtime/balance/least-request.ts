// Least-request by the power of two choices (P2C): draw two distinct healthy endpoints at random and
// take the one with fewer requests in flight. Nearly as good as scanning all, O(1), and free of the
// herding a global minimum causes when many proxies see the same counts (Mitzenmacher; Envoy, Linkerd).
import type { Random } from '../clock.js';
import { type Balancer, type Endpoint, healthyOf } from './types.js';

export class LeastRequestBalancer implements Balancer {
  constructor(private readonly random: Random) {}

  pick(endpoints: readonly Endpoint[]): Endpoint | undefined {
    const healthy = healthyOf(endpoints);
    const n = healthy.length;
    if (n <= 1) return healthy[0];
    const a = Math.floor(this.random() * n);
    let b = Math.floor(this.random() * (n - 1));
    if (b >= a) b++;
    const ea = healthy[a]!;
    const eb = healthy[b]!;
    return eb.inFlight < ea.inFlight ? eb : ea;
  }
}
