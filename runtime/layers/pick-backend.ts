// Chooses the backend version of a request by the route's weights, once per request and outside
// retry, so every attempt stays on the version the split chose (as Envoy's weighted clusters).
import type { BundleRoute } from '../../schema/bundle.types.generated.js';
import type { Random } from '../clock.js';
import { pickBackend } from '../route/route-table.js';
import type { Layer } from '../stack/types.js';

export interface PickBackendConfig {
  readonly route: Pick<BundleRoute, 'backends'>;
  readonly random: Random;
}

export const pickBackendLayer: Layer<PickBackendConfig> = (cfg) => {
  const single = cfg.route.backends.length === 1 ? cfg.route.backends[0].version : undefined;
  return (next) => (ctx) => {
    ctx.version = single ?? pickBackend(cfg.route, cfg.random);
    return next(ctx);
  };
};
