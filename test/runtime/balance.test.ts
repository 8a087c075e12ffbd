// Load balancers as pure choices over endpoint state with an injected random source: evenness,
// P2C preference for fewer requests in flight, ring-hash stickiness and stability, ejection.
import { describe, expect, it } from 'vitest';
import { createBalancer } from '../../runtime/balance/create-balancer.js';
import { LeastRequestBalancer } from '../../runtime/balance/least-request.js';
import { RandomBalancer } from '../../runtime/balance/random.js';
import { RingHashBalancer } from '../../runtime/balance/ring-hash.js';
import { RoundRobinBalancer } from '../../runtime/balance/round-robin.js';
import { createEndpoint, type Endpoint } from '../../runtime/balance/types.js';
import { fixedRandom, seededRandom, withinBinomial } from './fakes.js';

const endpoints = (n: number, base = 1): Endpoint[] =>
  Array.from({ length: n }, (_, i) => createEndpoint(`10.0.0.${base + i}`, 15006));

function counts(pick: () => Endpoint | undefined, n: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const e = pick();
    if (e) out.set(e.key, (out.get(e.key) ?? 0) + 1);
  }
  return out;
}

describe('round-robin', () => {
  it('takes each endpoint in turn and skips ejected ones', () => {
    const eps = endpoints(3);
    const rr = new RoundRobinBalancer(fixedRandom(0));
    expect([1, 2, 3, 4].map(() => rr.pick(eps)?.host)).toEqual([
      '10.0.0.1',
      '10.0.0.2',
      '10.0.0.3',
      '10.0.0.1',
    ]);
    eps[1]!.ejected = true;
    expect([1, 2, 3].map(() => rr.pick(eps)?.host)).toEqual(['10.0.0.3', '10.0.0.1', '10.0.0.3']);
    for (const e of eps) e.ejected = true;
    expect(rr.pick(eps)).toBeUndefined();
  });

  it('starts each fresh balancer at a random endpoint, so fresh proxies do not all hit the first', () => {
    const eps = endpoints(4);
    const random = fixedRandom(0, 0.25, 0.5, 0.75);
    const firsts = Array.from({ length: 12 }, () =>
      createBalancer('round-robin', random).pick(eps, undefined),
    );
    expect(eps.map((e) => firsts.filter((f) => f === e).length)).toEqual([3, 3, 3, 3]);
    // The draw is made once: the rotation goes on from there.
    const rr = new RoundRobinBalancer(fixedRandom(0.6));
    expect([1, 2, 3, 4].map(() => eps.indexOf(rr.pick(eps)!))).toEqual([2, 3, 0, 1]);
  });
});

describe('random', () => {
  it('is uniform over healthy endpoints', () => {
    const eps = endpoints(4);
    eps[0]!.ejected = true;
    const b = new RandomBalancer(seededRandom(1));
    const c = counts(() => b.pick(eps), 9000);
    expect(c.has(eps[0]!.key)).toBe(false);
    for (const e of eps.slice(1)) expect(withinBinomial(c.get(e.key)!, 9000, 1 / 3)).toBe(true);
  });
});

describe('least-request (P2C)', () => {
  it('never picks the busier of the two draws', () => {
    const eps = endpoints(2);
    eps[0]!.inFlight = 5;
    const b = new LeastRequestBalancer(seededRandom(3));
    for (let i = 0; i < 100; i++) expect(b.pick(eps)).toBe(eps[1]);
  });

  it('avoids the busiest endpoint among many and spreads the rest', () => {
    const eps = endpoints(5);
    eps[2]!.inFlight = 100;
    const b = new LeastRequestBalancer(seededRandom(4));
    const c = counts(() => b.pick(eps), 10_000);
    expect(c.get(eps[2]!.key) ?? 0).toBe(0);
    for (const i of [0, 1, 3, 4]) expect(withinBinomial(c.get(eps[i]!.key)!, 10_000, 0.25)).toBe(true);
  });

  it('balances load as in-flight counts evolve', () => {
    const eps = endpoints(4);
    const b = new LeastRequestBalancer(seededRandom(5));
    for (let i = 0; i < 400; i++) b.pick(eps)!.inFlight++;
    const loads = eps.map((e) => e.inFlight);
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(2);
  });

  it('handles one and zero healthy endpoints', () => {
    const eps = endpoints(2);
    eps[0]!.ejected = true;
    const b = new LeastRequestBalancer(seededRandom(6));
    expect(b.pick(eps)).toBe(eps[1]);
    eps[1]!.ejected = true;
    expect(b.pick(eps)).toBeUndefined();
  });
});

