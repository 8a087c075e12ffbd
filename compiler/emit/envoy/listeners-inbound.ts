// The inbound listener on 0.0.0.0:<sidecar.inbound>: terminates mTLS (client certificate from the
// trust domain required), enforces the service's authorization with RBAC, and forwards to the app
// on 127.0.0.1:<appPort> with `x-meshc-peer` set from the verified certificate. Permissive mTLS
// adds a plaintext filter chain, chosen by the TLS inspector.
import type { Bundle } from '../../../schema/bundle.types.generated.js';
import { httpRbacFilter, networkRbacFilter, tcpAdmitted } from './authz.js';
import { httpManagerBase } from './http-manager.js';
import { tcpAccessLog } from './observability.js';
import type { TlsMaterial } from './options.js';
import { downstreamTlsSocket } from './tls.js';
import { type EnvoyJson, names, routerFilter, socketAddress, typedExtension } from './values.js';

/**
 * Headers only the proxy may set: a caller's copies are dropped before the app sees them, in every
 * spelling of their dashes as underscores too (`x_meshc_peer`), which CGI, WSGI and Rack apps read as
 * the same variable (HTTP_X_MESHC_PEER). Envoy removes by exact name, and passes underscores by default.
 */
const PROXY_HEADERS = ['x-meshc-peer', 'x-meshc-rule', 'x-meshc-error'].flatMap(dashSpellings);

/** `name` with each `-` kept or written `_`, the name itself first. */
function dashSpellings(name: string): string[] {
  return name
    .split('-')
    .reduce<string[]>(
      (heads, part, i) => (i === 0 ? [part] : heads.flatMap((h) => [`${h}-${part}`, `${h}_${part}`])),
      [],
    );
}

export function inboundListener(bundle: Bundle, tls: TlsMaterial): EnvoyJson {
  const { inbound, identity } = bundle;
  const http = inbound.protocol !== 'tcp';
  // tcp_proxy connects to the app as soon as a caller's connection is accepted, and network RBAC
  // decides only on the caller's first byte: a denied caller would reach the app (and read a
  // server-first protocol's greeting). So under default deny the handshake itself admits only the
  // identities a rule names, and an anonymous caller (plaintext, or TLS without a certificate) is
  // refused, as the native proxy refuses both before it connects to the app.
  const admitted = http ? null : tcpAdmitted(inbound.authorization);
  const peers = admitted && admitted.length > 0 && !admitted.includes('*') ? admitted : undefined;
  const filters = http ? [inboundHttpManager(bundle)] : inboundTcpFilters(bundle, admitted);
  const alpn = http ? ['h2', 'http/1.1'] : [];
  const mtls: EnvoyJson = { name: 'inbound-mtls' };
  const listener: EnvoyJson = {
    name: names.inboundListener,
    address: socketAddress('0.0.0.0', bundle.sidecar.inbound),
  };
  if (inbound.mtls === 'strict' || admitted) {
    const transport = downstreamTlsSocket(tls, identity.trustDomain, alpn, 'required', peers);
    Object.assign(mtls, { filters, transport_socket: transport });
    return { ...listener, filter_chains: [mtls] };
  }
  // Permissive: the same filters behind TLS and in plaintext; a plaintext peer, or a TLS one without
  // a client certificate, has no identity, so RBAC admits it only where the default is allow, as in
  // the native proxy.
  Object.assign(mtls, {
    filter_chain_match: { transport_protocol: 'tls' },
    filters,
    transport_socket: downstreamTlsSocket(tls, identity.trustDomain, alpn, 'optional'),
  });
  const plaintext = {
    name: 'inbound-plaintext',
    filter_chain_match: { transport_protocol: 'raw_buffer' },
    filters,
  };
  return {
    ...listener,
    listener_filters: [
      typedExtension(
        'envoy.filters.listener.tls_inspector',
        'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
      ),
    ],
    filter_chains: [mtls, plaintext],
  };
}

function inboundHttpManager(bundle: Bundle): EnvoyJson {
  const rbac = httpRbacFilter(bundle.inbound.authorization, bundle.identity.trustDomain);
  const manager = httpManagerBase(bundle, 'inbound');
  manager.route_config = {
    name: 'inbound',
    virtual_hosts: [
      {
        name: 'inbound',
        domains: ['*'],
        routes: [
          // No timeout here: the caller's proxy owns the route timeout and its retries.
          { name: 'app', match: { prefix: '/' }, route: { cluster: names.appCluster, timeout: '0s' } },
        ],
        request_headers_to_remove: [...PROXY_HEADERS],
        request_headers_to_add: [
          {
            header: { key: 'x-meshc-peer', value: '%DOWNSTREAM_PEER_URI_SAN%' },
            append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
          },
        ],
      },
    ],
  };
  manager.http_filters = [...(rbac ? [rbac] : []), routerFilter()];
  return typedExtension(
    'envoy.filters.network.http_connection_manager',
    'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    manager,
  );
}

/**
 * tcp: identities checked by network RBAC, then bytes proxied to the app; to a cluster of no
 * endpoints when no identity is admitted (`admitted` empty), so that no connection reaches the app.
 */
function inboundTcpFilters(bundle: Bundle, admitted: readonly string[] | null): EnvoyJson[] {
  const rbac = networkRbacFilter(bundle.inbound.authorization, bundle.identity.trustDomain);
  const cluster = admitted?.length === 0 ? names.denyCluster : names.appCluster;
  const proxy: EnvoyJson = { stat_prefix: 'inbound', cluster };
  const accessLog = tcpAccessLog(bundle.observability, 'inbound');
  if (accessLog.length > 0) proxy.access_log = accessLog;
  return [
    ...(rbac ? [rbac] : []),
    typedExtension(
      'envoy.filters.network.tcp_proxy',
      'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
      proxy,
    ),
  ];
}
