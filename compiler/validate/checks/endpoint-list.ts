// Where a service lists its endpoints: `spec.endpoints`, or each version's. One walk for every check
// that reads them (MC3013 over outlines, MC2006 over documents), with the pointer each stands at.
import { joinPointer } from '../pointer.js';

interface EndpointLists {
  readonly endpoints?: readonly string[] | undefined;
  readonly versions?: { readonly [version: string]: { readonly endpoints: readonly string[] } } | undefined;
}

/** Calls `visit` for each endpoint, in spec order: the version's name, or undefined for `spec.endpoints`. */
export function forEachEndpoint(
  spec: EndpointLists,
  visit: (endpoint: string, version: string | undefined, index: number) => void,
): void {
  if (spec.versions) {
    for (const version in spec.versions) {
      spec.versions[version]!.endpoints.forEach((endpoint, index) => visit(endpoint, version, index));
    }
  } else spec.endpoints?.forEach((endpoint, index) => visit(endpoint, undefined, index));
}

/** The pointer of the endpoint forEachEndpoint gave with `version` and `index`. */
export function endpointPointer(version: string | undefined, index: number): string {
  return version === undefined
    ? `/spec/endpoints/${index}`
    : `${joinPointer('/spec/versions', version, 'endpoints')}/${index}`;
}
