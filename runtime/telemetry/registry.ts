// A tiny Prometheus registry: counters, gauges and fixed-bucket histograms with labels, rendered in the
// text exposition format 0.0.4. Built for the request path: `metric.labels(...)` returns a child that
// callers may cache, and recording is a field increment (histograms count per bucket and accumulate
// only when rendered).

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
export const escapeLabelValue = (s: string) =>
  s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Sample values as Prometheus writes them: +Inf, -Inf, NaN, else the shortest JS form. */
export function formatValue(v: number): string {
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return Number.isNaN(v) ? 'NaN' : String(v);
}

export class CounterChild {
  value = 0;
  /** Adds `n` (default 1); counters only go up. */
  inc(n = 1): void {
    if (n > 0) this.value += n;
  }
}

export class GaugeChild {
  value = 0;
  set(v: number): void {
    this.value = v;
  }
  inc(n = 1): void {
    this.value += n;
  }
  dec(n = 1): void {
    this.value -= n;
  }
}

export class HistogramChild {
  /** Per-bucket (not cumulative) counts; the last slot is the +Inf overflow. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  /** Records `v`; a NaN or infinite value is ignored (it would land in a bucket and poison _sum for good). */
  observe(v: number): void {
    if (!Number.isFinite(v)) return;
    let i = 0;
    while (i < this.bounds.length && v > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += v;
    this.count++;
  }
}

type Kind = 'counter' | 'gauge' | 'histogram';

abstract class Metric<C> {
  private readonly children = new Map<string, { values: readonly string[]; child: C }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly kind: Kind,
  ) {
    if (!METRIC_NAME.test(name)) throw new TypeError(`invalid metric name ${name}`);
    for (const l of labelNames)
      if (!LABEL_NAME.test(l) || l.startsWith('__') || (kind === 'histogram' && l === 'le'))
        throw new TypeError(`invalid label name ${l} on ${name}`);
  }
  protected abstract create(): C;

  /** The child for these label values (in labelNames order); created on first use, then reused. */
  labels(...values: string[]): C {
    const key = values.length === 1 ? values[0]! : childKey(values);
    const hit = this.children.get(key);
    if (hit) return hit.child;
    if (values.length !== this.labelNames.length)
      throw new TypeError(
        `${this.name} takes ${this.labelNames.length} label value(s), got ${values.length}`,
      );
    const child = this.create();
    this.children.set(key, { values: [...values], child });
    return child;
  }

  /** Forgets every child (e.g. an info gauge whose labels changed). */
  reset(): void {
    this.children.clear();
    if (this.labelNames.length === 0) this.labels();
  }

  protected labelText(values: readonly string[], extra = ''): string {
    const parts = this.labelNames.map((n, i) => `${n}="${escapeLabelValue(values[i]!)}"`);
    if (extra) parts.push(extra);
    return parts.length ? `{${parts.join(',')}}` : '';
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.kind}`);
    for (const { values, child } of this.children.values()) this.renderChild(out, values, child);
  }
  protected abstract renderChild(out: string[], values: readonly string[], child: C): void;
}

export class Counter extends Metric<CounterChild> {
  protected create() {
    return new CounterChild();
  }
  inc(n = 1): void {
    this.labels().inc(n);
  }
  protected renderChild(out: string[], values: readonly string[], c: CounterChild) {
    out.push(`${this.name}${this.labelText(values)} ${formatValue(c.value)}`);
  }
}

export class Gauge extends Metric<GaugeChild> {
  protected create() {
    return new GaugeChild();
  }
  set(v: number): void {
    this.labels().set(v);
  }
  protected renderChild(out: string[], values: readonly string[], g: GaugeChild) {
    out.push(`${this.name}${this.labelText(values)} ${formatValue(g.value)}`);
  }
}

export class Histogram extends Metric<HistogramChild> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {
    if (buckets.length === 0 || buckets.some((b, i) => i > 0 && b <= buckets[i - 1]!))
      throw new TypeError(`${name}: buckets must be non-empty and strictly increasing`);
    super(name, help, labelNames, 'histogram');
  }
  protected create() {
    return new HistogramChild(this.buckets);
  }
  observe(v: number): void {
    this.labels().observe(v);
  }
  protected renderChild(out: string[], values: readonly string[], h: HistogramChild) {
    let cumulative = 0;
    for (let i = 0; i <= this.buckets.length; i++) {
      cumulative += h.counts[i]!;
      const le = i < this.buckets.length ? formatValue(this.buckets[i]!) : '+Inf';
      out.push(`${this.name}_bucket${this.labelText(values, `le="${le}"`)} ${cumulative}`);
    }
    out.push(`${this.name}_sum${this.labelText(values)} ${formatValue(h.sum)}`);
    out.push(`${this.name}_count${this.labelText(values)} ${h.count}`);
  }
}

export class Registry {
  private readonly metrics = new Map<string, Metric<unknown>>();

  private add<M extends Metric<unknown>>(metric: M): M {
    if (this.metrics.has(metric.name)) throw new TypeError(`metric ${metric.name} registered twice`);
    this.metrics.set(metric.name, metric);
    if (metric.labelNames.length === 0) metric.labels(); // a label-less series exists from the start, at 0
    return metric;
  }
  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(new Counter(name, help, labelNames, 'counter'));
  }
  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.add(new Gauge(name, help, labelNames, 'gauge'));
  }
  histogram(
    name: string,
    help: string,
    labelNames: readonly string[],
    buckets: readonly number[],
  ): Histogram {
    return this.add(new Histogram(name, help, labelNames, buckets));
  }

  /** Text exposition format 0.0.4 (Content-Type `text/plain; version=0.0.4; charset=utf-8`). */
  render(): string {
    const out: string[] = [];
    for (const m of this.metrics.values()) m.render(out);
    return `${out.join('\n')}\n`;
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * One key per list of label values: each value with its length in front, so no two lists share a key
 * whatever characters they hold (values joined by NUL merged ['a\0b', 'c'] with ['a', 'b\0c']).
 */
function childKey(values: readonly string[]): string {
  let key = '';
  for (const v of values) key += `${v.length}:${v}`;
  return key;
}
