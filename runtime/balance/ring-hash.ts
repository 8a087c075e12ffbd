// Consistent hashing: each endpoint owns a fixed number of virtual nodes on a 32-bit ring, placed by
// hashing its key, so adding or removing one endpoint moves only the keys of its own arcs (about
// 1/n of them). A request goes to the owner of the first point at or after the hash of its header; a
// retry that must avoid endpoints already tried takes the next entries (Envoy's chooseHost(hash,
// attempt): ring[(index + attempt) % size]).
import type { Random } from '../clock.js';
import { hash32 } from './hash.js';
import type { Balancer, Endpoint } from './types.js';

export const DEFAULT_VIRTUAL_NODES = 128;

export class RingHashBalancer implements Balancer {
  private builtFor: readonly Endpoint[] | undefined;
  private points = new Uint32Array(0);
  private owners: Endpoint[] = [];

  constructor(
    private readonly random: Random,
    private readonly virtualNodes = DEFAULT_VIRTUAL_NODES,
  ) {}

  /** A request without the hash header gets a random point (as Envoy does), not a fixed one. */
  pick(endpoints: readonly Endpoint[], hashKey: string | undefined, selection = 0): Endpoint | undefined {
    if (endpoints.length === 0) return undefined;
    if (endpoints !== this.builtFor) this.build(endpoints);
    const h = hashKey === undefined ? Math.floor(this.random() * 0x1_0000_0000) : hash32(hashKey);
    const points = this.points;
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    // Walk on past ejected owners: their keys spread over the next healthy arcs.
    lo += selection;
    for (let k = 0; k < points.length; k++) {
      const owner = this.owners[(lo + k) % points.length]!;
      if (!owner.ejected) return owner;
    }
    return undefined;
  }

  /** Rebuilt only when the endpoint set (array identity) changes: on bundle swap or DNS refresh. */
  private build(endpoints: readonly Endpoint[]): void {
    const entries: { point: number; owner: Endpoint }[] = [];
    for (const e of endpoints) {
      for (let i = 0; i < this.virtualNodes; i++) entries.push({ point: hash32(`${e.key}#${i}`), owner: e });
    }
    // Ties (rare) broken by key so the ring does not depend on endpoint order.
    entries.sort((a, b) => a.point - b.point || (a.owner.key < b.owner.key ? -1 : 1));
    this.points = Uint32Array.from(entries, (x) => x.point);
    this.owners = entries.map((x) => x.owner);
    this.builtFor = endpoints;
  }
}
