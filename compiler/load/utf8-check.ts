// Where text that should be UTF-8 is not, for files meshc reads as text (spec files, templates).
// The offset is found from the bytes themselves: the first U+FFFD of a lenient decode is the wrong
// place when the file holds a real U+FFFD before the bad byte.

/** A UTF-16 byte order mark: the file is UTF-16, which calls for a message of its own. */
export function startsAsUtf16(bytes: Uint8Array): boolean {
  return (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
}

/**
 * The offset of the first byte that starts no well-formed UTF-8 sequence (Unicode's table 3-7:
 * no overlong forms, no surrogates, nothing past U+10FFFF), or -1 when all of `bytes` is UTF-8.
 */
export function firstNonUtf8Byte(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const seq = sequenceOf(lead);
    if (!seq) return i;
    for (let k = 1; k <= seq.trail; k++) {
      const b = bytes[i + k];
      const [lo, hi] = k === 1 ? [seq.lo, seq.hi] : [0x80, 0xbf];
      if (b === undefined || b < lo || b > hi) return i;
    }
    i += seq.trail + 1;
  }
  return -1;
}

/** How many continuation bytes `lead` takes and the range of the first one. */
function sequenceOf(lead: number): { trail: number; lo: number; hi: number } | undefined {
  if (lead >= 0xc2 && lead <= 0xdf) return { trail: 1, lo: 0x80, hi: 0xbf };
  if (lead === 0xe0) return { trail: 2, lo: 0xa0, hi: 0xbf };
  if (lead === 0xed) return { trail: 2, lo: 0x80, hi: 0x9f };
  if (lead >= 0xe1 && lead <= 0xef) return { trail: 2, lo: 0x80, hi: 0xbf };
  if (lead === 0xf0) return { trail: 3, lo: 0x90, hi: 0xbf };
  if (lead === 0xf4) return { trail: 3, lo: 0x80, hi: 0x8f };
  if (lead >= 0xf1 && lead <= 0xf3) return { trail: 3, lo: 0x80, hi: 0xbf };
  return undefined;
}
