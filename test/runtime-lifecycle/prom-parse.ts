// A strict little parser of the Prometheus text format 0.0.4, used to check what /metrics renders:
// HELP/TYPE before samples, valid names, well-escaped labels, cumulative histogram buckets ending +Inf.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface Family {
  name: string;
  help: string;
  type: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    const name = text.slice(i, eq);
    if (!LABEL.test(name) || text[eq + 1] !== '"') throw new Error(`bad label in: ${line}`);
    let value = '';
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        const next = text[++j];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`bad escape in: ${line}`);
      } else value += text[j];
    }
    if (text[j] !== '"') throw new Error(`unterminated label value in: ${line}`);
    if (name in labels) throw new Error(`duplicate label ${name} in: ${line}`);
    labels[name] = value;
    i = j + 1;
    if (i < text.length) {
      if (text[i] !== ',') throw new Error(`expected , in: ${line}`);
      i++;
    }
  }
  return labels;
}

function parseValue(s: string, line: string): number {
  if (s === '+Inf') return Number.POSITIVE_INFINITY;
  if (s === '-Inf') return Number.NEGATIVE_INFINITY;
  if (s === 'NaN') return Number.NaN;
  if (!/^-?[0-9.]+(e[+-]?[0-9]+)?$/.test(s)) throw new Error(`bad value in: ${line}`);
  return Number(s);
}

export function parsePrometheusText(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, Family>();
  let current: Family | null = null;
  for (const line of text.slice(0, -1).split('\n')) {
    const help = /^# HELP (\S+) (.*)$/.exec(line);
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (help) {
      if (!NAME.test(help[1]!) || families.has(help[1]!)) throw new Error(`bad or repeated HELP: ${line}`);
      current = { name: help[1]!, help: help[2]!, type: '', samples: [] };
      families.set(current.name, current);
    } else if (type) {
      if (!current || current.name !== type[1] || current.type) throw new Error(`TYPE without HELP: ${line}`);
      current.type = type[2]!;
    } else {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m || !current || !current.type) throw new Error(`bad sample line: ${line}`);
      const suffixes = current.type === 'histogram' ? ['_bucket', '_sum', '_count'] : [''];
      if (!suffixes.some((s) => m[1] === current!.name + s))
        throw new Error(`sample ${m[1]} outside its family ${current.name}`);
      current.samples.push({
        name: m[1]!,
        labels: parseLabels(m[2] ?? '', line),
        value: parseValue(m[3]!, line),
      });
    }
  }
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const series = new Map<string, Sample[]>();
  const keyOf = (l: Record<string, string>) => JSON.stringify(Object.entries(l).filter(([k]) => k !== 'le'));
  for (const s of f.samples) {
    const key = keyOf(s.labels);
    if (!series.has(key)) series.set(key, []);
    series.get(key)!.push(s);
  }
  for (const samples of series.values()) {
    const buckets = samples.filter((s) => s.name.endsWith('_bucket'));
    const count = samples.find((s) => s.name.endsWith('_count'));
    if (!samples.some((s) => s.name.endsWith('_sum')) || !count)
      throw new Error(`${f.name}: missing _sum/_count`);
    let prevLe = Number.NEGATIVE_INFINITY;
    let prev = 0;
    for (const b of buckets) {
      const le = parseValue(b.labels.le ?? '', f.name);
      if (!(le > prevLe) || b.value < prev) throw new Error(`${f.name}: buckets not increasing/cumulative`);
      prevLe = le;
      prev = b.value;
    }
    if (buckets.at(-1)?.labels.le !== '+Inf' || buckets.at(-1)?.value !== count.value)
      throw new Error(`${f.name}: last bucket must be +Inf and equal _count`);
  }
}
