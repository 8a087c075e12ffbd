// Certificate serial numbers: 128 random bits (CA/B forum asks for at least 64), positive and
// non-zero as RFC 5280 requires. The random source is injected so tests are reproducible.
import { randomBytes } from 'node:crypto';

/** A source of random bytes; node's randomBytes by default, a seeded one in tests. */
export type RandomBytes = (size: number) => Uint8Array;

export const cryptoRandom: RandomBytes = (size) => randomBytes(size);

/** A serial number as the hex string @peculiar/x509 expects. */
export function randomSerial(random: RandomBytes = cryptoRandom): string {
  const bytes = Uint8Array.from(random(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01; // positive, and never a leading zero byte to strip
  return Buffer.from(bytes).toString('hex');
}
