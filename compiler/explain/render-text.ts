// The text form of an explanation: one block per hop (route with its spec line, versions with their
// chances, the policies that apply, the callee's authorization decision with its rule), then the
// outcome. Plain data in, a string out; control characters from the spec or the request (an ESC
// sequence in a header value or a route name) are written as escapes, never sent to the terminal.
import { visible } from '../render/visible.js';
import type { Trace, TraceHop } from '../../runtime/explain/trace.js';
import type { RoutedHop } from '../../runtime/explain/outbound.js';

/**
 * `bundles`, when given (a store was read), is the version explained per service and which of them a
 * rollout chose: with a rollout in progress, the reader must know which bundle answered.
 */
export function renderTraceText(
  trace: Trace,
  origin: string,
  bundles?: { versions: Record<string, string>; rolledOut: readonly string[] },
): string {
  const lines: string[] = [`explained from ${origin}`];
  if (bundles) {
    const named = Object.entries(bundles.versions).map(
      ([s, v]) => `${s} ${v}${bundles.rolledOut.includes(s) ? ' (rollout)' : ''}`,
    );
    lines.push(`bundles: ${named.join(', ')}`);
  }
  lines.push('');
  trace.hops.forEach((hop, i) => lines.push(...renderHop(hop, i), ''));
  lines.push(outcomeLine(trace));
  return `${lines.map((l) => visible(l)).join('\n')}\n`;
}

function renderHop(hop: TraceHop, i: number): string[] {
  const r = hop.request;
  // A request the caller's proxy refused to read has no destination or normalised path: as sent.
  const out = [
    'target' in r
      ? `hop ${i + 1}: ${hop.from}   ${r.method} ${r.target}`
      : `hop ${i + 1}: ${hop.from} -> ${hop.to}   ${r.method} ${r.path}${r.query === '' ? '' : `?${r.query}`}`,
  ];
  const row = (label: string, text: string) => out.push(`  ${label.padEnd(10)} ${text}`);
  const o = hop.outbound;
  if (o.decision !== 'routed') {
    row(o.decision, `${o.reason} (the proxy of ${hop.from} answers ${o.status})`);
    return out;
  }
  row('route', `${o.route.name}  (${o.route.source})`);
  o.backends.forEach((b, j) =>
    row(
      j === 0 ? 'versions' : '',
      `${b.version.padEnd(8)} ${percent(b.probability)}  ${b.endpoints.join(', ')}`,
    ),
  );
  row(
    'timeout',
    `${ms(o.timeoutMs)} for the whole request, retries included; connect ${ms(o.connectTimeoutMs)}`,
  );
  row('retries', retryText(o));
  const cb = o.circuitBreaker;
  row(
    'limits',
    `${cb.maxConnections} connections, ${cb.maxPendingRequests} pending, ${cb.maxRequests} requests`,
  );
  const od = o.outlierDetection;
  row(
    'outliers',
    `eject after ${od.consecutive5xx} consecutive 5xx for ${ms(od.baseEjectionTimeMs)}, at most ${od.maxEjectionPercent}%`,
  );
  const lb = o.loadBalancer;
  row('balancer', lb.hashHeader ? `${lb.policy} on header ${lb.hashHeader}` : lb.policy);
  if (o.fault) row('fault', faultText(o.fault));
  if (o.mirror) row('mirror', `${percent(o.mirror.percent / 100)} copied to ${o.mirror.version}`);
  const h = o.headers.request;
  const changes = [
    ...h.remove.map((n) => `-${n}`),
    ...h.set.map((p) => `${p.name}=${p.value}`),
    ...h.add.map((p) => `+${p.name}=${p.value}`),
  ];
  if (changes.length > 0) row('headers', changes.join(', '));
  const a = hop.inbound;
  if (a !== null && 'rule' in a)
    row('authz', `${a.decision === 'allow' ? 'allowed' : 'DENIED'}: ${a.reason}  (${a.rule})`);
  // The callee's listener refused the head as the caller's proxy forwards it: authorization is not asked.
  else if (a !== null) row(a.decision, `${a.reason} (the proxy of ${hop.to} answers ${a.status})`);
  return out;
}

function retryText(o: RoutedHop): string {
  const r = o.retries;
  if (r.attempts === 0) return 'none';
  const on = Object.entries(r.on)
    .filter(([k, v]) => k !== 'statuses' && v === true)
    .map(([k]) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace('any5xx', '5xx'));
  const when = [...on, ...r.on.statuses.map(String)].join(', ') || 'nothing';
  const applies = r.apply
    ? ''
    : ` (not for this request: ${r.idempotentOnly ? 'method not idempotent' : 'not retryable'})`;
  return `${r.attempts} x ${ms(r.perTryTimeoutMs)} per try on ${when}${applies}`;
}

function faultText(f: NonNullable<RoutedHop['fault']>): string {
  const parts: string[] = [];
  if (f.delay) parts.push(`delay ${ms(f.delay.durationMs)} on ${f.delay.percent}%`);
  if (f.abort) parts.push(`abort ${f.abort.status} on ${f.abort.percent}%`);
  return parts.join(', ');
}

function outcomeLine(trace: Trace): string {
  const last = trace.hops[trace.hops.length - 1]!;
  if (trace.refusal === null) {
    const o = last.outbound as RoutedHop;
    // A partial fault abort answers some requests before they are sent: said, with its share.
    const aborts = trace.hops.flatMap((h, i) => {
      const abort = (h.outbound as RoutedHop).fault?.abort;
      return abort && abort.percent > 0
        ? [`${abort.percent}% aborted with ${abort.status} at hop ${i + 1}`]
        : [];
    });
    const unless = aborts.length > 0 ? `, unless fault-aborted: ${aborts.join(', ')}` : '';
    return `result: reaches ${last.to} (${o.backends.map((b) => `${b.version} ${percent(b.probability)}`).join(', ')})${unless}`;
  }
  const f = trace.refusal;
  const rule = f.rule ? `, x-meshc-rule: ${f.rule}` : '';
  return `result: refused at hop ${f.hop + 1} with ${f.status} (x-meshc-error: ${f.error}${rule})`;
}

function percent(p: number): string {
  return `${Number((p * 100).toFixed(2))}%`;
}

/** 2000 -> 2s, 1500 -> 1.5s, 250 -> 250ms. */
export function ms(value: number): string {
  if (value >= 1000 && value % 100 === 0) return `${value / 1000}s`;
  return `${value}ms`;
}
