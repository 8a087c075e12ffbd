// Shared by the Envoy emitter tests: a bundle's bootstrap as plain data, and short ways to reach
// its listeners, connection managers, virtual hosts and clusters.
import { buildEnvoyBootstrap } from '../../compiler/emit/envoy/index.js';
import type { Bundle } from '../../schema/bundle.types.generated.js';
import { bundle } from './bundles.js';

export type Json = Record<string, any>;

export const build = (b: Bundle, certDir?: string): Json =>
  buildEnvoyBootstrap(b, certDir ? { certDir } : {});
export const listener = (c: Json, name: string) =>
  c.static_resources.listeners.find((l: Json) => l.name === name);
export const cluster = (c: Json, name: string) =>
  c.static_resources.clusters.find((l: Json) => l.name === name);
export const lastFilter = (chain: Json) => chain.filters[chain.filters.length - 1].typed_config;
export const outboundHcm = (c: Json) => lastFilter(listener(c, 'outbound').filter_chains[0]);
export const inboundHcm = (c: Json) => lastFilter(listener(c, 'inbound').filter_chains[0]);
export const vhost = (c: Json, name: string) =>
  outboundHcm(c).route_config.virtual_hosts.find((v: Json) => v.name === name);
export const filterNames = (hcm: Json) => hcm.http_filters.map((f: Json) => f.name);

export const denyAllInbound = (rules: Bundle['inbound']['authorization']['rules']): Bundle['inbound'] => ({
  ...bundle().inbound,
  authorization: { default: 'deny', source: 'services/reviews.yaml:30', rules },
});
