// Features a bundle carries that the native proxy does not implement yet. They are listed, never
// dropped silently, so the proxy can report them at activation. The rule (docs/bundle-format.md):
// inbound protocol other than http, and per destination a protocol other than http. (Circuit-breaker
// limits, outlier detection and mirrors, once listed here, are implemented.) Shrink this file as the
// runtime catches up.
import type { Bundle } from '../../schema/bundle.types.generated.js';
import type { ServiceModel } from '../model.js';

type Unsupported = Bundle['unsupported'];

export function listUnsupported(self: ServiceModel, destinations: readonly ServiceModel[]): Unsupported {
  const out: Unsupported = [];
  if (self.protocol !== 'http') {
    out.push({
      feature: `inbound-protocol:${self.protocol}`,
      source: self.sources.protocol,
    });
  }
  for (const dest of destinations) {
    if (dest.protocol !== 'http')
      out.push({
        feature: `protocol:${dest.protocol}`,
        source: dest.sources.protocol,
      });
  }
  return out;
}