describe('ring-hash', () => {
  const keys = Array.from({ length: 5000 }, (_, i) => `user-${i}`);

  it('sends the same key to the same endpoint', () => {
    const eps = endpoints(5);
    const b = new RingHashBalancer(seededRandom(7));
    for (const k of keys.slice(0, 200)) expect(b.pick(eps, k)).toBe(b.pick(eps, k));
  });

  it('spreads keys roughly evenly', () => {
    const eps = endpoints(5);
    const b = new RingHashBalancer(seededRandom(8));
    const spread = new Map<string, number>();
    for (const k of keys) {
      const e = b.pick(eps, k)!;
      spread.set(e.key, (spread.get(e.key) ?? 0) + 1);
    }
    for (const e of eps) {
      const share = (spread.get(e.key) ?? 0) / keys.length;
      expect(share).toBeGreaterThan(0.12);
      expect(share).toBeLessThan(0.28);
    }
  });

  it('is stable when an endpoint is added: only about 1/(n+1) of keys move, all to the new one', () => {
    const before = endpoints(5);
    const after = [...before, createEndpoint('10.0.0.99', 15006)];
    const b = new RingHashBalancer(seededRandom(9));
    const first = keys.map((k) => b.pick(before, k)!.key);
    const second = keys.map((k) => b.pick(after, k)!.key);
    let moved = 0;
    for (let i = 0; i < keys.length; i++) {
      if (first[i] !== second[i]) {
        moved++;
        expect(second[i]).toBe('10.0.0.99:15006');
      }
    }
    expect(moved / keys.length).toBeGreaterThan(0.08);
    expect(moved / keys.length).toBeLessThan(0.26);
  });

  it('moves only the keys of an ejected endpoint', () => {
    const eps = endpoints(4);
    const b = new RingHashBalancer(seededRandom(10));
    const first = keys.map((k) => b.pick(eps, k)!);
    eps[1]!.ejected = true;
    keys.forEach((k, i) => {
      const now = b.pick(eps, k)!;
      if (first[i] === eps[1]) expect(now).not.toBe(eps[1]);
      else expect(now).toBe(first[i]);
    });
  });

  it('walks on one ring entry per pick made again for a retry (Envoy: ring[(index + attempt) % size])', () => {
    const eps = endpoints(5);
    const b = new RingHashBalancer(seededRandom(9));
    const sample = keys.slice(0, 1000);
    // The next entry belongs to another endpoint about 4 times in 5.
    const moved = sample.filter((k) => b.pick(eps, k, 1) !== b.pick(eps, k, 0)).length;
    expect(moved / sample.length).toBeGreaterThan(0.6);
    // Within the 5 picks a retry may make again, nearly every key reaches another endpoint.
    const escaped = sample.filter((k) =>
      [1, 2, 3, 4, 5].some((s) => b.pick(eps, k, s) !== b.pick(eps, k, 0)),
    ).length;
    expect(escaped / sample.length).toBeGreaterThan(0.99);
    // Once round the ring (5 × 128 entries) is where it started; ejected owners are still passed over.
    for (const k of sample.slice(0, 100)) expect(b.pick(eps, k, 5 * 128)).toBe(b.pick(eps, k, 0));
    eps[0]!.ejected = true;
    for (const k of sample) for (const s of [0, 1, 2]) expect(b.pick(eps, k, s)).not.toBe(eps[0]);
  });

  it('picks at random when the hash header is missing', () => {
    const eps = endpoints(3);
    const b = new RingHashBalancer(seededRandom(11));
    const c = counts(() => b.pick(eps, undefined), 3000);
    expect(c.size).toBe(3);
  });
});

describe('createBalancer', () => {
  it('knows every policy of the bundle format', () => {
    for (const p of ['round-robin', 'least-request', 'random', 'ring-hash'] as const) {
      expect(createBalancer(p, seededRandom(1)).pick(endpoints(2), 'k')).toBeDefined();
    }
  });
});
