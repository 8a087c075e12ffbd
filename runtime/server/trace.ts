// Request correlation: every request leaves the proxy with an `x-request-id` and a W3C `traceparent`.
// Both are propagated untouched when present; a missing one is generated (the trace flagged sampled
// with the bundle's sampling probability), so the app and the next hop can log the same ids.
import type { OutgoingHttpHeaders } from 'node:http';
import { randomFillSync, randomUUID } from 'node:crypto';
import type { Random } from '../clock.js';

/** Fills in the correlation headers that are missing; returns the request id. */
export function ensureTraceHeaders(headers: OutgoingHttpHeaders, sampling: number, random: Random): string {
  let id = headers['x-request-id'];
  if (typeof id !== 'string' || id === '') {
    id = randomUUID();
    headers['x-request-id'] = id;
  }
  if (headers.traceparent === undefined) headers.traceparent = newTraceparent(random() < sampling);
  return id;
}

/** `00-<32 hex trace id>-<16 hex parent id>-<flags>` (W3C Trace Context, version 00). */
export function newTraceparent(sampled: boolean): string {
  const hex = randomHex(24);
  return `00-${hex.slice(0, 32)}-${hex.slice(32)}-${sampled ? '01' : '00'}`;
}

/** Entropy drawn from the CSPRNG in batches (as randomUUID does): one syscall per ~170 ids. */
const pool = Buffer.alloc(4096);
let offset = pool.length;

function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}
