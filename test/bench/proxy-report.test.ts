// The proxy bench's round-by-round view of the p99 target: each round's added p99 is taken against
// direct of that same round, a round without direct or the base peer is left out, and the line says
// how many rounds met the limit.
import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../../bench/proxy/load.js';
import type { RoundSample } from '../../bench/proxy/measure-peer.js';
import { p99Spread, roundRatios } from '../../bench/proxy/report.js';

function sample(peer: string, round: number, p99: number): RoundSample {
  const result: LoadResult = {
    mode: 'rate',
    sent: 5000,
    ok: 5000,
    errors: 0,
    firstError: null,
    elapsedMs: 5000,
    plannedMs: 5000,
    throughput: 1000,
    p50: p99 / 4,
    p90: p99 / 2,
    p99,
    p999: p99 * 2,
    max: p99 * 4,
    sendLagP50: 0.1,
    sendLagP99: 0.2,
    cpuMs: null,
  };
  return {
    peer,
    round,
    atRate: result,
    atMax: { ...result, mode: 'max' },
    cpuUsPerReqAtRate: null,
    cpuUsPerReqAtMax: null,
    peakRssMb: [],
  };
}

const p99 = (s: RoundSample) => s.atRate.p99;

/** One round of direct, minimal and meshc with these p99s. */
const round = (n: number, direct: number, minimal: number, meshc: number) => [
  sample('direct', n, direct),
  sample('minimal', n, minimal),
  sample('meshc', n, meshc),
];

describe('roundRatios', () => {
  it('takes each round against its own direct', () => {
    const samples = [...round(1, 0.5, 1.5, 0.9), ...round(2, 0.2, 1.2, 1.2)];
    expect(roundRatios(samples, 'meshc', 'minimal', p99)).toEqual([
      { round: 1, ratio: expect.closeTo(0.4, 10) },
      { round: 2, ratio: expect.closeTo(1.0, 10) },
    ]);
  });

  it('leaves out rounds missing a peer or direct, and rounds where the base added nothing', () => {
    const samples = [
      sample('minimal', 1, 1.5),
      sample('meshc', 1, 0.9),
      sample('direct', 2, 0.5),
      sample('meshc', 2, 0.9),
      ...round(3, 0.8, 0.8, 0.9),
      ...round(4, 0.5, 1.0, 0.6),
    ];
    expect(roundRatios(samples, 'meshc', 'minimal', p99)).toEqual([
      { round: 4, ratio: expect.closeTo(0.2, 10) },
    ]);
  });
});

describe('p99Spread', () => {
  it('lists every round in order and counts those within the limit', () => {
    const samples = [...round(3, 0.5, 1.5, 0.9), ...round(1, 0.5, 1.5, 0.8), ...round(2, 0.5, 1.5, 1.5)];
    expect(p99Spread(samples)).toBe(
      "Added p99 of meshc ÷ minimal's, round by round: 0.30×, 1.00×, 0.40× (≤ 0.5× in 2 of 3).",
    );
  });

  it('says nothing with fewer than two rounds', () => {
    expect(p99Spread(round(1, 0.5, 1.5, 0.8))).toBe(undefined);
  });
});
