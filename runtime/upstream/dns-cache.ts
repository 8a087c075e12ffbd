// Run-time resolution of `dns:` endpoints, honouring record TTLs so that scaling a service needs no
// recompile (DESIGN §3). Answers are cached until their TTL on an injected clock; an expired answer is
// served while a refresh runs (and kept if the refresh fails), so DNS trouble never stalls requests
// that already had addresses. A failed query is retried only after a wait that doubles with each
// failure in a row (Envoy's dns_failure_refresh_rate); a name that never resolved is refused at once
// meanwhile. `localhost` names and names only in the hosts file use getaddrinfo.
import { promises as dnsPromises } from 'node:dns';
import { isIP } from 'node:net';
import type { Clock } from '../clock.js';

export interface ResolvedRecord {
  readonly address: string;
  /** Seconds. */
  readonly ttl: number;
}

/** The three lookups the cache needs; `systemResolver` by default, a fake in unit tests of TTL logic. */
export interface DnsResolver {
  resolve4(host: string): Promise<ResolvedRecord[]>;
  resolve6(host: string): Promise<ResolvedRecord[]>;
  /** getaddrinfo (hosts file, localhost); no TTL. */
  lookup(host: string): Promise<string[]>;
}

export function createSystemResolver(): DnsResolver {
  const resolver = new dnsPromises.Resolver({ timeout: 2000, tries: 2 });
  return {
    resolve4: (host) => resolver.resolve4(host, { ttl: true }),
    resolve6: (host) => resolver.resolve6(host, { ttl: true }),
    lookup: async (host) => (await dnsPromises.lookup(host, { all: true })).map((a) => a.address),
  };
}

export interface DnsCacheOptions {
  readonly clock: Pick<Clock, 'now'>;
  readonly resolver?: DnsResolver;
  /** Floor and ceiling on record TTLs (a TTL of 0 would mean a query per request). */
  readonly minTtlMs?: number;
  readonly maxTtlMs?: number;
  /** How long a getaddrinfo answer (which has no TTL) is kept. */
  readonly lookupTtlMs?: number;
  /**
   * After a failed query, how long until the next (the stale answer, or the failure, stands until
   * then); doubled with each failure in a row, up to `maxRetryMs`.
   */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
}

interface Entry {
  addresses: readonly string[] | undefined;
  /** Until when the answer, or with none the failure, stands. */
  expiresAt: number;
  pending: Promise<readonly string[]> | undefined;
  /** With no answer: the last query's failure, rejected (at once, no query) until `expiresAt`. */
  failure: Promise<never> | undefined;
  /** Failed queries in a row. */
  failures: number;
}

export class DnsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly resolver: DnsResolver;

  constructor(private readonly options: DnsCacheOptions) {
    this.resolver = options.resolver ?? createSystemResolver();
  }

  /**
   * Addresses of `host`, sorted; synchronous (the same array) while the cached answer is fresh, so
   * the hot path allocates nothing. Rejects only when there is no answer at all: with the last
   * failure, without a query, until its retry time.
   */
  resolve(host: string): readonly string[] | Promise<readonly string[]> {
    let entry = this.entries.get(host);
    if (entry && this.options.clock.now() < entry.expiresAt) return entry.addresses ?? entry.failure!;
    if (!entry) {
      entry = { addresses: undefined, expiresAt: 0, pending: undefined, failure: undefined, failures: 0 };
      this.entries.set(host, entry);
    }
    if (!entry.pending) entry.pending = this.refresh(host, entry);
    return entry.addresses ?? entry.pending;
  }

  /**
   * Forgets every name but `hosts` (the `dns:` names of the bundle just activated), as the mTLS pool
   * forgets agents: a sidecar that lives through many bundles keeps only what it may still be asked.
   * A name the old configuration's in-flight requests ask for again is simply queried again.
   */
  retainOnly(hosts: ReadonlySet<string>): void {
    for (const host of this.entries.keys()) if (!hosts.has(host)) this.entries.delete(host);
  }

  /** Names cached, answered or failed. */
  get size(): number {
    return this.entries.size;
  }

  private async refresh(host: string, entry: Entry): Promise<readonly string[]> {
    const o = this.options;
    try {
      const { addresses, ttlMs } = await this.query(host);
      // Same answer keeps the same array: endpoint sets (and hash rings) are then not rebuilt.
      if (!sameList(entry.addresses, addresses)) entry.addresses = addresses;
      entry.expiresAt = o.clock.now() + ttlMs;
      entry.failure = undefined;
      entry.failures = 0;
      return entry.addresses!;
    } catch (err) {
      entry.failures++;
      const wait = (o.retryMs ?? 1000) * 2 ** Math.min(entry.failures - 1, 30);
      entry.expiresAt = o.clock.now() + Math.min(wait, o.maxRetryMs ?? 30_000);
      if (entry.addresses) return entry.addresses;
      // One rejected promise for every request until the retry; handled here so none goes unhandled.
      entry.failure = Promise.reject(err);
      entry.failure.catch(ignore);
      throw err;
    } finally {
      entry.pending = undefined;
    }
  }

  private async query(host: string): Promise<{ addresses: string[]; ttlMs: number }> {
    const o = this.options;
    if (isIP(host)) return { addresses: [host], ttlMs: Number.POSITIVE_INFINITY };
    const lookupTtl = o.lookupTtlMs ?? 5000;
    if (host === 'localhost' || host.endsWith('.localhost')) {
      return { addresses: uniqueSorted(await this.resolver.lookup(host)), ttlMs: lookupTtl };
    }
    const [v4, v6] = await Promise.allSettled([this.resolver.resolve4(host), this.resolver.resolve6(host)]);
    const records = [
      ...(v4.status === 'fulfilled' ? v4.value : []),
      ...(v6.status === 'fulfilled' ? v6.value : []),
    ];
    if (records.length === 0) {
      // Not in DNS: maybe in the hosts file (containers, tests).
      const addresses = await this.resolver.lookup(host);
      if (addresses.length === 0) throw new Error(`cannot resolve ${host}`);
      return { addresses: uniqueSorted(addresses), ttlMs: lookupTtl };
    }
    const ttlMs = Math.min(...records.map((r) => r.ttl)) * 1000;
    const clamped = Math.min(Math.max(ttlMs, o.minTtlMs ?? 1000), o.maxTtlMs ?? 300_000);
    return { addresses: uniqueSorted(records.map((r) => r.address)), ttlMs: clamped };
  }
}

function ignore(): void {}

function uniqueSorted(addresses: readonly string[]): string[] {
  return [...new Set(addresses)].sort();
}

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}
