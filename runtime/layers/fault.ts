// Fault injection for chaos testing: delay and/or abort a percentage of requests, decided with the
// injected random source. Sits outermost, before the route timeout starts, so an injected delay
// models a slow network rather than eating the upstream's time budget (as Envoy's fault filter).
import type { BundleRoute } from '../../schema/bundle.types.generated.js';
import type { Random } from '../clock.js';
import { FaultAbortError } from '../errors.js';
import { sleep } from '../stack/context.js';
import type { Layer } from '../stack/types.js';

export interface FaultConfig {
  readonly fault: NonNullable<BundleRoute['fault']>;
  readonly rule: string;
  readonly random: Random;
}

export const faultLayer: Layer<FaultConfig> = (cfg) => (next) => async (ctx) => {
  const { delay, abort } = cfg.fault;
  if (delay && cfg.random() * 100 < delay.percent) {
    ctx.faultDelayMs = delay.durationMs;
    await sleep(ctx, delay.durationMs);
  }
  if (abort && cfg.random() * 100 < abort.percent) throw new FaultAbortError(abort.status, cfg.rule);
  return next(ctx);
};
