// The outbound side: the app's plain HTTP to 127.0.0.1:<sidecar.outbound> is routed by Host to
// a called service's routes (fault filter before the router when a route injects faults), and
// each called tcp service gets its own local port with a tcp_proxy.
import type { Bundle, Destination } from '../../../schema/bundle.types.generated.js';
import { httpManagerBase } from './http-manager.js';
import { tcpAccessLog } from './observability.js';
import { FAULT_FILTER, outboundVirtualHosts, usesFaults } from './routes.js';
import { type EnvoyJson, names, routerFilter, socketAddress, typedExtension } from './values.js';

export function outboundListener(bundle: Bundle): EnvoyJson {
  // Absolute-form requests, so an app may use the sidecar as its HTTP_PROXY.
  const manager = httpManagerBase(bundle, 'outbound', { allow_absolute_url: true });
  manager.route_config = { name: 'outbound', virtual_hosts: outboundVirtualHosts(bundle.outbound) };
  manager.http_filters = [
    // Faults act before routing picks an upstream: a delayed or aborted request never leaves.
    ...(usesFaults(bundle.outbound)
      ? [typedExtension(FAULT_FILTER, 'envoy.extensions.filters.http.fault.v3.HTTPFault')]
      : []),
    routerFilter(),
  ];
  return {
    name: names.outboundListener,
    address: socketAddress('127.0.0.1', bundle.sidecar.outbound),
    filter_chains: [
      {
        filters: [
          typedExtension(
            'envoy.filters.network.http_connection_manager',
            'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
            manager,
          ),
        ],
      },
    ],
  };
}

/**
 * One listener per called tcp service on 127.0.0.1:<tcpPort>. A tcp service has no request to
 * match, so its first route decides the split; retries do not apply to tcp (validation, MC3026).
 */
export function tcpListeners(bundle: Bundle): EnvoyJson[] {
  return bundle.outbound.filter((d) => d.protocol === 'tcp').map((d) => tcpListener(bundle, d));
}

function tcpListener(bundle: Bundle, dest: Destination): EnvoyJson {
  if (dest.tcpPort === undefined)
    throw new Error(`internal: tcp destination ${dest.service} without tcpPort`);
  const backends = dest.routes[0].backends;
  const proxy: EnvoyJson = { stat_prefix: `outbound|${dest.service}` };
  if (backends.length === 1) proxy.cluster = names.cluster(dest.service, backends[0]!.version);
  else {
    proxy.weighted_clusters = {
      clusters: backends.map((b) => ({ name: names.cluster(dest.service, b.version), weight: b.weight })),
    };
  }
  const accessLog = tcpAccessLog(bundle.observability, 'outbound');
  if (accessLog.length > 0) proxy.access_log = accessLog;
  return {
    name: names.tcpListener(dest.service),
    address: socketAddress('127.0.0.1', dest.tcpPort),
    filter_chains: [
      {
        filters: [
          typedExtension(
            'envoy.filters.network.tcp_proxy',
            'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
            proxy,
          ),
        ],
      },
    ],
  };
}
