// An endpoint address is one sidecar's inbound listener: listed under two services or versions,
// the proxies would send one service's traffic to the other's workload (MC3013).
import type { SpecDocument } from '../../load/types.js';
import { parseEndpoint } from '../../normalize/endpoints.js';
import type { Check } from '../check-context.js';
import { endpointPointer, forEachEndpoint } from './endpoint-list.js';
import { makeDiagnostic, relatedAt } from '../report.js';

/** Where an endpoint was first listed; owner and pointer are spelled out only for a diagnostic. */
interface Seen {
  readonly name: string;
  /** The version listing it, or undefined for the service's own `endpoints`. */
  readonly version: string | undefined;
  readonly index: number;
  readonly source: SpecDocument;
}

const ownerOf = (s: Seen) => (s.version === undefined ? s.name : `${s.name}/${s.version}`);

const pointerOf = (s: Seen) => endpointPointer(s.version, s.index);

/**
 * One spelling per address, read as the compiler reads it into bundles (normalize/endpoints.ts,
 * parseEndpoint): an IPv6 literal in its RFC 5952 text, so `[0:0:0:0:0:0:0:1]:80` and `[::1]:80` are
 * one; names and IPv4 compared case-insensitively; the port as written.
 */
function endpointKey(endpoint: string): string {
  const { kind, host } = parseEndpoint(endpoint);
  return `${kind}:${host.toLowerCase()}:${endpoint.slice(endpoint.lastIndexOf(':') + 1)}`;
}

export const checkDuplicateEndpoints: Check = (ctx) => {
  const seen = new Map<string, Seen>();
  const visit = (here: Seen, endpoint: string) => {
    const key = endpointKey(endpoint);
    const first = seen.get(key);
    if (!first) {
      seen.set(key, here);
      return;
    }
    ctx.add(
      makeDiagnostic(
        'MC3013',
        here.source.locate(pointerOf(here)),
        `endpoint ${endpoint} of \`${ownerOf(here)}\` is already an endpoint of \`${ownerOf(first)}\``,
        {
          hint: 'every instance has its own sidecar inbound address; list each address once',
          related: [
            relatedAt(first.source.locate(pointerOf(first)), `first listed for \`${ownerOf(first)}\``),
          ],
        },
      ),
    );
  };
  // Every endpoint of the mesh goes through here on every validate: nothing is built for one that
  // is not a duplicate.
  for (const { doc, source } of ctx.services) {
    const name = doc.metadata.name;
    forEachEndpoint(doc.spec, (endpoint, version, index) =>
      visit({ name, version, index, source }, endpoint),
    );
  }
};
