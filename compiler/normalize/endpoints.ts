// Endpoint strings of the spec (`ip:port`, `[ipv6]:port`, `dns:name:port`) as typed addresses, and
// the versions they belong to: plain `endpoints:` is one version named `default`.
import type { ServiceSpec } from '../../schema/mesh.types.generated.js';
import type { EndpointModel, VersionModel } from '../model.js';

/** The version name plain `endpoints:` stands for. */
export const DEFAULT_VERSION = 'default';

/** Parses an endpoint that validation accepted; the port is after the last colon in every form. */
export function parseEndpoint(text: string): EndpointModel {
  const colon = text.lastIndexOf(':');
  const port = Number(text.slice(colon + 1));
  if (text.startsWith('dns:')) return { kind: 'dns', host: text.slice(4, colon).toLowerCase(), port };
  if (text.startsWith('[')) {
    // One address, one spelling: `[0:0:0:0:0:0:0:1]` and `[::1]` give the same bundle.
    const literal = text.slice(1, colon - 1).toLowerCase();
    return { kind: 'static', host: canonicalIpv6(literal) ?? literal, port };
  }
  return { kind: 'static', host: text.slice(0, colon), port };
}

/** Versions sorted by name, endpoints in spec order. */
export function normalizeVersions(spec: ServiceSpec): VersionModel[] {
  if (spec.endpoints) return [{ name: DEFAULT_VERSION, endpoints: spec.endpoints.map(parseEndpoint) }];
  return Object.keys(spec.versions ?? {})
    .sort()
    .map((name) => ({
      name,
      endpoints: (spec.versions?.[name]?.endpoints ?? []).map(parseEndpoint),
    }));
}

/**
 * The RFC 5952 text of an IPv6 address: lower case, no leading zeros, the longest run of two or more
 * zero groups (the first of equal runs) as `::`, an IPv4-mapped address (::ffff:0:0/96) ending in
 * dotted decimal. Undefined when `text` is not an IPv6 address (the schema admits any hex, `:` and `.`).
 */
export function canonicalIpv6(text: string): string | undefined {
  const groups = ipv6Groups(text.toLowerCase());
  if (!groups) return undefined;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [a, b] = [groups[6]!, groups[7]!];
    return `::ffff:${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
  }
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > bestLength) [best, bestLength] = [i, end - i];
    i = Math.max(end, i + 1);
  }
  const hex = groups.map((g) => g.toString(16));
  if (best === -1) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}

/** The eight 16-bit groups of an IPv6 address (RFC 4291 §2.2 text forms), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  let hexText = text;
  const v4 = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const octets = v4.slice(2).map(Number);
    if (octets.some((o) => o > 255)) return undefined;
    const [a, b, c, d] = octets as [number, number, number, number];
    hexText = `${v4[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = hexText.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (half: string) => (half === '' ? [] : half.split(':'));
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (![...head, ...tail].every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const zeros = halves.length === 2 ? Array.from({ length: missing }, () => '0') : [];
  return [...head, ...zeros, ...tail].map((g) => parseInt(g, 16));
}
