// The latency chart of bench/RESULTS.md: p50, p90 and p99 per proxy at the fixed rate, as grouped
// horizontal bars on a log scale (p99 is often 20× p50 on a shared machine). Pure: data in, SVG out.

export interface LatencyRow {
  readonly peer: string;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

const PERCENTILES = [
  { key: 'p50', colour: '#2b8a3e' },
  { key: 'p90', colour: '#e67700' },
  { key: 'p99', colour: '#c92a2a' },
] as const;

const escape = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function latencyChart(rows: readonly LatencyRow[], title: string): string {
  const left = 140;
  const width = 760;
  const plot = width - left - 60;
  const bar = 9;
  const group = PERCENTILES.length * bar + 10;
  const top = 40;
  const height = top + rows.length * group + 40;
  const values = rows.flatMap((r) => PERCENTILES.map((p) => r[p.key])).filter((v) => v > 0);
  const min = Math.pow(10, Math.floor(Math.log10(Math.min(...values, 0.1))));
  const max = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, 1))));
  const x = (ms: number) => left + (plot * Math.log10(Math.max(ms, min) / min)) / Math.log10(max / min);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${left}" y="18" font-size="13" font-weight="bold">${escape(title)}</text>`,
  ];
  for (let tick = min; tick <= max; tick *= 10) {
    const tx = x(tick).toFixed(1);
    out.push(
      `<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${height - 30}" stroke="#ddd"/>`,
      `<text x="${tx}" y="${height - 16}" text-anchor="middle">${tick >= 1 ? tick : tick.toPrecision(1)} ms</text>`,
    );
  }
  rows.forEach((row, i) => {
    const y0 = top + i * group;
    out.push(
      `<text x="${left - 8}" y="${y0 + (PERCENTILES.length * bar) / 2 + 4}" text-anchor="end">${escape(row.peer)}</text>`,
    );
    PERCENTILES.forEach((p, j) => {
      const value = row[p.key];
      const y = y0 + j * bar;
      const w = Math.max(1, x(value) - left).toFixed(1);
      out.push(
        `<rect x="${left}" y="${y}" width="${w}" height="${bar - 1}" fill="${p.colour}"><title>${escape(row.peer)} ${p.key} ${value.toFixed(3)} ms</title></rect>`,
        `<text x="${(x(value) + 4).toFixed(1)}" y="${y + bar - 1}" font-size="9">${value.toFixed(2)}</text>`,
      );
    });
  });
  PERCENTILES.forEach((p, j) => {
    const lx = width - 160 + j * 50;
    out.push(
      `<rect x="${lx}" y="8" width="10" height="10" fill="${p.colour}"/>`,
      `<text x="${lx + 14}" y="17">${p.key}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
