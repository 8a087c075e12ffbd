// Outlier detection as Envoy's consecutive-5xx detector, on a manual clock: ejection after N failures
// in a row, ejection time growing with each ejection and capped, the sweep returning endpoints and
// lowering multipliers only while there is something to sweep, the ejection cap with "at least one",
// and panic (fewer than half healthy: balancers use every endpoint again), judged again whenever the
// version's endpoint set changes, on the set the detector is bound to only.
import { describe, expect, it } from 'vitest';
import { createEndpoint, type Endpoint } from '../../runtime/balance/types.js';
import { MAX_EJECTION_MS, OutlierDetector } from '../../runtime/upstream/outlier-detector.js';
import { ManualClock } from './fakes.js';

const POLICY = { consecutive5xx: 3, intervalMs: 1000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 50 };

function setUp(n: number, policy = POLICY) {
  const clock = new ManualClock();
  const ejections: [string, number][] = [];
  const detector = new OutlierDetector(policy, clock, { ejected: (e, ms) => ejections.push([e.key, ms]) });
  const eps = Array.from({ length: n }, (_, i) => createEndpoint(`10.0.0.${i + 1}`, 8080));
  const set = {}; // stands for the EndpointSet reporting `eps`
  detector.track(set, eps);
  const fail = (e: Endpoint, times = 1) => {
    for (let i = 0; i < times; i++) detector.record(e, true);
  };
  return { clock, detector, eps, set, fail, ejections };
}

