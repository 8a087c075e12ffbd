// IPv6 endpoints have one spelling in the bundle (RFC 5952), so re-spelling an address in the spec
// changes no bundle and shows as no endpoint change in `meshc plan`.
import { describe, expect, it } from 'vitest';
import { canonicalIpv6, parseEndpoint } from '../../compiler/normalize/endpoints.js';

/** Address as written -> its RFC 5952 text. */
const CANONICAL: Record<string, string> = {
  '0:0:0:0:0:0:0:1': '::1',
  '::1': '::1',
  '0:0:0:0:0:0:0:0': '::',
  '2001:DB8:0000:0000:0000:0000:0000:0001': '2001:db8::1',
  '2001:db8::0:1': '2001:db8::1',
  // One zero group is written out, not as `::` (RFC 5952 §4.2.2).
  '2001:db8:0:1:1:1:1:1': '2001:db8:0:1:1:1:1:1',
  '2001:db8::1:1:1:1:1': '2001:db8:0:1:1:1:1:1',
  // The longest run is shortened; of equal runs, the first (§4.2.3).
  '2001:0:0:1:0:0:0:1': '2001:0:0:1::1',
  '2001:db8:0:0:1:0:0:1': '2001:db8::1:0:0:1',
  'fd00:00ab:0:0:0:0:0:0': 'fd00:ab::',
  // IPv4-mapped: dotted decimal (§5), however it was written.
  '::ffff:7f00:1': '::ffff:127.0.0.1',
  '0:0:0:0:0:ffff:127.0.0.1': '::ffff:127.0.0.1',
  '::127.0.0.1': '::7f00:1',
};

describe('canonicalIpv6', () => {
  it('writes every address in its RFC 5952 form', () => {
    const written = Object.keys(CANONICAL).map((text) => [text, canonicalIpv6(text)]);
    expect(Object.fromEntries(written)).toEqual(CANONICAL);
  });

  it.each([
    ':::',
    '1:2',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7::8',
    '12345::',
    '::1.2.3.256',
    ':1::',
  ])('%s is not an IPv6 address', (text) => {
    expect(canonicalIpv6(text)).toBeUndefined();
  });
});

describe('parseEndpoint', () => {
  it('gives every spelling of an IPv6 endpoint the same host', () => {
    for (const text of ['[::1]:21106', '[0:0:0:0:0:0:0:1]:21106', '[0000::0001]:21106']) {
      expect(parseEndpoint(text)).toEqual({ kind: 'static', host: '::1', port: 21106 });
    }
  });

  it('keeps a bracketed literal that is not an address as written, lower-cased', () => {
    expect(parseEndpoint('[1:2]:80')).toEqual({ kind: 'static', host: '1:2', port: 80 });
  });
});
