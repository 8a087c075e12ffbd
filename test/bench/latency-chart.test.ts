// The bench chart: one bar per peer and percentile, longer for slower, every label escaped.
import { describe, expect, it } from 'vitest';
import { latencyChart } from '../../bench/lib/latency-chart.js';

const rows = [
  { peer: 'nginx', p50: 0.9, p90: 1.7, p99: 27 },
  { peer: 'meshc <pair>', p50: 2, p90: 168, p99: 214 },
];

function widths(svg: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of svg.matchAll(
    /<rect x="\d+" y="\d+" width="([\d.]+)"[^>]*><title>([^<]+) [\d.]+ ms<\/title>/g,
  ))
    out.set(m[2]!, Number(m[1]));
  return out;
}

describe('latencyChart', () => {
  it('draws one bar per peer and percentile, ordered by value on a log scale', () => {
    const svg = latencyChart(rows, 'Latency');
    const w = widths(svg);
    expect([...w.keys()]).toEqual([
      'nginx p50',
      'nginx p90',
      'nginx p99',
      'meshc &lt;pair&gt; p50',
      'meshc &lt;pair&gt; p90',
      'meshc &lt;pair&gt; p99',
    ]);
    expect(w.get('nginx p50')!).toBeLessThan(w.get('nginx p90')!);
    expect(w.get('nginx p99')!).toBeLessThan(w.get('meshc &lt;pair&gt; p90')!);
    // Log scale: 10x more latency is a constant step, not 10x the bar.
    expect(w.get('meshc &lt;pair&gt; p99')! / w.get('nginx p50')!).toBeLessThan(10);
    expect(svg).not.toContain('<pair>');
  });
});
