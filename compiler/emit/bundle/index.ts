// The native target: a planned bundle as canonical JSON bytes, named by a hash of those bytes so
// the same content always gets the same version and different content never shares one.
import type { Bundle, Destination } from '../../../schema/bundle.types.generated.js';
import { contentVersion, serializeCanonical, sortedCopy } from '../../../schema/store-format.js';
import { memoByObject } from '../../memo-by-object.js';

/** A bundle ready for the store: exact bytes and the content-derived version naming them. */
export interface EmittedBundle {
  readonly service: string;
  readonly bundle: Bundle;
  readonly bytes: Uint8Array;
  /** First 16 hex digits of sha256. */
  readonly version: string;
  readonly sha256: string;
  readonly commit: string | null;
}

export function emitBundle(bundle: Bundle): EmittedBundle {
  const bytes = new TextEncoder().encode(serializeBundle(bundle));
  const { version, sha256 } = contentVersion(bytes);
  return {
    service: bundle.service,
    bundle,
    bytes,
    version,
    sha256,
    commit: bundle.commit,
  };
}

/**
 * serializeCanonical(bundle), writing each destination of `outbound` from memory when an earlier
 * bundle of this compile held the same planned object (plan/destination.ts plans each callee once):
 * its callers' sections were most of a bundle's bytes, serialized again for every caller.
 */
export function serializeBundle(bundle: Bundle): string {
  if (bundle.outbound.length === 0) return serializeCanonical(bundle);
  const text = serializeCanonical({ ...bundle, outbound: OUTBOUND_SLOT });
  const at = text.indexOf(OUTBOUND_SLOT_JSON);
  // A string of the spec spelling the slot out would be ambiguous: then no shortcut.
  if (at < 0 || text.includes(OUTBOUND_SLOT_JSON, at + 1)) return serializeCanonical(bundle);
  const items = bundle.outbound.map(destinationText);
  return `${text.slice(0, at)}[\n    ${items.join(',\n    ')}\n  ]${text.slice(at + OUTBOUND_SLOT_JSON.length)}`;
}

/** Stands for `outbound` in the bundle's text while the rest is serialized. */
const OUTBOUND_SLOT = '\u0000meshc:outbound\u0000';
const OUTBOUND_SLOT_JSON = JSON.stringify(OUTBOUND_SLOT);

/** A destination's canonical text as it stands in `outbound`: two levels deep, indented by four spaces. */
const destinationText = memoByObject((destination: Destination): string => {
  // Written two levels down, where JSON.stringify indents it as `outbound` holds it; the wrapper's
  // brackets are cut off. (Indenting the text afterwards cost as much again: replaceAll made a rope
  // that every bundle's join walked anew, split and join copied it line by line.)
  const nested = JSON.stringify([[sortedCopy(destination)]], null, 2);
  return nested.slice(NESTED_OPEN.length, -NESTED_CLOSE.length);
});

/** What JSON.stringify([[x]], null, 2) writes around x. */
const NESTED_OPEN = '[\n  [\n    ';
const NESTED_CLOSE = '\n  ]\n]';
