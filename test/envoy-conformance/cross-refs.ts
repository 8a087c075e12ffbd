// What Envoy rejects beyond the protos: references and uniqueness across the whole bootstrap
// (route -> cluster, duplicate names, duplicate domains or listener addresses) and the load-time
// rules of individual messages (router last, both cert and key, SAN match needs a CA, ...).
import type { Type } from 'protobufjs';
import { isIPv4, isIPv6 } from 'node:net';
import type { MessageVisitor } from './check-message.js';
import { typeName } from './proto-registry.js';

type Msg = Record<string, unknown>;

const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
/** Network filters that end a filter chain (the ones Envoy marks terminal that we load). */
const TERMINAL_NETWORK_FILTERS = new Set([
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
]);
const HEADER_MUTATORS = new Set([
  'envoy.config.route.v3.RouteConfiguration',
  'envoy.config.route.v3.VirtualHost',
  'envoy.config.route.v3.Route',
  'envoy.config.route.v3.WeightedCluster.ClusterWeight',
]);
const NEEDS_TYPED_CONFIG = new Set([
  'envoy.config.listener.v3.Filter',
  'envoy.config.listener.v3.ListenerFilter',
  'envoy.config.core.v3.TransportSocket',
  'envoy.config.accesslog.v3.AccessLog',
]);

interface Named {
  readonly name: string;
  readonly path: string;
}

/** Collects names and references while the walker visits messages; `finish` reports what is wrong. */
export class CrossRefs {
  private readonly clusters: Named[] = [];
  private readonly clusterRefs: Named[] = [];
  private readonly listeners: Named[] = [];
  private readonly listenerAddresses: Named[] = [];

  constructor(private readonly errors: string[]) {}

  private error(path: string, message: string): void {
    this.errors.push(`${path || '<root>'}: ${message}`);
  }

  readonly visit: MessageVisitor = (type: Type, m: Msg, path: string) => {
    const name = typeName(type);
    if (HEADER_MUTATORS.has(name)) this.checkHeaderRemovals(m, path);
    if (NEEDS_TYPED_CONFIG.has(name) && m.typed_config === undefined && m.config_discovery === undefined) {
      this.error(path, `${name.split('.').pop()} "${String(m.name ?? '')}" needs a typed_config`);
    }
    switch (name) {
      case 'envoy.config.cluster.v3.Cluster':
        this.clusters.push({ name: str(m.name), path });
        return this.checkCluster(m, path);
      case 'envoy.config.listener.v3.Listener':
        this.listeners.push({ name: str(m.name), path });
        this.listenerAddresses.push({ name: addressKey(m.address), path });
        return this.checkFilterChainsUnique(m, path);
      case 'envoy.config.route.v3.RouteConfiguration':
        return this.checkVirtualHosts(m, path);
      case 'envoy.config.route.v3.VirtualHost':
        return reportDuplicates(
          list(m.routes)
            .map((r, i) => ({ name: str(r.name), path: `${path}.routes[${i}]` }))
            .filter((r) => r.name),
          'route name',
          (p, msg) => this.error(p, msg),
        );
      case 'envoy.config.route.v3.RouteAction':
        return this.ref(m.cluster, `${path}.cluster`);
      case 'envoy.config.route.v3.RouteAction.RequestMirrorPolicy':
        return this.ref(m.cluster, `${path}.cluster`);
      case 'envoy.config.route.v3.WeightedCluster':
        return this.checkWeights(m, path);
      case 'envoy.config.route.v3.WeightedCluster.ClusterWeight':
      case 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.WeightedCluster.ClusterWeight':
        return this.ref(m.name, `${path}.name`);
      case 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy':
        return this.ref(m.cluster, `${path}.cluster`);
      case 'envoy.config.core.v3.HttpUri':
        return this.ref(m.cluster, `${path}.cluster`);
      case 'envoy.config.core.v3.GrpcService.EnvoyGrpc':
        return this.ref(m.cluster_name, `${path}.cluster_name`);
      case 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager':
        return this.checkHttpFilters(m, path);
      case 'envoy.config.listener.v3.FilterChain':
        return this.checkNetworkFilters(m, path);
      case 'envoy.config.route.v3.RetryPolicy.RetryBackOff':
        return this.checkBackOff(m, path);
      case 'envoy.config.core.v3.HeaderValueOption':
        if (m.append !== undefined && m.append_action !== undefined)
          this.error(path, 'both append and append_action are set');
        return;
      case 'envoy.extensions.transport_sockets.tls.v3.TlsCertificate':
        if (
          (m.certificate_chain === undefined) !==
          (m.private_key === undefined && m.private_key_provider === undefined)
        ) {
          this.error(path, 'a TLS certificate needs both certificate_chain and private_key');
        }
        return;
      case 'envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext':
        if (list(m.match_typed_subject_alt_names).length > 0 && m.trusted_ca === undefined) {
          this.error(path, 'matching subject alt names without trusted_ca is not allowed');
        }
        return;
      case 'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext': {
        const common = (m.common_tls_context ?? {}) as Msg;
        const hasValidation = [
          'validation_context',
          'validation_context_sds_secret_config',
          'combined_validation_context',
        ].some((k) => common[k] !== undefined);
        if (m.require_client_certificate === true && !hasValidation) {
          this.error(path, 'require_client_certificate needs a validation context');
        }
        return;
      }
      default:
        return;
    }
  };

