// What rollout and rollback say when the proxy's own verification refuses the current manifest or the
// target bundle: the proxy's errors mapped to rollout's codes, each with a hint that fits its case
// (the proxy's wording speaks of flags rollout does not have, and of "this proxy").
import {
  BundleFormatUnknownError,
  BundleSignatureInvalidError,
  BundleSignatureMalformedError,
  BundleWrongServiceError,
  ManifestSignatureInvalidError,
  ManifestWrongServiceError,
  UnsignedError,
} from '../../runtime/bundle/errors.js';
import { BUNDLE_FORMAT, storePaths } from '../../schema/store-format.js';
import { RolloutError } from './rollout-errors.js';

const RECOMPILE = 'compile the store again (meshc compile --out) to rewrite it';

/**
 * Why the current manifest was refused: malformed (it does not parse as a manifest of `service`, or its
 * .sig is no signature) or signed by another key, told apart by parsing before the signature is checked.
 */
export function manifestRefusal(err: unknown, service: string): RolloutError {
  // Checked after the manifest parsed as one: only the signer (or an edit since signing) is left.
  if (err instanceof ManifestSignatureInvalidError)
    return new RolloutError(
      'ROLLOUT_KEY_MISMATCH',
      `the manifest of ${service} does not verify with this signing key: another key signed it, or it changed since`,
      "pass the key the store was compiled with (the pair of the proxies' --verify-key); if that is this one, compile the store again",
    );
  const why =
    err instanceof ManifestWrongServiceError
      ? `it is the manifest of service "${err.named}"`
      : (err as Error).message;
  return new RolloutError(
    'ROLLOUT_MANIFEST_INVALID',
    `the manifest of ${service} is invalid: ${why}`,
    RECOMPILE,
  );
}

/** The target bundle's bytes are its version's (checked before): why the proxy would still refuse it. */
export function targetRefusal(err: unknown, service: string, to: string): RolloutError {
  const invalid = (why: string, hint: string) =>
    new RolloutError('ROLLOUT_VERSION_INVALID', `bundle ${to} of ${service} cannot be used: ${why}`, hint);
  const sigFile = storePaths.bundleSig(service, to);
  // A signature made again is enough: the bytes are intact and the same compile gives the same bytes.
  const resign = (what: string) =>
    `${what}: compile the commit that built it with the current key into a scratch directory (meshc compile --ref COMMIT --out DIR) and copy its bundles/${to}.sig into the store`;
  // The bytes are the version's: only the signer differs, as after a key rotation, when a compile
  // re-signs the current bundles and leaves the older ones with the old key's .sig.
  if (err instanceof BundleSignatureInvalidError)
    return invalid(
      'its signature does not verify with this signing key',
      resign(
        'its bytes are intact but another key signed them (after a key rotation, versions no longer current keep the old signature)',
      ),
    );
  if (err instanceof UnsignedError)
    return invalid(
      `it has no ${sigFile}, and proxies refuse an unsigned bundle`,
      resign('its bytes are intact'),
    );
  const why = (err as Error).message;
  if (err instanceof BundleSignatureMalformedError) return invalid(why, resign('its bytes are intact'));
  if (err instanceof BundleFormatUnknownError)
    return invalid(
      `its format is ${JSON.stringify(err.format)}, and this meshc reads ${BUNDLE_FORMAT}`,
      'compiled by another meshc version? proxies of this version refuse it too: roll out a version this meshc compiled',
    );
  if (err instanceof BundleWrongServiceError)
    return invalid(
      `it is a bundle of service "${err.named}"`,
      `copied from another service's bundles/? proxies of ${service} refuse it: roll out a version of ${service}`,
    );
  return invalid(why, `it is not a bundle of ${service} that a proxy can run: roll out another version`);
}
