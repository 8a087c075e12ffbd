// JSON pointers (RFC 6901) into spec documents, and the short human form used in messages
// ("routes[1].retries"), so every diagnostic names a place the way the YAML reads.

/** Escapes one property name for use as a JSON pointer segment. */
export function escapeSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Appends segments (property names or indexes) to a pointer, escaping each. */
export function joinPointer(base: string, ...segments: readonly (string | number)[]): string {
  let out = base;
  for (const s of segments) out += `/${typeof s === 'number' ? s : escapeSegment(s)}`;
  return out;
}

export function splitPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The pointer of the parent value, or undefined at the document root. */
export function parentPointer(pointer: string): string | undefined {
  if (pointer === '') return undefined;
  return pointer.slice(0, pointer.lastIndexOf('/'));
}

/** True when the last segment is an array index (so the value has no key of its own). */
export function endsWithIndex(pointer: string): boolean {
  return /\/(0|[1-9][0-9]*)$/.test(pointer);
}

/**
 * `/spec/routes/1/retries` -> `routes[1].retries`. The `spec` level is implied (every field a user
 * writes lives there), so it is dropped; the document root reads as "the document".
 */
export function describePointer(pointer: string): string {
  const segments = splitPointer(pointer);
  if (segments.length === 0) return 'the document';
  if (segments[0] === 'spec' && segments.length > 1) segments.shift();
  let out = '';
  for (const s of segments) {
    if (/^(0|[1-9][0-9]*)$/.test(s)) out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
  }
  return out;
}
