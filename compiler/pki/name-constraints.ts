// The name constraints of a CA (RFC 5280 §4.2.1.10), for the two name forms a workload certificate
// carries: its DNS SAN and its SPIFFE URI SAN. A verifier rejects a certificate with a name outside
// a CA's permitted subtrees or inside its excluded ones, so meshc checks before it signs.

/** The DNS and URI-host subtrees one CA certificate permits and excludes; other name forms are ignored. */
export interface NameConstraints {
  readonly permittedDns: readonly string[];
  readonly excludedDns: readonly string[];
  readonly permittedUriHosts: readonly string[];
  readonly excludedUriHosts: readonly string[];
}

const DNS_NAME = 0x82; // [2] IMPLICIT IA5String
const URI = 0x86; // [6] IMPLICIT IA5String

/**
 * Reads the DER value of a nameConstraints extension: SEQUENCE { [0] permitted, [1] excluded }, each
 * a SEQUENCE OF GeneralSubtree (SEQUENCE { base GeneralName, ... }). Throws on malformed DER.
 */
export function parseNameConstraints(der: Uint8Array): NameConstraints {
  const out = { permittedDns: [], excludedDns: [], permittedUriHosts: [], excludedUriHosts: [] } as {
    [K in keyof NameConstraints]: string[];
  };
  const [outer] = readTlvs(der, 0, der.length);
  if (!outer || outer.tag !== 0x30) throw new Error('nameConstraints is not a SEQUENCE');
  for (const subtrees of readTlvs(der, outer.start, outer.end)) {
    const excluded = subtrees.tag === 0xa1;
    if (!excluded && subtrees.tag !== 0xa0) throw new Error('unexpected nameConstraints field');
    for (const subtree of readTlvs(der, subtrees.start, subtrees.end)) {
      const [base] = readTlvs(der, subtree.start, subtree.end);
      if (!base) throw new Error('empty GeneralSubtree');
      const text = Buffer.from(der.subarray(base.start, base.end)).toString('latin1').toLowerCase();
      if (base.tag === DNS_NAME) (excluded ? out.excludedDns : out.permittedDns).push(text);
      if (base.tag === URI) (excluded ? out.excludedUriHosts : out.permittedUriHosts).push(text);
    }
  }
  return out;
}

/** Whether every CA of the chain allows the DNS name `name`. */
export function permitsDnsName(chain: readonly NameConstraints[], name: string): boolean {
  return chain.every((c) => permits(c.permittedDns, c.excludedDns, name, dnsWithin));
}

/** Whether every CA of the chain allows a URI whose host is `host`. */
export function permitsUriHost(chain: readonly NameConstraints[], host: string): boolean {
  return chain.every((c) => permits(c.permittedUriHosts, c.excludedUriHosts, host, hostWithin));
}

function permits(
  permitted: readonly string[],
  excluded: readonly string[],
  name: string,
  within: (name: string, subtree: string) => boolean,
): boolean {
  const n = name.toLowerCase();
  if (excluded.some((s) => within(n, s))) return false;
  return permitted.length === 0 || permitted.some((s) => within(n, s));
}

/** DNS: the subtree and any name made by adding labels on its left ('' is every name; `.x` only below x). */
function dnsWithin(name: string, subtree: string): boolean {
  if (subtree.startsWith('.')) return name.endsWith(subtree);
  return subtree === '' || name === subtree || name.endsWith(`.${subtree}`);
}

/** URI host: `.example.com` is any host below it, `example.com` that host only. */
function hostWithin(host: string, subtree: string): boolean {
  return subtree.startsWith('.') ? host.endsWith(subtree) : host === subtree;
}

interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

/** The DER elements between `from` and `to`, in order. */
function readTlvs(der: Uint8Array, from: number, to: number): Tlv[] {
  const out: Tlv[] = [];
  let i = from;
  while (i < to) {
    const tag = der[i++]!;
    let length = der[i++]!;
    if (length & 0x80) {
      const bytes = length & 0x7f;
      if (bytes === 0 || bytes > 3) throw new Error('unsupported DER length');
      length = 0;
      for (let b = 0; b < bytes; b++) length = (length << 8) | der[i++]!;
    }
    if (i + length > to) throw new Error('DER element runs past its parent');
    out.push({ tag, start: i, end: i + length });
    i += length;
  }
  return out;
}
