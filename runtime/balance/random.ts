// Uniform random choice among healthy endpoints, with an injected random source.
import type { Random } from '../clock.js';
import { type Balancer, type Endpoint, healthyOf } from './types.js';

export class RandomBalancer implements Balancer {
  constructor(private readonly random: Random) {}

  pick(endpoints: readonly Endpoint[]): Endpoint | undefined {
    const healthy = healthyOf(endpoints);
    if (healthy.length === 0) return undefined;
    return healthy[Math.floor(this.random() * healthy.length)];
  }
}
