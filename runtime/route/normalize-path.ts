// The ONE path normalisation the proxy applies before routing AND authorization, and forwards: if
// the two disagreed, or the app saw a path other than the one authorized, `/admin` could be reached
// as `/public/../admin` or `/%61dmin` (Istio CVE-2021-39156, CVE-2021-31920). Rules in docs/proxy.md.

export type NormalizedPath = { path: string; query: string } | { error: string };

/** Paths with none of `%`, `\`, `#`, `//`, `/.` are already normal: the common case costs one test. */
const NEEDS_WORK = /[%\\#]|\/\/|\/\./;
const HEX = /^[0-9A-Fa-f]{2}$/;

/**
 * Normalises an origin-form request target: percent-decodes unreserved characters only, uppercases
 * the remaining escapes, rejects encoded `/` (%2F), `\` (%5C) and NUL (%00) and raw `\` or `#`,
 * removes dot-segments (RFC 3986 §5.2.4, where `..` drops an empty segment too), then merges
 * repeated slashes: Envoy's order (`normalize_path`, then `merge_slashes`), so `/public//../admin`
 * is `/public/admin` in both. The query is split off unchanged (it is never part of path matching).
 * Idempotent: merging slashes makes no dot-segment, so normalising a result returns it as is.
 */
export function normalizePath(raw: string): NormalizedPath {
  if (raw.charCodeAt(0) !== 0x2f) return { error: 'request target must start with "/"' };
  const q = raw.indexOf('?');
  const rawPath = q === -1 ? raw : raw.slice(0, q);
  const query = q === -1 ? '' : raw.slice(q + 1);
  if (query.includes('#')) return { error: 'fragment in request target' };
  if (!NEEDS_WORK.test(rawPath)) return { path: rawPath, query };
  const decoded = decodeUnreserved(rawPath);
  if (typeof decoded !== 'string') return decoded;
  return { path: removeDotSegments(decoded).replace(/\/{2,}/g, '/'), query };
}

function decodeUnreserved(path: string): string | { error: string } {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const ch = path[i]!;
    if (ch === '\\') return { error: 'backslash in path' };
    if (ch === '#') return { error: 'fragment in request target' };
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const hex = path.slice(i + 1, i + 3);
    if (!HEX.test(hex)) return { error: 'malformed percent-escape in path' };
    const byte = Number.parseInt(hex, 16);
    if (byte === 0x2f) return { error: 'encoded "/" (%2F) in path' };
    if (byte === 0x5c) return { error: 'encoded "\\" (%5C) in path' };
    if (byte === 0) return { error: 'encoded NUL (%00) in path' };
    out += isUnreserved(byte) ? String.fromCharCode(byte) : `%${hex.toUpperCase()}`;
    i += 2;
  }
  return out;
}

/** RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~". */
function isUnreserved(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    (b >= 0x30 && b <= 0x39) ||
    b === 0x2d ||
    b === 0x2e ||
    b === 0x5f ||
    b === 0x7e
  );
}

/**
 * RFC 3986 §5.2.4 for an absolute path: `.` goes, `..` drops the previous segment, empty or not, and
 * never climbs above the root; a trailing dot-segment leaves a trailing slash (`/a/b/..` is `/a/`).
 */
function removeDotSegments(path: string): string {
  const segments = path.split('/');
  const out: string[] = [];
  const last = segments.length - 1;
  for (let i = 1; i <= last; i++) {
    const s = segments[i]!;
    if (s === '.' || s === '..') {
      if (s === '..') out.pop();
      if (i === last) out.push('');
    } else {
      out.push(s);
    }
  }
  return `/${out.join('/')}`;
}