  private ref(name: unknown, path: string): void {
    if (typeof name === 'string' && name !== '') this.clusterRefs.push({ name, path });
  }

  /** Reports every dangling reference and duplicate; call once after the walk. */
  finish(): void {
    const report = (p: string, m: string) => this.error(p, m);
    reportDuplicates(this.clusters, 'cluster name', report);
    reportDuplicates(this.listeners, 'listener name', report);
    reportDuplicates(
      this.listenerAddresses.filter((l) => l.name !== ''),
      'listener address',
      report,
    );
    const known = new Set(this.clusters.map((c) => c.name));
    for (const r of this.clusterRefs) {
      if (!known.has(r.name))
        this.error(r.path, `cluster "${r.name}" is not defined in static_resources.clusters`);
    }
  }

  private checkCluster(m: Msg, path: string): void {
    const type = m.type ?? (m.cluster_type === undefined ? 'STATIC' : undefined);
    if (type !== 'STATIC') return;
    const endpoints = list((m.load_assignment as Msg | undefined)?.endpoints);
    endpoints.forEach((locality, i) =>
      list(locality.lb_endpoints).forEach((lb, j) => {
        const address = (
          (((lb.endpoint as Msg | undefined)?.address as Msg | undefined)?.socket_address ?? {}) as Msg
        ).address;
        if (typeof address === 'string' && !isIPv4(address) && !isIPv6(address)) {
          this.error(
            `${path}.load_assignment.endpoints[${i}].lb_endpoints[${j}]`,
            `STATIC cluster endpoint "${address}" is not an IP address`,
          );
        }
      }),
    );
  }

  private checkFilterChainsUnique(m: Msg, path: string): void {
    const chains = list(m.filter_chains);
    reportDuplicates(
      chains.map((c, i) => ({
        name: JSON.stringify(sortKeys(c.filter_chain_match ?? {})),
        path: `${path}.filter_chains[${i}]`,
      })),
      'filter_chain_match',
      (p, msg) => this.error(p, msg),
    );
    reportDuplicates(
      chains
        .map((c, i) => ({ name: str(c.name), path: `${path}.filter_chains[${i}]` }))
        .filter((c) => c.name),
      'filter chain name',
      (p, msg) => this.error(p, msg),
    );
  }

