// mTLS contexts: the inbound listener requires a client certificate chaining to the mesh roots
// with a SPIFFE id of the trust domain; each outbound cluster presents the workload certificate
// and accepts only the destination's exact SPIFFE id, as the native proxy does.
import type { EnvoyJson } from './values.js';
import { typed } from './values.js';
import type { TlsMaterial } from './options.js';

const TLS_SOCKET = 'envoy.transport_sockets.tls';

/** `sans`: URI SAN matchers, any of which admits the peer's certificate. */
function commonContext(tls: TlsMaterial, sans: readonly EnvoyJson[], alpn: readonly string[]): EnvoyJson {
  return {
    tls_certificates: [{ certificate_chain: tls.certificateChain, private_key: tls.privateKey }],
    validation_context: {
      trusted_ca: tls.trustedCa,
      match_typed_subject_alt_names: sans.map((matcher) => ({ san_type: 'URI', matcher })),
    },
    ...(alpn.length > 0 ? { alpn_protocols: [...alpn] } : {}),
  };
}

/**
 * Server side of the inbound listener: any identity of the trust domain, the client certificate
 * required (strict) or optional (permissive: TLS without one is anonymous, as in the native proxy;
 * one that is presented is still verified, so RBAC never sees an unverified identity).
 * No session resumption, as the native proxy (docs/proxy.md): a resumed session's certificate is not
 * checked again, so one that expired after the first handshake would still be admitted.
 * `peers` narrows the identities the handshake admits to those exact SPIFFE ids.
 */
export function downstreamTlsSocket(
  tls: TlsMaterial,
  trustDomain: string,
  alpn: readonly string[],
  clientCertificate: 'required' | 'optional',
  peers?: readonly string[],
): EnvoyJson {
  const sans = peers ? peers.map((exact) => ({ exact })) : [{ prefix: `spiffe://${trustDomain}/` }];
  return {
    name: TLS_SOCKET,
    typed_config: typed('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext', {
      ...(clientCertificate === 'required' ? { require_client_certificate: true } : {}),
      common_tls_context: commonContext(tls, sans, alpn),
      disable_stateless_session_resumption: true,
      disable_stateful_session_resumption: true,
    }),
  };
}

/** Client side towards one destination: the peer must be exactly `spiffeId`. */
export function upstreamTlsSocket(tls: TlsMaterial, spiffeId: string, alpn: readonly string[]): EnvoyJson {
  return {
    name: TLS_SOCKET,
    typed_config: typed('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', {
      common_tls_context: commonContext(tls, [{ exact: spiffeId }], alpn),
    }),
  };
}
