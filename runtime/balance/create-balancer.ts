// The registry of load-balancing policies by their bundle name: one line per policy.
import type { ClusterPolicy } from '../../schema/bundle.types.generated.js';
import type { Random } from '../clock.js';
import { LeastRequestBalancer } from './least-request.js';
import { RandomBalancer } from './random.js';
import { RingHashBalancer } from './ring-hash.js';
import { RoundRobinBalancer } from './round-robin.js';
import type { Balancer } from './types.js';

/** A fresh balancer (its own cursor / ring) for one destination version. */
export function createBalancer(policy: ClusterPolicy['loadBalancer']['policy'], random: Random): Balancer {
  switch (policy) {
    case 'round-robin':
      return new RoundRobinBalancer(random);
    case 'least-request':
      return new LeastRequestBalancer(random);
    case 'random':
      return new RandomBalancer(random);
    case 'ring-hash':
      return new RingHashBalancer(random);
  }
}