describe('outlier detection', () => {
  it('ejects after consecutive5xx failures in a row; an answer below 500 starts the count again', () => {
    const { eps, fail, detector, ejections } = setUp(4);
    const [a] = eps as [Endpoint];
    fail(a, 2);
    detector.record(a, false);
    fail(a, 2);
    expect(a.ejected).toBe(false);
    fail(a);
    expect([a.ejected, a.ejections, a.ejectedUntil]).toEqual([true, 1, 30_000]);
    expect(ejections).toEqual([['10.0.0.1:8080', 30_000]]);
    expect(eps.filter((e) => e.ejected)).toEqual([a]);
  });

  it('returns an endpoint at the first sweep after its time, and lengthens each later ejection', async () => {
    const { eps, fail, clock, ejections } = setUp(4);
    const a = eps[0]!;
    fail(a, 3);
    await clock.advance(29_000);
    expect(a.ejected).toBe(true);
    await clock.advance(1_000);
    expect([a.ejected, a.ejectedUntil, a.ejections]).toEqual([false, 0, 1]);
    fail(a, 3);
    expect(a.ejections).toBe(2);
    expect(a.ejectedUntil - clock.now()).toBe(60_000);
    expect(ejections.map(([, ms]) => ms)).toEqual([30_000, 60_000]);
  });

  it('lowers the multiplier once per sweep spent healthy, then stops sweeping', async () => {
    const { eps, fail, clock } = setUp(4);
    const a = eps[0]!;
    fail(a, 3);
    await clock.advance(30_000); // back, multiplier 1
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(1_000); // one healthy sweep
    expect(a.ejections).toBe(0);
    await clock.advance(5_000);
    expect(clock.pendingTimers).toBe(0);
    fail(a, 3);
    expect(a.ejectedUntil - clock.now()).toBe(30_000);
  });

  it('caps an ejection at 300 s, or at the base time when that is longer', () => {
    const long = { ...POLICY, baseEjectionTimeMs: 400_000 };
    const { eps, fail, clock } = setUp(4, long);
    fail(eps[0]!, 3);
    expect(eps[0]!.ejectedUntil - clock.now()).toBe(400_000);
    const capped = setUp(4, { ...POLICY, baseEjectionTimeMs: 200_000 });
    const b = capped.eps[0]!;
    b.ejections = 1; // ejected once before
    capped.fail(b, 3);
    expect(b.ejectedUntil - capped.clock.now()).toBe(MAX_EJECTION_MS);
  });

  it('ejects no more than maxEjectionPercent of the endpoints, but always one', () => {
    const ten = setUp(10, { ...POLICY, maxEjectionPercent: 20 });
    for (const e of ten.eps.slice(0, 4)) ten.fail(e, 3);
    expect(ten.eps.filter((e) => e.ejectedUntil !== 0).length).toBe(2);
    const few = setUp(4, { ...POLICY, maxEjectionPercent: 10 });
    few.fail(few.eps[0]!, 3);
    few.fail(few.eps[1]!, 3);
    expect(few.eps.map((e) => e.ejected)).toEqual([true, false, false, false]);
  });

  it('brings an endpoint back with a clean count: failures while ejected do not re-eject it at once', async () => {
    const { eps, fail, clock, ejections } = setUp(4);
    const [a] = eps as [Endpoint];
    fail(a, 3);
    // Attempts under way when it was ejected fail too.
    fail(a, 5);
    await clock.advance(31_000);
    expect(a.ejected).toBe(false);
    fail(a, 2);
    expect([a.ejected, ejections.length]).toEqual([false, 1]);
    fail(a);
    expect([a.ejected, ejections.length]).toEqual([true, 2]);
  });

  it('starts the count again when maxEjectionPercent refuses an ejection, as when it allows one', () => {
    const { eps, fail, ejections } = setUp(4, { ...POLICY, maxEjectionPercent: 25 });
    const [a, b] = eps as [Endpoint, Endpoint];
    fail(a, 3);
    fail(b, 3); // refused: one of four is already out
    expect([b.ejected, b.consecutiveFailures]).toEqual([false, 0]);
    fail(b);
    expect(ejections).toHaveLength(1);
    // An ejection resets the count too.
    expect(a.consecutiveFailures).toBe(0);
  });

  it('lets the balancers use every endpoint when fewer than half would be healthy (panic)', async () => {
    const { eps, fail, clock } = setUp(2, { ...POLICY, maxEjectionPercent: 100 });
    fail(eps[0]!, 3);
    expect(eps.map((e) => e.ejected)).toEqual([true, false]);
    fail(eps[1]!, 3);
    expect(eps.map((e) => e.ejectedUntil !== 0)).toEqual([true, true]);
    expect(eps.map((e) => e.ejected)).toEqual([false, false]);
    await clock.advance(30_000);
    expect(eps.map((e) => e.ejectedUntil)).toEqual([0, 0]);
  });

  it('judges panic again when the set shrinks or grows, so ejection never empties a version', () => {
    const { eps, fail, detector, set } = setUp(2);
    const [a, b] = eps as [Endpoint, Endpoint];
    fail(a, 3);
    expect(a.ejected).toBe(true);
    // Scaled down to the ejected endpoint alone (a swap or a DNS answer): none healthy, panic.
    detector.track(set, [a]);
    expect(a.ejected).toBe(false);
    detector.track(set, [a, b]);
    expect(a.ejected).toBe(true);
  });

  it('listens only to the set it is bound to, and sweeps that set', async () => {
    const { eps, fail, detector, set, clock } = setUp(4);
    const [a, b] = eps as [Endpoint, Endpoint];
    fail(a, 3);
    // A swap hands the detector to the new configuration's set: [a] alone, in panic.
    const next = {};
    detector.bind(next, [a]);
    expect(a.ejected).toBe(false);
    // The replaced set refreshing for its last requests is not heard.
    detector.track(set, eps);
    expect(a.ejected).toBe(false);
    // Nor is an endpoint that left the version while its request ran ejected.
    fail(b, 3);
    expect(b.ejectedUntil).toBe(0);
    await clock.advance(30_000);
    expect(a.ejectedUntil).toBe(0);
  });

  it('stops sweeping once disposed', () => {
    const { eps, fail, clock, detector } = setUp(4);
    fail(eps[0]!, 3);
    expect(clock.pendingTimers).toBe(1);
    detector.dispose();
    expect(clock.pendingTimers).toBe(0);
    fail(eps[1]!, 3);
    expect(clock.pendingTimers).toBe(0);
  });
});
