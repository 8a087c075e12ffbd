// The inbound side of the Envoy output: admin and listener addresses, mTLS (strict and
// permissive), RBAC from the authorization, the app cluster and the peer identity header.
import { describe, expect, it } from 'vitest';
import { buildEnvoyBootstrap } from '../../compiler/emit/envoy/index.js';
import type { BundleAuthzRule } from '../../schema/bundle.types.generated.js';
import { bundle, everythingBundle } from './bundles.js';
import { build, cluster, denyAllInbound, filterNames, inboundHcm, type Json, listener } from './navigate.js';

describe('inbound', () => {
  it('binds admin to loopback, inbound to all interfaces, outbound to loopback', () => {
    const c = build(bundle());
    expect(c.admin.address).toEqual({ socket_address: { address: '127.0.0.1', port_value: 15000 } });
    expect(listener(c, 'inbound').address).toEqual({
      socket_address: { address: '0.0.0.0', port_value: 15006 },
    });
    expect(listener(c, 'outbound').address).toEqual({
      socket_address: { address: '127.0.0.1', port_value: 15001 },
    });
  });

  it('strict mTLS: one chain requiring a client certificate of the trust domain, files under certDir', () => {
    const inbound = listener(build(bundle(), '/run/certs'), 'inbound');
    expect(inbound.listener_filters).toBeUndefined();
    expect(inbound.filter_chains).toHaveLength(1);
    const tls = inbound.filter_chains[0].transport_socket.typed_config;
    expect(tls['@type']).toBe(
      'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
    );
    expect(tls.require_client_certificate).toBe(true);
    // A resumed session's certificate is not checked again (expired since?): no resumption either way.
    expect(tls.disable_stateless_session_resumption).toBe(true);
    expect(tls.disable_stateful_session_resumption).toBe(true);
    expect(tls.common_tls_context).toEqual({
      tls_certificates: [
        {
          certificate_chain: { filename: '/run/certs/reviews.crt' },
          private_key: { filename: '/run/certs/reviews.key' },
        },
      ],
      validation_context: {
        trusted_ca: { filename: '/run/certs/trust-roots.pem' },
        match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { prefix: 'spiffe://shop.local/' } }],
      },
      alpn_protocols: ['h2', 'http/1.1'],
    });
  });

  it('inline trust roots carry the bundle PEMs', () => {
    const c = buildEnvoyBootstrap(bundle({ trustRoots: ['A\n', 'B'] }), { trustRoots: 'inline' }) as Json;
    const ctx = listener(c, 'inbound').filter_chains[0].transport_socket.typed_config.common_tls_context;
    expect(ctx.validation_context.trusted_ca).toEqual({ inline_string: 'A\nB\n' });
  });

  it('forwards to the app, sets x-meshc-peer from the verified SAN and drops spoofed proxy headers', () => {
    const c = build(bundle());
    expect(cluster(c, 'inbound|app').load_assignment.endpoints[0].lb_endpoints[0].endpoint.address).toEqual({
      socket_address: { address: '127.0.0.1', port_value: 9080 },
    });
    const host = inboundHcm(c).route_config.virtual_hosts[0];
    expect(host.routes).toEqual([
      { name: 'app', match: { prefix: '/' }, route: { cluster: 'inbound|app', timeout: '0s' } },
    ]);
    // Each also spelt with underscores: CGI-style apps read x_meshc_peer as HTTP_X_MESHC_PEER.
    const spellings = (b: string) => [`x-meshc-${b}`, `x-meshc_${b}`, `x_meshc-${b}`, `x_meshc_${b}`];
    expect(host.request_headers_to_remove).toEqual(['peer', 'rule', 'error'].flatMap(spellings));
    expect(host.request_headers_to_add).toEqual([
      {
        header: { key: 'x-meshc-peer', value: '%DOWNSTREAM_PEER_URI_SAN%' },
        append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
      },
    ]);
    expect(inboundHcm(c).path_with_escaped_slashes_action).toBe('REJECT_REQUEST');
    expect(inboundHcm(c).http_filters.at(-1).typed_config.suppress_envoy_headers).toBe(true);
  });

  it('permissive mTLS: TLS inspector, a TLS chain and a plaintext chain with the same filters', () => {
    const inbound = listener(build(everythingBundle()), 'inbound');
    expect(inbound.listener_filters.map((f: Json) => f.name)).toEqual([
      'envoy.filters.listener.tls_inspector',
    ]);
    expect(
      inbound.filter_chains.map((ch: Json) => [
        ch.name,
        ch.filter_chain_match.transport_protocol,
        !!ch.transport_socket,
      ]),
    ).toEqual([
      ['inbound-mtls', 'tls', true],
      ['inbound-plaintext', 'raw_buffer', false],
    ]);
    expect(inbound.filter_chains[1].filters).toEqual(inbound.filter_chains[0].filters);
  });

  it('permissive mTLS: TLS without a client certificate is admitted (anonymous); a presented one is verified', () => {
    const strictTls = listener(build(bundle()), 'inbound').filter_chains[0].transport_socket.typed_config;
    const tls = listener(build(everythingBundle()), 'inbound').filter_chains[0].transport_socket.typed_config;
    expect(tls.require_client_certificate).toBeUndefined();
    // Same roots and SAN check as strict: a certificate that is presented must still be valid.
    expect(tls.common_tls_context.validation_context).toEqual(
      strictTls.common_tls_context.validation_context,
    );
    expect(tls.disable_stateless_session_resumption).toBe(true);
    expect(tls.disable_stateful_session_resumption).toBe(true);
  });

  it('default deny: an ALLOW RBAC policy per rule, named after its spec line', () => {
    const hcm = inboundHcm(build(everythingBundle()));
    expect(filterNames(hcm)).toEqual(['envoy.filters.http.rbac', 'envoy.filters.http.router']);
    const method = (m: string) => ({ header: { name: ':method', string_match: { exact: m } } });
    const id = (s: string) => ({ authenticated: { principal_name: { exact: `spiffe://shop.local/${s}` } } });
    expect(hcm.http_filters[0].typed_config.rules).toEqual({
      action: 'ALLOW',
      policies: {
        'rule-0 services/reviews.yaml:33': {
          permissions: [
            {
              and_rules: {
                rules: [
                  { or_rules: { rules: [method('GET'), method('HEAD')] } },
                  {
                    or_rules: {
                      rules: [
                        { url_path: { path: { prefix: '/reviews/' } } },
                        { url_path: { path: { exact: '/health' } } },
                      ],
                    },
                  },
                ],
              },
            },
          ],
          principals: [id('productpage'), id('gateway')],
        },
        'rule-1 services/reviews.yaml:36': {
          permissions: [method('GET')],
          principals: [{ authenticated: { principal_name: { prefix: 'spiffe://shop.local/' } } }],
        },
        'rule-2 services/reviews.yaml:38': {
          permissions: [{ url_path: { path: { exact: '/admin' } } }],
          principals: [id('admin')],
        },
        'rule-3 services/reviews.yaml:40': { permissions: [{ any: true }], principals: [id('ops')] },
      },
    });
  });

  it('default allow needs no RBAC filter; deny without rules (or with an empty list) denies all', () => {
    const allow = bundle({
      inbound: { ...bundle().inbound, authorization: { default: 'allow', source: 's.yaml:1', rules: [] } },
    });
    expect(filterNames(inboundHcm(build(allow)))).toEqual(['envoy.filters.http.router']);
    for (const rules of [[], [{ from: ['*'] as [string], methods: [], paths: null, source: 's.yaml:2' }]]) {
      const rbac = inboundHcm(build(bundle({ inbound: denyAllInbound(rules) }))).http_filters[0];
      expect(rbac.typed_config.rules).toEqual({ action: 'ALLOW', policies: {} });
    }
  });

  it('tcp inbound: network RBAC on identities, then tcp_proxy to the app', () => {
    const b = bundle({ inbound: { ...everythingBundle().inbound, protocol: 'tcp', mtls: 'strict' } });
    const chain = listener(build(b), 'inbound').filter_chains[0];
    expect(chain.filters.map((f: Json) => f.name)).toEqual([
      'envoy.filters.network.rbac',
      'envoy.filters.network.tcp_proxy',
    ]);
    // Rules naming methods or paths cannot apply to bytes: only the identity-only rule remains.
    expect(Object.keys(chain.filters[0].typed_config.rules.policies)).toEqual([
      'rule-3 services/reviews.yaml:40',
    ]);
    expect(chain.filters[1].typed_config.cluster).toBe('inbound|app');
    expect(chain.transport_socket.typed_config.common_tls_context.alpn_protocols).toBeUndefined();
  });

  // tcp_proxy opens the app connection when the caller's is accepted, before network RBAC has read a
  // byte: the handshake must already refuse whom the rules do not admit, as the native proxy refuses
  // before it connects to the app.
  const tcpInbound = (mtls: 'strict' | 'permissive', rules: Parameters<typeof denyAllInbound>[0]) =>
    listener(build(bundle({ inbound: { ...denyAllInbound(rules), protocol: 'tcp', mtls } })), 'inbound');
  const sansOf = (chain: Json) =>
    chain.transport_socket.typed_config.common_tls_context.validation_context.match_typed_subject_alt_names;
  const ops: BundleAuthzRule = {
    from: ['spiffe://shop.local/ops'],
    methods: null,
    paths: null,
    source: 's.yaml:3',
  };
  const web: BundleAuthzRule = {
    from: ['spiffe://shop.local/web'],
    methods: ['GET'],
    paths: null,
    source: 's.yaml:4',
  };

  it('tcp inbound, deny: the handshake admits only the identities a rule names, a certificate required', () => {
    for (const mtls of ['strict', 'permissive'] as const) {
      const l = tcpInbound(mtls, [ops, web, { ...ops, source: 's.yaml:5' }]);
      // Permissive too: an anonymous caller is never admitted under deny, so no plaintext chain.
      expect(l.filter_chains.map((c: Json) => c.name)).toEqual(['inbound-mtls']);
      expect(l.listener_filters).toBeUndefined();
      const chain = l.filter_chains[0];
      expect(chain.transport_socket.typed_config.require_client_certificate).toBe(true);
      // The rule with a method cannot apply to bytes: its caller is not admitted.
      expect(sansOf(chain)).toEqual([{ san_type: 'URI', matcher: { exact: 'spiffe://shop.local/ops' } }]);
      expect(chain.filters[1].typed_config.cluster).toBe('inbound|app');
    }
    const any = tcpInbound('strict', [ops, { ...ops, from: ['*'] }]).filter_chains[0];
    expect(sansOf(any)).toEqual([{ san_type: 'URI', matcher: { prefix: 'spiffe://shop.local/' } }]);
  });

  it('tcp inbound admitting nobody proxies to a cluster of no endpoints, never to the app', () => {
    const c = build(bundle({ inbound: { ...denyAllInbound([web]), protocol: 'tcp', mtls: 'strict' } }));
    const chain = listener(c, 'inbound').filter_chains[0];
    expect(chain.filters.at(-1).typed_config.cluster).toBe('meshc:deny-all');
    expect(cluster(c, 'meshc:deny-all').load_assignment).toEqual({
      cluster_name: 'meshc:deny-all',
      endpoints: [],
    });
    expect(build(bundle()).static_resources.clusters.map((x: Json) => x.name)).not.toContain(
      'meshc:deny-all',
    );
  });

  it('tcp inbound, allow: any caller, anonymous ones too in permissive mode, as before', () => {
    const allow = { ...bundle().inbound.authorization, default: 'allow' as const, rules: [] };
    const l = listener(
      build(
        bundle({
          inbound: { ...bundle().inbound, protocol: 'tcp', mtls: 'permissive', authorization: allow },
        }),
      ),
      'inbound',
    );
    expect(l.filter_chains.map((c: Json) => c.name)).toEqual(['inbound-mtls', 'inbound-plaintext']);
    expect(l.filter_chains[0].transport_socket.typed_config.require_client_certificate).toBeUndefined();
    expect(sansOf(l.filter_chains[0])).toEqual([
      { san_type: 'URI', matcher: { prefix: 'spiffe://shop.local/' } },
    ]);
  });
});
