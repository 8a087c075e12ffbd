// Features a bundle carries that the native proxy does not implement yet. They are listed, never
// dropped silently, so the proxy can report them at activation. The rule (docs/bundle-format.md):
// inbound protocol http2 or grpc, and per destination a protocol http2 or grpc. (Circuit-breaker
// limits, outlier detection, mirrors and tcp, once listed here, are implemented.) Shrink this file as
// the runtime catches up.
import type { Bundle } from '../../schema/bundle.types.generated.js';
import type { ServiceModel } from '../model.js';

type Unsupported = Bundle['unsupported'];

/** Protocols the native proxy serves, inbound and to destinations. */
const IMPLEMENTED: ReadonlySet<string> = new Set(['http', 'tcp']);

export function listUnsupported(self: ServiceModel, destinations: readonly ServiceModel[]): Unsupported {
  const out: Unsupported = [];
  if (!IMPLEMENTED.has(self.protocol)) {
    out.push({
      feature: `inbound-protocol:${self.protocol}`,
      source: self.sources.protocol,
    });
  }
  for (const dest of destinations) {
    if (!IMPLEMENTED.has(dest.protocol))
      out.push({
        feature: `protocol:${dest.protocol}`,
        source: dest.sources.protocol,
      });
  }
  return out;
}
