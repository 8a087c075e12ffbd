// Where the Envoy sidecar finds its certificate files. Envoy reads TLS material by path (it
// watches and reloads the files), so the bootstrap names files rather than embedding keys.
import { posix } from 'node:path';
import type { Bundle } from '../../../schema/bundle.types.generated.js';

export interface EnvoyOptions {
  /**
   * Directory holding `<service>.crt` and `<service>.key` as `meshc certs issue` names them, and
   * `trust-roots.pem`; default `/etc/meshc/certs`.
   */
  readonly certDir?: string;
  /**
   * `file` (default): the trust roots are read from `<certDir>/trust-roots.pem`, which the
   * deployment provides. `inline`: the bundle's roots are written into the bootstrap, so a roots
   * change in the spec reaches Envoy with the next compile, as it reaches the native proxy.
   */
  readonly trustRoots?: 'file' | 'inline';
}

export const DEFAULT_CERT_DIR = '/etc/meshc/certs';
export const TRUST_ROOTS_FILE = 'trust-roots.pem';

/** The effective TLS material of one service's sidecar: DataSource objects, ready to embed. */
export interface TlsMaterial {
  readonly certificateChain: { filename: string };
  readonly privateKey: { filename: string };
  readonly trustedCa: { filename: string } | { inline_string: string };
}

export function tlsMaterial(bundle: Bundle, options: EnvoyOptions): TlsMaterial {
  const dir = options.certDir ?? DEFAULT_CERT_DIR;
  const file = (name: string) => ({ filename: posix.join(dir, name) });
  return {
    certificateChain: file(`${bundle.service}.crt`),
    privateKey: file(`${bundle.service}.key`),
    trustedCa:
      options.trustRoots === 'inline'
        ? { inline_string: bundle.trustRoots.map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)).join('') }
        : file(TRUST_ROOTS_FILE),
  };
}
