// Bundles for runtime tests, built on the base bundle of test/helpers with runtime-test defaults
// (no retries, round-robin, loopback endpoints), so a test states only what it is about.
import type {
  Bundle,
  BundleAuthzRule,
  BundleEndpoint,
  BundleRetries,
  BundleRoute,
  ClusterPolicy,
  Destination,
  InboundAuthorization,
} from '../../schema/bundle.types.generated.js';
import {
  backends,
  bundle as baseBundle,
  defaultClusterPolicy,
  defaultRetries,
  destination as baseDestination,
  route as baseRoute,
} from '../helpers/bundle-fixtures.js';

export { backends };

export const TRUST_DOMAIN = 'shop.local';

export const spiffeOf = (service: string, td = TRUST_DOMAIN) => `spiffe://${td}/${service}`;

/** The default retries turned off: no attempts, no retry condition. */
export const noRetries: BundleRetries = {
  ...defaultRetries(),
  attempts: 0,
  perTryTimeoutMs: 0,
  on: {
    connectFailure: false,
    refusedStream: false,
    reset: false,
    any5xx: false,
    gatewayError: false,
    statuses: [],
  },
};

export function retries(
  overrides: Partial<Omit<BundleRetries, 'on'>> & { on?: Partial<BundleRetries['on']> },
): BundleRetries {
  return { ...noRetries, ...overrides, on: { ...noRetries.on, ...overrides.on } };
}

/** A catch-all route to one version unless told otherwise. */
export function route(overrides: Partial<BundleRoute> & { name: string }): BundleRoute {
  return baseRoute({
    source: `services/test.yaml:${overrides.name.length + 10}`,
    retries: noRetries,
    ...overrides,
  });
}

export const defaultPolicy: ClusterPolicy = {
  ...defaultClusterPolicy(),
  connectTimeoutMs: 1000,
  loadBalancer: { policy: 'round-robin', hashHeader: null },
};

export const staticEndpoint = (port: number, host = '127.0.0.1'): BundleEndpoint => ({
  kind: 'static',
  host,
  port,
});

export function destination(opts: {
  service: string;
  versions: Record<string, BundleEndpoint[]>;
  routes?: BundleRoute[];
  policy?: Partial<ClusterPolicy>;
  spiffeId?: string;
}): Destination {
  return baseDestination({
    service: opts.service,
    spiffeId: opts.spiffeId ?? spiffeOf(opts.service),
    versions: Object.entries(opts.versions).map(([name, endpoints]) => ({
      name,
      endpoints,
    })) as Destination['versions'],
    policy: { ...defaultPolicy, ...opts.policy },
    routes: (opts.routes ?? [route({ name: 'default' })]) as Destination['routes'],
  });
}

export function authorization(
  def: 'allow' | 'deny',
  rules: Omit<BundleAuthzRule, 'source'>[] = [],
): InboundAuthorization {
  return {
    default: def,
    source: 'services/test.yaml:30',
    rules: rules.map((r, i) => ({ ...r, source: `services/test.yaml:${31 + i}` })),
  };
}

export function bundle(opts: {
  service: string;
  trustRoots: string[];
  appPort?: number;
  mtls?: 'strict' | 'permissive';
  authorization?: InboundAuthorization;
  outbound?: Destination[];
  sampling?: number;
  otlpEndpoint?: string;
}): Bundle {
  return baseBundle({
    service: opts.service,
    identity: { trustDomain: TRUST_DOMAIN, spiffeId: spiffeOf(opts.service) },
    trustRoots: opts.trustRoots as Bundle['trustRoots'],
    observability: {
      accessLog: 'off',
      tracing: { sampling: opts.sampling ?? 0, otlpEndpoint: opts.otlpEndpoint ?? '' },
    },
    inbound: {
      protocol: 'http',
      appPort: opts.appPort ?? 9080,
      mtls: opts.mtls ?? 'strict',
      authorization: opts.authorization ?? authorization('allow'),
    },
    outbound: opts.outbound ?? [],
  });
}
