// DNS answers cached until their TTL on an injected clock, refreshed afterwards, kept when a refresh
// fails, and shared by concurrent callers; failures cached with a doubling retry time; endpoint sets
// follow the answers and keep endpoint state.
import { describe, expect, it } from 'vitest';
import { DnsCache, type DnsResolver, type ResolvedRecord } from '../../runtime/upstream/dns-cache.js';
import { EndpointSet } from '../../runtime/upstream/endpoint-set.js';
import { ManualClock } from './fakes.js';

/** A resolver answering from a table the test edits; counts queries. */
function tableResolver(table: Map<string, ResolvedRecord[] | Error>) {
  const calls = { v4: 0, lookup: 0 };
  const resolver: DnsResolver = {
    async resolve4(host) {
      calls.v4++;
      const a = table.get(host);
      if (a instanceof Error) throw a;
      if (!a) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
      return a;
    },
    async resolve6() {
      throw Object.assign(new Error('ENODATA'), { code: 'ENODATA' });
    },
    async lookup(host) {
      calls.lookup++;
      if (host === 'hosts-only' || host === 'localhost') return ['127.0.0.1'];
      throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
    },
  };
  return { resolver, calls };
}

/** The error `answer` rejects with (fails the test if it does not reject). */
async function failureOf(answer: readonly string[] | Promise<readonly string[]>): Promise<unknown> {
  try {
    await answer;
  } catch (err) {
    return err;
  }
  throw new Error('resolved');
}

describe('DnsCache', () => {
  it('caches until the TTL, then re-resolves', async () => {
    const clock = new ManualClock();
    const table = new Map<string, ResolvedRecord[] | Error>([
      [
        'svc',
        [
          { address: '10.0.0.2', ttl: 30 },
          { address: '10.0.0.1', ttl: 10 },
        ],
      ],
    ]);
    const { resolver, calls } = tableResolver(table);
    const dns = new DnsCache({ clock, resolver });
    const first = await dns.resolve('svc');
    expect(first).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(calls.v4).toBe(1);
    await clock.advance(9_999);
    expect(dns.resolve('svc')).toBe(first);
    expect(calls.v4).toBe(1);
    table.set('svc', [{ address: '10.0.0.3', ttl: 10 }]);
    await clock.advance(1);
    // Expired: the stale answer is served while the refresh runs.
    expect(dns.resolve('svc')).toBe(first);
    await clock.advance(0);
    expect(dns.resolve('svc')).toEqual(['10.0.0.3']);
    expect(calls.v4).toBe(2);
  });

  it('keeps the last answer when a refresh fails, and retries later', async () => {
    const clock = new ManualClock();
    const table = new Map<string, ResolvedRecord[] | Error>([['svc', [{ address: '10.0.0.1', ttl: 5 }]]]);
    const { resolver, calls } = tableResolver(table);
    const dns = new DnsCache({ clock, resolver, retryMs: 1000 });
    await dns.resolve('svc');
    table.set('svc', new Error('SERVFAIL'));
    await clock.advance(5000);
    dns.resolve('svc');
    await clock.advance(0);
    expect(dns.resolve('svc')).toEqual(['10.0.0.1']);
    expect(calls.v4).toBe(2);
    await clock.advance(1000);
    dns.resolve('svc');
    expect(calls.v4).toBe(3);
    // Failed again: the wait doubles; an answer starts it afresh.
    await clock.advance(1999);
    dns.resolve('svc');
    expect(calls.v4).toBe(3);
    table.set('svc', [{ address: '10.0.0.2', ttl: 5 }]);
    await clock.advance(1);
    dns.resolve('svc');
    await clock.advance(0);
    table.set('svc', new Error('SERVFAIL'));
    await clock.advance(5000);
    expect(dns.resolve('svc')).toEqual(['10.0.0.2']);
    await clock.advance(1000);
    dns.resolve('svc');
    expect(calls.v4).toBe(6);
  });

  it('shares one query between concurrent callers and rejects when nothing resolves', async () => {
    const { resolver, calls } = tableResolver(new Map([['svc', [{ address: '10.0.0.1', ttl: 5 }]]]));
    const dns = new DnsCache({ clock: new ManualClock(), resolver });
    const [a, b] = await Promise.all([dns.resolve('svc'), dns.resolve('svc')]);
    expect(a).toBe(b);
    expect(calls.v4).toBe(1);
    await expect(dns.resolve('nowhere')).rejects.toThrow();
  });

  it('refuses a name that never resolved at once, without a query, until a retry time that doubles', async () => {
    const clock = new ManualClock();
    const table = new Map<string, ResolvedRecord[] | Error>();
    const { resolver, calls } = tableResolver(table);
    const dns = new DnsCache({ clock, resolver, retryMs: 1000, maxRetryMs: 4000 });
    const failure = await failureOf(dns.resolve('nowhere'));
    expect(failure).toMatchObject({ code: 'ENOTFOUND' });
    expect(calls).toEqual({ v4: 1, lookup: 1 });
    for (let i = 0; i < 100; i++) expect(await failureOf(dns.resolve('nowhere'))).toBe(failure);
    expect(calls).toEqual({ v4: 1, lookup: 1 });
    // Retried at 1 s, 2 s, 4 s, then every 4 s (the ceiling); two callers at a retry share its query.
    const queriesAt: number[] = [];
    for (let t = 0; t <= 16_000; t += 500) {
      const before = calls.v4;
      await Promise.all([failureOf(dns.resolve('nowhere')), failureOf(dns.resolve('nowhere'))]);
      if (calls.v4 > before) queriesAt.push(clock.now());
      expect(calls.v4 - before).toBeLessThanOrEqual(1);
      await clock.advance(500);
    }
    expect(queriesAt).toEqual([1000, 3000, 7000, 11_000, 15_000]);
    table.set('nowhere', [{ address: '10.0.0.1', ttl: 5 }]);
    await clock.advance(4000);
    expect(await dns.resolve('nowhere')).toEqual(['10.0.0.1']);
  });

  it('clamps tiny TTLs and falls back to getaddrinfo for hosts-file and localhost names', async () => {
    const clock = new ManualClock();
    const { resolver, calls } = tableResolver(new Map([['svc', [{ address: '10.0.0.1', ttl: 0 }]]]));
    const dns = new DnsCache({ clock, resolver, minTtlMs: 1000 });
    await dns.resolve('svc');
    await clock.advance(999);
    dns.resolve('svc');
    expect(calls.v4).toBe(1);
    expect(await dns.resolve('hosts-only')).toEqual(['127.0.0.1']);
    expect(await dns.resolve('localhost')).toEqual(['127.0.0.1']);
  });

  it('resolves localhost with the real system resolver', async () => {
    const dns = new DnsCache({ clock: new ManualClock() });
    const addresses = await dns.resolve('localhost');
    expect(addresses.some((a) => a === '127.0.0.1' || a === '::1')).toBe(true);
  });
});

