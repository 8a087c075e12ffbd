// Endpoint strings of the spec (`ip:port`, `[ipv6]:port`, `dns:name:port`) as typed addresses, and
// the versions they belong to: plain `endpoints:` is one version named `default`.
import type { ServiceSpec } from '../../schema/mesh.types.generated.js';
import type { EndpointModel, VersionModel } from '../model.js';

/** The version name plain `endpoints:` stands for. */
export const DEFAULT_VERSION = 'default';

/** Parses an endpoint that validation accepted; the port is after the last colon in every form. */
export function parseEndpoint(text: string): EndpointModel {
  const colon = text.lastIndexOf(':');
  const port = Number(text.slice(colon + 1));
  if (text.startsWith('dns:')) return { kind: 'dns', host: text.slice(4, colon).toLowerCase(), port };
  if (text.startsWith('['))
    return {
      kind: 'static',
      host: text.slice(1, colon - 1).toLowerCase(),
      port,
    };
  return { kind: 'static', host: text.slice(0, colon), port };
}

/** Versions sorted by name, endpoints in spec order. */
export function normalizeVersions(spec: ServiceSpec): VersionModel[] {
  if (spec.endpoints) return [{ name: DEFAULT_VERSION, endpoints: spec.endpoints.map(parseEndpoint) }];
  return Object.keys(spec.versions ?? {})
    .sort()
    .map((name) => ({
      name,
      endpoints: (spec.versions?.[name]?.endpoints ?? []).map(parseEndpoint),
    }));
}
