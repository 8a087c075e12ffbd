// The endpoints of one destination version as the balancer sees them: static addresses fixed at
// activation, `dns:` names expanded to their current addresses. The array keeps its identity while
// nothing changes (the ring-hash balancer rebuilds only on a new array), and an address that stays
// keeps its Endpoint object, so in-flight counts and ejection survive a DNS refresh, and a bundle
// activation too when the set is built from the one it replaces (stack/build-outbound.ts). Each new
// array is reported to the version's outlier detector, which judges panic on it.
import type { BundleEndpoint } from '../../schema/bundle.types.generated.js';
import { createEndpoint, type Endpoint } from '../balance/types.js';
import type { DnsCache } from './dns-cache.js';
import type { OutlierDetector } from './outlier-detector.js';

export interface EndpointSetOptions {
  /** The set this one replaces: an endpoint both list keeps its Endpoint object. */
  readonly previous?: EndpointSet | undefined;
  /** The version's detector, told of every new array (it listens only to the set bound to it). */
  readonly outliers?: OutlierDetector | undefined;
}

export class EndpointSet {
  private readonly statics: readonly Endpoint[];
  private readonly names: readonly { readonly host: string; readonly port: number }[];
  private known = new Map<string, Endpoint>();
  private current: readonly Endpoint[];
  private answers: (readonly string[] | undefined)[];
  private readonly outliers: OutlierDetector | undefined;

  constructor(
    endpoints: readonly BundleEndpoint[],
    private readonly dns: DnsCache,
    { previous, outliers }: EndpointSetOptions = {},
  ) {
    const kept = new Map(previous?.statics.map((e) => [e.key, e]));
    this.statics = endpoints
      .filter((e) => e.kind === 'static')
      .map((e) => {
        const fresh = createEndpoint(e.host, e.port);
        return kept.get(fresh.key) ?? fresh;
      });
    this.names = endpoints.filter((e) => e.kind === 'dns').map((e) => ({ host: e.host, port: e.port }));
    // Addresses of names are matched on the next resolution (rebuild), like those of a DNS refresh.
    if (previous) this.known = new Map(previous.known);
    this.current = this.statics;
    this.answers = this.names.map(() => undefined);
    this.outliers = outliers;
    outliers?.track(this, this.current);
  }

  /** Binds the version's outlier detector to this set: the configuration holding it went live. */
  bindOutliers(): void {
    this.outliers?.bind(this, this.current);
  }

  /** Current endpoints; synchronous unless a name has never been resolved yet. Rejects if nothing resolves. */
  endpoints(): readonly Endpoint[] | Promise<readonly Endpoint[]> {
    const names = this.names;
    if (names.length === 0) return this.statics;
    let changed = false;
    for (let i = 0; i < names.length; i++) {
      const answer = this.dns.resolve(names[i]!.host);
      if (!Array.isArray(answer)) return this.resolveAll();
      if (answer !== this.answers[i]) changed = true;
    }
    if (changed) this.rebuild(names.map((n) => this.dns.resolve(n.host) as readonly string[]));
    return this.current;
  }

  private async resolveAll(): Promise<readonly Endpoint[]> {
    const settled = await Promise.allSettled(this.names.map((n) => this.dns.resolve(n.host)));
    const answers = settled.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
    this.rebuild(answers);
    if (this.current.length === 0) {
      const failed = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult | undefined;
      throw new Error(failed ? String((failed.reason as Error).message ?? failed.reason) : 'no addresses');
    }
    return this.current;
  }

  private rebuild(answers: readonly (readonly string[] | undefined)[]): void {
    const next: Endpoint[] = [...this.statics];
    const known = new Map<string, Endpoint>();
    answers.forEach((addresses, i) => {
      const port = this.names[i]!.port;
      for (const address of addresses ?? []) {
        const fresh = createEndpoint(address, port);
        const kept = this.known.get(fresh.key) ?? fresh;
        known.set(kept.key, kept);
        next.push(kept);
      }
    });
    this.known = known;
    this.answers = [...answers];
    this.current = next;
    this.outliers?.track(this, next);
  }
}
