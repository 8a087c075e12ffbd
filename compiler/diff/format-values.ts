// How plan output writes values people read: durations, percentages, endpoints, matches, callers.
// Shared by every change description so text, markdown and JSON `text` fields say the same thing.
import type {
  BundleEndpoint,
  BundleMatch,
  PathPattern,
  ValueMatch,
} from '../../schema/bundle.types.generated.js';
import { formatSize } from '../format-size.js';
import { hostPort } from '../../runtime/host-port.js';

/** 2000 -> `2s`, 500 -> `500ms`, 90000 -> `90s`, 120000 -> `2m`. */
export function formatMs(ms: number): string {
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms !== 0 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Byte counts with a sign: `+120 B`, `-1.5 KiB`, `±0 B`. */
export function formatSizeDelta(bytes: number): string {
  const sign = bytes > 0 ? '+' : bytes < 0 ? '-' : '±';
  return `${sign}${formatSize(Math.abs(bytes))}`;
}

/** As written in a spec: `10.0.0.1:15006`, `[fd00::1]:15006`, `dns:name:15006`. */
export function formatEndpoint(e: BundleEndpoint): string {
  if (e.kind === 'dns') return `dns:${e.host}:${e.port}`;
  return hostPort(e.host, e.port);
}

/** `GET prefix /reviews, header end-user = jason, query lang ^= en`; `any request` when empty. */
export function formatMatch(m: BundleMatch): string {
  const parts: string[] = [];
  if (m.method) parts.push(m.method);
  if (m.path) parts.push(`${m.path.kind} ${m.path.value}`);
  for (const h of m.headers) parts.push(`header ${formatValueMatch(h)}`);
  for (const q of m.query) parts.push(`query ${formatValueMatch(q)}`);
  return parts.length === 0 ? 'any request' : parts.join(', ');
}

function formatValueMatch(v: ValueMatch): string {
  switch (v.kind) {
    case 'present':
      return `${v.name} present`;
    case 'absent':
      return `${v.name} absent`;
    case 'exact':
      return `${v.name} = ${v.value}`;
    case 'prefix':
      return `${v.name} ^= ${v.value}`;
    case 'regex':
      return `${v.name} ~ ${v.value}`;
  }
}

/** An authorization path as the spec writes it: a prefix gets its `*` back. */
export function formatAuthzPath(p: PathPattern | null): string {
  if (p === null) return 'any path';
  return p.kind === 'prefix' ? `${p.value}*` : p.value;
}

/** A caller as a service name when it belongs to the trust domain, else the full SPIFFE id. */
export function callerName(spiffeId: string, trustDomain: string): string {
  if (spiffeId === '*') return 'any mesh identity';
  const prefix = `spiffe://${trustDomain}/`;
  return spiffeId.startsWith(prefix) ? spiffeId.slice(prefix.length) : spiffeId;
}

/** Any JSON value on one line, durations (fields ending in Ms) written as durations. */
export function formatValue(value: unknown, field = ''): string {
  if (typeof value === 'number' && field.endsWith('Ms')) return formatMs(value);
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
