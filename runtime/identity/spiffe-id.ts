// Strict SPIFFE id parsing (the rules of the SPIFFE-ID spec, as go-spiffe applies them): the proxy
// authorizes on these ids, so anything ambiguous (case, dots, empty segments, ports) is refused.
import { IdentityError } from './errors.js';

export interface SpiffeId {
  /** The whole id, e.g. `spiffe://shop.local/reviews`. */
  readonly uri: string;
  readonly trustDomain: string;
  /** The path without its leading slash, e.g. `reviews`; empty for a trust domain id. */
  readonly path: string;
  readonly segments: readonly string[];
}

const SCHEME = 'spiffe://';
const MAX_LENGTH = 2048;
const TRUST_DOMAIN_CHAR = /^[a-z0-9._-]$/;
const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Parses `spiffe://<trust-domain>[/<segment>...]`; throws IDENTITY_BAD_SPIFFE_ID with the reason. */
export function parseSpiffeId(value: string): SpiffeId {
  const fail = (why: string): never => {
    throw new IdentityError('IDENTITY_BAD_SPIFFE_ID', `invalid SPIFFE id ${JSON.stringify(value)}: ${why}`);
  };
  if (value.length === 0) fail('empty');
  if (value.length > MAX_LENGTH) fail(`longer than ${MAX_LENGTH} characters`);
  if (!value.startsWith(SCHEME)) fail('scheme must be "spiffe://" (lowercase)');
  const rest = value.slice(SCHEME.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  checkTrustDomain(trustDomain, fail);
  if (slash === -1) return { uri: value, trustDomain, path: '', segments: [] };
  const path = rest.slice(slash + 1);
  const segments = path.split('/');
  for (const segment of segments) {
    if (segment === '') fail(path === '' || path.endsWith('/') ? 'trailing slash' : 'empty path segment');
    if (segment === '.' || segment === '..') fail('path segments "." and ".." are not allowed');
    if (!SEGMENT.test(segment)) fail(`path segment "${segment}" has characters outside [A-Za-z0-9._-]`);
  }
  return { uri: value, trustDomain, path, segments };
}

function checkTrustDomain(td: string, fail: (why: string) => never): void {
  if (td === '') fail('missing trust domain');
  for (const ch of td) {
    if (TRUST_DOMAIN_CHAR.test(ch)) continue;
    if (ch === ':') fail('trust domain must not have a port');
    if (ch === '@') fail('trust domain must not have user info');
    if (ch === '?' || ch === '#') fail('query and fragment are not allowed');
    fail(`trust domain has character "${ch}" outside [a-z0-9._-]`);
  }
}

/** True when `td` is a valid SPIFFE trust domain name. */
export function isValidTrustDomain(td: string): boolean {
  try {
    return parseSpiffeId(SCHEME + td).path === '';
  } catch {
    return false;
  }
}

/** The workload id of a mesh service: `spiffe://<trustDomain>/<service>`. */
export function formatSpiffeId(trustDomain: string, service: string): string {
  return parseSpiffeId(`${SCHEME}${trustDomain}/${service}`).uri;
}

/** The mesh service an id names (its single path segment), or undefined for any other shape. */
export function serviceOfSpiffeId(id: SpiffeId): string | undefined {
  return id.segments.length === 1 ? id.segments[0] : undefined;
}
