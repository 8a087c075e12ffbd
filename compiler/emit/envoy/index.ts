// The `envoy` compile target: per service, a static Envoy v3 bootstrap doing what the native
// bundle does, at envoy/<svc>/envoy.yaml in the store. Mapping and limits: docs/envoy.md.
import type { Bundle } from '../../../schema/bundle.types.generated.js';
import { storePaths } from '../../../schema/store-format.js';
import type { EmittedFile } from '../targets.js';
import { emitEnvoyBootstrap } from './bootstrap.js';
import type { EnvoyOptions } from './options.js';

export { buildEnvoyBootstrap, emitEnvoyBootstrap } from './bootstrap.js';
export { DEFAULT_CERT_DIR, type EnvoyOptions, TRUST_ROOTS_FILE } from './options.js';

/** The files of the envoy target for one bundle. */
export function emitEnvoy(bundle: Bundle, options: EnvoyOptions = {}): EmittedFile[] {
  return [
    {
      path: storePaths.envoy(bundle.service),
      bytes: new TextEncoder().encode(emitEnvoyBootstrap(bundle, options)),
    },
  ];
}

/**
 * The registered target (emit/targets.ts): certificates under the default directory, trust roots
 * from a file. A function declaration on purpose: targets.ts and this folder import each other
 * (errors.ts needs TargetError), and a hoisted function is usable whichever module loads first.
 */
export function emitEnvoyTarget(bundle: Bundle): EmittedFile[] {
  return emitEnvoy(bundle);
}
