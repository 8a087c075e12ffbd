// The conformance checker accepts a known-good hand-written bootstrap and rejects each kind of
// breakage Envoy would refuse at load time: every test mutates one thing in the good config.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { checkEnvoyBootstrap, checkEnvoyMessage } from './check-envoy.js';

const GOOD = readFileSync(new URL('./fixtures/good-bootstrap.yaml', import.meta.url), 'utf8');

type Json = Record<string, any>;

/** The good bootstrap, changed by `mutate`, re-serialised and checked. */
function errorsAfter(mutate: (config: Json) => void): string[] {
  const config = parse(GOOD) as Json;
  mutate(config);
  return checkEnvoyBootstrap(stringify(config)).errors;
}

const inbound = (c: Json) => c.static_resources.listeners[0];
const outboundHcm = (c: Json) => c.static_resources.listeners[1].filter_chains[0].filters[0].typed_config;
const canary = (c: Json) => outboundHcm(c).route_config.virtual_hosts[0].routes[1];
const cluster = (c: Json, i: number) => c.static_resources.clusters[i];

describe('checkEnvoyBootstrap', () => {
  it('accepts the known-good hand-written bootstrap', () => {
    expect(checkEnvoyBootstrap(GOOD).errors).toEqual([]);
  });

  describe('proto3 JSON mapping', () => {
    it('rejects an unknown field, naming the type and the closest field', () => {
      const errors = errorsAfter((c) => {
        cluster(c, 1).conect_timeout = '1s';
      });
      expect(errors).toEqual([
        'static_resources.clusters[1].conect_timeout: unknown field "conect_timeout" in envoy.config.cluster.v3.Cluster (did you mean "connect_timeout"?)',
      ]);
    });

    it('rejects an unknown field inside an Any, checked against the @type message', () => {
      const errors = errorsAfter((c) => {
        outboundHcm(c).http_filters[1].typed_config.dynamic_stats2 = true;
      });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(
        /http_filters\[1\]\.typed_config\.dynamic_stats2: unknown field .*\.Router \(did you mean "dynamic_stats"\?\)/,
      );
    });

    it('rejects wrong value types', () => {
      const errors = errorsAfter((c) => {
        cluster(c, 0).name = 42;
        inbound(c).address.socket_address.port_value = 'http';
        inbound(c).filter_chains[0].transport_socket.typed_config.require_client_certificate = 'yes';
        c.static_resources.listeners[1].filter_chains = { filters: [] };
      });
      expect(errors).toEqual(
        expect.arrayContaining([
          'static_resources.clusters[0].name: expected a string, got number 42',
          'static_resources.listeners[0].address.socket_address.port_value: expected an integer (uint32), got "http"',
          'static_resources.listeners[0].filter_chains[0].transport_socket.typed_config.require_client_certificate: expected true or false, got "yes"',
          'static_resources.listeners[1].filter_chains: expected a list, got an object',
        ]),
      );
    });

    it('rejects an out-of-range integer', () => {
      const errors = errorsAfter((c) => {
        inbound(c).address.socket_address.port_value = -1;
      });
      expect(errors.join('\n')).toMatch(/port_value: -1 is out of range for uint32/);
    });

    it('rejects a bad enum name and an undefined enum number', () => {
      const errors = errorsAfter((c) => {
        cluster(c, 1).lb_policy = 'ROUND_ROBBIN';
        cluster(c, 2).lb_policy = 99;
      });
      expect(errors).toHaveLength(2);
      expect(errors[0]).toMatch(/clusters\[1\]\.lb_policy: "ROUND_ROBBIN" is not a value of LbPolicy/);
      expect(errors[1]).toMatch(/clusters\[2\]\.lb_policy: number 99 is not a value of LbPolicy/);
    });

    it.each([['5'], [5], ['5ms'], ['1.5 s'], ['1.1234567891s']])(
      'rejects the malformed duration %j',
      (bad) => {
        const errors = errorsAfter((c) => {
          cluster(c, 0).connect_timeout = bad;
        });
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatch(/clusters\[0\]\.connect_timeout: expected a duration string/);
      },
    );

    it('rejects an @type that resolves to no loaded message, or uses another URL prefix', () => {
      const errors = errorsAfter((c) => {
        outboundHcm(c).http_filters[0].typed_config['@type'] =
          'type.googleapis.com/envoy.extensions.filters.http.nope.v3.Nope';
        cluster(c, 1).transport_socket.typed_config['@type'] =
          'example.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
      });
      expect(errors).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /http_filters\[0\]\.typed_config\.@type: ".*nope\.v3\.Nope" does not resolve/,
          ),
          expect.stringMatching(
            /clusters\[1\]\.transport_socket\.typed_config\.@type: "example\.com\/.*" does not resolve/,
          ),
        ]),
      );
    });

    it('rejects an Any without @type', () => {
      const errors = errorsAfter((c) => {
        delete outboundHcm(c).http_filters[1].typed_config['@type'];
      });
      expect(errors.join('\n')).toMatch(/http_filters\[1\]\.typed_config: Any needs an "@type" string/);
    });

    it('rejects two members of one oneof', () => {
      const errors = errorsAfter((c) => {
        canary(c).route.cluster = 'outbound|ratings|v1';
        canary(c).match.prefix = '/';
      });
      expect(errors).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /routes\[1\]\.route: only one of cluster_specifier may be set, got cluster, weightedClusters/,
          ),
          expect.stringMatching(
            /routes\[1\]\.match: only one of path_specifier may be set, got prefix, safe_regex/,
          ),
        ]),
      );
    });

    it('rejects a field given under both its proto name and its JSON name', () => {
      const errors = errorsAfter((c) => {
        cluster(c, 1).connect_timeout = '1s';
      });
      expect(errors).toEqual([
        'static_resources.clusters[1].connect_timeout: field "connect_timeout" is set twice (as "connectTimeout" and "connect_timeout")',
      ]);
    });

    it('rejects deprecated fields', () => {
      const errors = errorsAfter((c) => {
        cluster(c, 2).http2_protocol_options = {};
      });
      expect(errors).toEqual([
        'static_resources.clusters[2].http2_protocol_options: deprecated field "http2_protocol_options"',
      ]);
    });

    it('rejects YAML syntax errors and duplicate keys', () => {
      expect(checkEnvoyBootstrap('admin: [').errors[0]).toMatch(/^<yaml>: /);
      expect(checkEnvoyBootstrap('node: { id: a }\nnode: { id: b }\n').errors[0]).toMatch(
        /^<yaml>: duplicated mapping key/,
      );
    });
  });

  describe('protoc-gen-validate rules', () => {
    it('rejects an empty required string (string.min_len), also when the field is absent', () => {
      const errors = errorsAfter((c) => {
        cluster(c, 0).name = '';
        delete outboundHcm(c).stat_prefix;
      });
      expect(errors).toEqual(
        expect.arrayContaining([
          'static_resources.clusters[0].name: must be at least 1 characters',
          'static_resources.listeners[1].filter_chains[0].filters[0].typed_config.stat_prefix: must be at least 1 characters',
        ]),
      );
    });

    it('rejects a zero connect timeout (duration.gt) and a status out of range (uint32.gte/lt)', () => {
      const errors = errorsAfter((c) => {
        cluster(c, 0).connect_timeout = '0s';
        canary(c).typed_per_filter_config['envoy.filters.http.fault'].abort.http_status = 600;
      });
      expect(errors).toHaveLength(2);
      expect(errors).toEqual(
        expect.arrayContaining([
          'static_resources.clusters[0].connect_timeout: 0s must be > 0s',
          expect.stringMatching(/fault\.abort\.http_status: 600 must be >= 200 and < 600$/),
        ]),
      );
    });

    it('rejects an empty list that needs items (repeated.min_items) and a missing message (message.required)', () => {
      const errors = errorsAfter((c) => {
        outboundHcm(c).route_config.virtual_hosts[0].domains = [];
        delete canary(c).match;
      });
      expect(errors).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/virtual_hosts\[0\]\.domains: needs at least 1 item/),
          expect.stringMatching(/routes\[1\]\.match: is required$/),
        ]),
      );
    });

    it('rejects an unset required oneof and an excluded enum value (enum.not_in)', () => {
      const errors = errorsAfter((c) => {
        canary(c).match = {};
        cluster(
          c,
          1,
        ).transport_socket.typed_config.common_tls_context.validation_context.match_typed_subject_alt_names[0].san_type =
          'SAN_TYPE_UNSPECIFIED';
      });
      expect(errors).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /routes\[1\]\.match: one of prefix, path, safe_regex, .* is required \(path_specifier\)/,
          ),
          expect.stringMatching(
            /match_typed_subject_alt_names\[0\]\.san_type: SAN_TYPE_UNSPECIFIED is not allowed here/,
          ),
        ]),
      );
    });

    it('rejects header names with CR/LF (string.well_known_regex HTTP_HEADER_NAME)', () => {
      const errors = errorsAfter((c) => {
        canary(c).request_headers_to_add[0].header.key = 'x-bad\r\nx-injected';
      });
      expect(errors).toEqual([
        expect.stringMatching(/request_headers_to_add\[0\]\.header\.key: is not a valid HTTP header name/),
      ]);
    });

    it('rejects a percent over 100 in a map value (double.lte) and an unset Any (any.required)', () => {
      const errors = errorsAfter((c) => {
        cluster(c, 1).circuit_breakers.thresholds[0].retry_budget.budget_percent.value = 150;
      });
      expect(errors).toEqual([expect.stringMatching(/budget_percent\.value: 150 must be >= 0 and <= 100/)]);
    });
  });

  describe('cross references and uniqueness', () => {
    it('rejects a route, weighted cluster or mirror naming a cluster that does not exist', () => {
      const errors = errorsAfter((c) => {
        const routes = outboundHcm(c).route_config.virtual_hosts[0].routes;
        routes[0].route.cluster = 'outbound|ratings|v9';
        routes[1].route.weightedClusters.clusters[1].name = 'outbound|ratings|v8';
        routes[1].route.request_mirror_policies[0].cluster = 'mirror';
      });
      expect(errors).toEqual([
        expect.stringMatching(/routes\[0\]\.route\.cluster: cluster "outbound\|ratings\|v9" is not defined/),
        expect.stringMatching(
          /routes\[1\]\.route\.weightedClusters\.clusters\[1\]\.name: cluster "outbound\|ratings\|v8" is not defined/,
        ),
        expect.stringMatching(/request_mirror_policies\[0\]\.cluster: cluster "mirror" is not defined/),
      ]);
    });

    it('rejects a tcp_proxy naming a missing cluster', () => {
      const errors = errorsAfter((c) => {
        inbound(c).filter_chains[1].filters[0].typed_config.cluster = 'nowhere';
      });
      expect(errors).toEqual([
        expect.stringMatching(/filters\[0\]\.typed_config\.cluster: cluster "nowhere" is not defined/),
      ]);
    });

    it('rejects duplicate cluster, listener, virtual host, route and domain names and listener addresses', () => {
      const errors = errorsAfter((c) => {
        cluster(c, 2).name = 'outbound|ratings|v1';
        cluster(c, 2).load_assignment.cluster_name = 'outbound|ratings|v1';
        c.static_resources.listeners[1].name = 'inbound';
        c.static_resources.listeners[1].address.socket_address = { address: '0.0.0.0', port_value: 15006 };
        const vh = outboundHcm(c).route_config.virtual_hosts;
        vh.push({ ...structuredClone(vh[0]), domains: ['RATINGS'] });
        vh[0].routes[1].name = 'testers';
      });
      expect(errors).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /clusters\[2\]: duplicate cluster name "outbound\|ratings\|v1" \(first at static_resources\.clusters\[1\]\)/,
          ),
          expect.stringMatching(/listeners\[1\]: duplicate listener name "inbound"/),
          expect.stringMatching(/listeners\[1\]: duplicate listener address "TCP:0\.0\.0\.0:15006"/),
          expect.stringMatching(/virtual_hosts\[1\]: duplicate virtual host name "ratings"/),
          expect.stringMatching(/virtual_hosts\[1\]\.domains\[0\]: duplicate domain "ratings"/),
          expect.stringMatching(/routes\[1\]: duplicate route name "testers"/),
        ]),
      );
    });

    it('rejects load-time rules: router not last, host removal, SAN match without a CA, cert without key', () => {
      const errors = errorsAfter((c) => {
        outboundHcm(c).http_filters.reverse();
        canary(c).request_headers_to_remove = ['host'];
        const tls = cluster(c, 1).transport_socket.typed_config.common_tls_context;
        delete tls.validation_context.trusted_ca;
        delete tls.tls_certificates[0].private_key;
      });
      expect(errors).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/http_filters\[0\]: the router filter must be the last HTTP filter/),
          expect.stringMatching(/http_filters\[1\]: the last HTTP filter must be the router/),
          expect.stringMatching(
            /request_headers_to_remove\[0\]: "host": :-prefixed or host headers may not be removed/,
          ),
          expect.stringMatching(/validation_context: matching subject alt names without trusted_ca/),
          expect.stringMatching(
            /tls_certificates\[0\]: a TLS certificate needs both certificate_chain and private_key/,
          ),
        ]),
      );
    });

    it('rejects a STATIC cluster with a DNS name as endpoint', () => {
      const errors = errorsAfter((c) => {
        cluster(c, 1).load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address =
          'ratings.local';
      });
      expect(errors).toEqual([
        expect.stringMatching(/STATIC cluster endpoint "ratings\.local" is not an IP address/),
      ]);
    });
  });

  it('checks a lone message without bootstrap-wide references', () => {
    const route = {
      name: 'r',
      virtual_hosts: [
        { name: 'a', domains: ['a'], routes: [{ match: { prefix: '/' }, route: { cluster: 'x' } }] },
      ],
    };
    expect(checkEnvoyMessage(route, 'envoy.config.route.v3.RouteConfiguration').errors).toEqual([]);
  });

  it('checks 1,000 configs in seconds (protos loaded once per process)', () => {
    checkEnvoyBootstrap(GOOD); // protos loaded
    const started = performance.now();
    for (let i = 0; i < 1000; i++) {
      const text = GOOD.replace('port_value: 15000', `port_value: ${20000 + i}`);
      expect(checkEnvoyBootstrap(text).errors).toEqual([]);
    }
    const ms = performance.now() - started;
    console.log(`checked 1,000 bootstraps (${GOOD.length} bytes each) in ${ms.toFixed(0)} ms`);
    // Generous: CI machines are shared; a regression to seconds per config would still fail.
    expect(ms).toBeLessThan(30_000);
  });
});