describe('DnsCache.retainOnly', () => {
  it('drops the names not listed, keeps the answers of those listed', async () => {
    const clock = new ManualClock();
    const table = new Map<string, ResolvedRecord[] | Error>([
      ['kept', [{ address: '10.0.0.1', ttl: 60 }]],
      ['dropped', [{ address: '10.0.0.2', ttl: 60 }]],
    ]);
    const { resolver, calls } = tableResolver(table);
    const dns = new DnsCache({ clock, resolver });
    const kept = await dns.resolve('kept');
    await dns.resolve('dropped');
    await failureOf(dns.resolve('failing'));
    expect([dns.size, calls.v4]).toEqual([3, 3]);
    dns.retainOnly(new Set(['kept', 'not-asked-yet']));
    expect(dns.size).toBe(1);
    expect(dns.resolve('kept')).toBe(kept);
    expect(calls.v4).toBe(3);
    // Asked again, a dropped name is queried again rather than refused or served from before.
    table.set('dropped', [{ address: '10.0.0.3', ttl: 60 }]);
    expect(await dns.resolve('dropped')).toEqual(['10.0.0.3']);
    expect(calls.v4).toBe(4);
  });
});

describe('EndpointSet', () => {
  it('expands dns names, keeps array identity while unchanged and endpoint state across refreshes', async () => {
    const clock = new ManualClock();
    const table = new Map<string, ResolvedRecord[] | Error>([['svc', [{ address: '10.0.0.1', ttl: 10 }]]]);
    const { resolver } = tableResolver(table);
    const set = new EndpointSet(
      [
        { kind: 'static', host: '10.9.9.9', port: 80 },
        { kind: 'dns', host: 'svc', port: 15006 },
      ],
      new DnsCache({ clock, resolver }),
    );
    const first = await set.endpoints();
    expect(first.map((e) => e.key)).toEqual(['10.9.9.9:80', '10.0.0.1:15006']);
    expect(set.endpoints()).toBe(first);
    first[1]!.inFlight = 3;
    table.set('svc', [
      { address: '10.0.0.1', ttl: 10 },
      { address: '10.0.0.2', ttl: 10 },
    ]);
    await clock.advance(10_000);
    set.endpoints();
    await clock.advance(0);
    const second = set.endpoints() as readonly { key: string; inFlight: number }[];
    expect(second).not.toBe(first);
    expect(second.map((e) => e.key)).toEqual(['10.9.9.9:80', '10.0.0.1:15006', '10.0.0.2:15006']);
    expect(second[1]!.inFlight).toBe(3);
  });

  it('refuses a name that never resolved with the cached failure, one query per retry time', async () => {
    const clock = new ManualClock();
    const { resolver, calls } = tableResolver(new Map());
    const set = new EndpointSet(
      [{ kind: 'dns', host: 'nowhere', port: 15006 }],
      new DnsCache({ clock, resolver }),
    );
    for (let i = 0; i < 50; i++) await expect(set.endpoints()).rejects.toThrow('ENOTFOUND');
    expect(calls.v4).toBe(1);
  });

  it('static-only sets are returned synchronously', () => {
    const set = new EndpointSet(
      [{ kind: 'static', host: '::1', port: 1 }],
      new DnsCache({ clock: new ManualClock() }),
    );
    const eps = set.endpoints();
    expect(Array.isArray(eps) && eps[0]!.key).toBe('[::1]:1');
  });
});
