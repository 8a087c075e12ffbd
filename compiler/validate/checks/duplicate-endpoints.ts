// An endpoint address is one sidecar's inbound listener: listed under two services or versions,
// the proxies would send one service's traffic to the other's workload (MC3013).
import type { SpecDocument } from '../../load/types.js';
import type { Check } from '../check-context.js';
import { joinPointer } from '../pointer.js';
import { makeDiagnostic, relatedAt } from '../report.js';

interface Seen {
  readonly owner: string;
  readonly pointer: string;
  readonly source: SpecDocument;
}

export const checkDuplicateEndpoints: Check = (ctx) => {
  const seen = new Map<string, Seen>();
  for (const svc of ctx.services) {
    const name = svc.doc.metadata.name;
    const lists: [string, string, readonly string[]][] = svc.doc.spec.versions
      ? Object.entries(svc.doc.spec.versions).map(([v, ver]) => [
          `${name}/${v}`,
          joinPointer('/spec/versions', v, 'endpoints'),
          ver.endpoints,
        ])
      : [[name, '/spec/endpoints', svc.doc.spec.endpoints ?? []]];
    for (const [owner, base, endpoints] of lists) {
      endpoints.forEach((endpoint, i) => {
        const key = endpoint.toLowerCase();
        const pointer = `${base}/${i}`;
        const first = seen.get(key);
        if (!first) {
          seen.set(key, { owner, pointer, source: svc.source });
          return;
        }
        ctx.add(
          makeDiagnostic(
            'MC3013',
            svc.source.locate(pointer),
            `endpoint ${endpoint} of \`${owner}\` is already an endpoint of \`${first.owner}\``,
            {
              hint: 'every instance has its own sidecar inbound address; list each address once',
              related: [relatedAt(first.source.locate(first.pointer), `first listed for \`${first.owner}\``)],
            },
          ),
        );
      });
    }
  }
};