  private checkVirtualHosts(m: Msg, path: string): void {
    const hosts = list(m.virtual_hosts);
    const report = (p: string, msg: string) => this.error(p, msg);
    reportDuplicates(
      hosts.map((h, i) => ({ name: str(h.name), path: `${path}.virtual_hosts[${i}]` })),
      'virtual host name',
      report,
    );
    const domains = hosts.flatMap((h, i) =>
      list(h.domains).map((d, j) => ({
        name: String(d).toLowerCase(),
        path: `${path}.virtual_hosts[${i}].domains[${j}]`,
      })),
    );
    reportDuplicates(domains, 'domain', report);
  }

  private checkHttpFilters(m: Msg, path: string): void {
    const filters = list(m.http_filters);
    filters.forEach((f, i) => {
      const at = `${path}.http_filters[${i}]`;
      const type = (f.typed_config as Msg | undefined)?.['@type'];
      if (f.typed_config === undefined && f.config_discovery === undefined)
        this.error(at, `HTTP filter "${str(f.name)}" needs a typed_config`);
      const last = i === filters.length - 1;
      if (type === ROUTER && !last) this.error(at, 'the router filter must be the last HTTP filter');
      if (last && type !== ROUTER)
        this.error(at, `the last HTTP filter must be the router, got ${String(type ?? f.name)}`);
    });
  }

  private checkNetworkFilters(m: Msg, path: string): void {
    const filters = list(m.filters);
    filters.forEach((f, i) => {
      const type = String((f.typed_config as Msg | undefined)?.['@type'] ?? '');
      const terminal = TERMINAL_NETWORK_FILTERS.has(type);
      const last = i === filters.length - 1;
      if (terminal && !last)
        this.error(
          `${path}.filters[${i}]`,
          `terminal filter ${type.split('.').pop()} must be the last network filter`,
        );
      if (last && !terminal)
        this.error(
          `${path}.filters[${i}]`,
          `the last network filter must be terminal (http_connection_manager or tcp_proxy), got ${type || str(f.name)}`,
        );
    });
  }

  private checkWeights(m: Msg, path: string): void {
    const total = list(m.clusters).reduce((sum, c) => sum + Number(c.weight ?? 0), 0);
    if (total <= 0) this.error(path, 'the sum of weighted cluster weights must be greater than 0');
  }

  private checkBackOff(m: Msg, path: string): void {
    const base = seconds(m.base_interval);
    const max = m.max_interval === undefined ? base * 10 : seconds(m.max_interval);
    if (max < base) this.error(path, 'max_interval must be greater than or equal to base_interval');
  }

  private checkHeaderRemovals(m: Msg, path: string): void {
    for (const key of ['request_headers_to_remove', 'response_headers_to_remove']) {
      list(m[key]).forEach((h, i) => {
        const name = String(h).toLowerCase();
        if (name.startsWith(':') || name === 'host')
          this.error(`${path}.${key}[${i}]`, `"${name}": :-prefixed or host headers may not be removed`);
      });
    }
  }
}

function reportDuplicates(
  items: readonly Named[],
  what: string,
  report: (path: string, message: string) => void,
): void {
  const first = new Map<string, string>();
  for (const item of items) {
    const earlier = first.get(item.name);
    if (earlier === undefined) first.set(item.name, item.path);
    else report(item.path, `duplicate ${what} ${JSON.stringify(item.name)} (first at ${earlier})`);
  }
}

function list(value: unknown): Msg[] {
  return Array.isArray(value) ? (value as Msg[]) : [];
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function seconds(duration: unknown): number {
  return typeof duration === 'string' ? Number.parseFloat(duration) : 0;
}

function addressKey(address: unknown): string {
  const socket = ((address ?? {}) as Msg).socket_address as Msg | undefined;
  if (!socket) return '';
  return `${String(socket.protocol ?? 'TCP')}:${String(socket.address)}:${String(socket.port_value ?? socket.named_port ?? '')}`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Msg)[k])]),
    );
  }
  return value;
}
