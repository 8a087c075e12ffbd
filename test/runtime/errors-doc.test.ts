// Every request-path error code is documented in docs/proxy.md, with the status the table gives it,
// so an operator can look up any x-meshc-error they see; and every reason a tcp connection's record
// can give is listed with meshc_tcp_connections_total in docs/proxy-operations.md, as is every reason
// of meshc_tls_handshake_failures_total and of meshc_trace_spans_total.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FaultAbortError, PROXY_ERRORS, UpstreamTimeoutError } from '../../runtime/errors.js';
import { TLS_HANDSHAKE_FAILURES } from '../../runtime/identity/handshake-failure.js';
import { TCP_CONNECTION_ERRORS } from '../../runtime/observer.js';
import { SPAN_RESULTS } from '../../runtime/telemetry/span-results.js';

const readDoc = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../docs/${name}`, import.meta.url)), 'utf8');
const doc = readDoc('proxy.md');

describe('runtime error codes', () => {
  it.each(Object.entries(PROXY_ERRORS))('%s is documented with its status', (code, { status }) => {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
    expect(row, `docs/proxy.md has no table row for ${code}`).toBeDefined();
    if (code !== 'fault-abort') expect(row).toContain(`| ${status} |`);
  });

  it('documents no code the table lacks', () => {
    const documented = [...doc.matchAll(/^\| `([a-z0-9-]+)` \| (?:\d{3}|from)/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(PROXY_ERRORS).sort());
  });

  it('error classes carry their table status; fault aborts carry the rule status', () => {
    expect(new UpstreamTimeoutError('x').status).toBe(504);
    expect(new FaultAbortError(418, 'r:1').status).toBe(418);
  });
});

/** The backquoted values listed after `label` in the metrics table row of `metric`. */
function listedValues(metric: string, label: string): string[] {
  const row = readDoc('proxy-operations.md')
    .split('\n')
    .find((line) => line.startsWith(`| \`${metric}\` |`));
  expect(row, `docs/proxy-operations.md has no row for ${metric}`).toBeDefined();
  return [...row!.split(`\`${label}\``)[1]!.matchAll(/`([a-z0-9-]+)`/g)].map((m) => m[1]!);
}

describe('tcp connection results', () => {
  it('meshc_tcp_connections_total lists every reason a tcp record can give, and no other', () => {
    const listed = listedValues('meshc_tcp_connections_total', 'result');
    expect(listed.filter((code) => code !== 'ok').sort()).toEqual([...TCP_CONNECTION_ERRORS].sort());
  });
});

describe('TLS handshake failure reasons', () => {
  it('meshc_tls_handshake_failures_total lists every reason, and no other', () => {
    const listed = listedValues('meshc_tls_handshake_failures_total', 'reason');
    expect(listed.sort()).toEqual([...TLS_HANDSHAKE_FAILURES].sort());
  });
});

describe('span export results', () => {
  it('meshc_trace_spans_total lists every result and reason, and no other', () => {
    const listed = listedValues('meshc_trace_spans_total', 'result');
    const known = SPAN_RESULTS.flatMap(([result, reasons]) => [result, ...reasons.filter((r) => r !== '')]);
    expect([...new Set(listed)].sort()).toEqual([...new Set(known)].sort());
  });
});
