// The schema's endpoint pattern takes any hex digits, colons and dots in brackets, so a mistyped IPv6
// address (`[2001:db8::12345]:15006`, `[:::]:80`) validated, and the Envoy target emitted a cluster
// Envoy refuses; an IPv4 address in brackets (`[10.0.1.5]:80`) was read as IPv4. A bracketed host must
// be an IPv6 address, as node:net reads one (the address normalize writes into bundles agrees).
import { isIPv6 } from 'node:net';
import type { ServiceCheck } from '../check-context.js';
import { makeDiagnostic } from '../report.js';
import { endpointPointer, forEachEndpoint } from './endpoint-list.js';

export const checkIpv6Endpoints: ServiceCheck = (ctx) => {
  for (const svc of ctx.services) {
    forEachEndpoint(svc.doc.spec, (endpoint, version, index) => {
      if (!endpoint.startsWith('[')) return;
      const host = endpoint.slice(1, endpoint.lastIndexOf(']'));
      if (isIPv6(host)) return;
      ctx.add(
        makeDiagnostic(
          'MC2006',
          svc.source.locate(endpointPointer(version, index)),
          `endpoint ${endpoint}: \`${host}\` is not an IPv6 address`,
          {
            hint: 'brackets hold an IPv6 address ([2001:db8::5]:15006); write IPv4 without them (10.0.1.5:15006)',
          },
        ),
      );
    });
  }
};
