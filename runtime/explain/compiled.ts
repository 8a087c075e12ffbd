// Route tables and authorization compiled once per bundle object, as the proxy does at activation,
// so an explanation costs the same first-match scan as a request and never re-builds regexes.
import type { Bundle } from '../../schema/bundle.types.generated.js';
import { type CompiledAuthz, compileAuthz } from '../authz/decide.js';
import { compileRouteTable, type RouteTable } from '../route/route-table.js';

interface Compiled {
  readonly tables: ReadonlyMap<string, RouteTable>;
  readonly authz: CompiledAuthz;
}

const cache = new WeakMap<Bundle, Compiled>();

function compiledOf(bundle: Bundle): Compiled {
  let c = cache.get(bundle);
  if (!c) {
    c = {
      // tcp destinations get no HTTP route table in the proxy either (build-outbound.ts).
      tables: new Map(
        bundle.outbound.filter((d) => d.protocol !== 'tcp').map((d) => [d.service, compileRouteTable(d)]),
      ),
      authz: compileAuthz(bundle.inbound.authorization, bundle.identity.trustDomain),
    };
    cache.set(bundle, c);
  }
  return c;
}

/** The compiled route table of `service` in `bundle`; undefined when the bundle has no HTTP routes to it. */
export function routeTableOf(bundle: Bundle, service: string): RouteTable | undefined {
  return compiledOf(bundle).tables.get(service);
}

export function authzOf(bundle: Bundle): CompiledAuthz {
  return compiledOf(bundle).authz;
}
