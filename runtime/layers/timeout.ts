// The route timeout: one deadline for the whole request (every attempt and back-off included), as
// the bundle defines it. When it fires, the context is cancelled: the attempt in flight is torn down
// and the request ends in 504 `upstream-timeout` naming the route. It bounds the time to the response
// head; a body already streaming is bounded by the stream idle timeout instead (upstream/forward.ts).
import { UpstreamTimeoutError } from '../errors.js';
import type { RequestContext } from '../stack/context.js';
import type { Layer } from '../stack/types.js';

export interface TimeoutConfig {
  readonly timeoutMs: number;
  /** Provenance of the route whose timeout this is. */
  readonly rule: string;
}

export const timeoutLayer: Layer<TimeoutConfig> = (cfg) => (next) => async (ctx) => {
  if (!(cfg.timeoutMs > 0 && Number.isFinite(cfg.timeoutMs))) return next(ctx);
  ctx.deadline = ctx.clock.now() + cfg.timeoutMs;
  ctx.timeoutMs = cfg.timeoutMs;
  const timer = ctx.clock.setTimer(onRouteTimeout, cfg.timeoutMs, ctx);
  try {
    return await next(ctx);
  } finally {
    ctx.clock.clearTimer(timer);
  }
};

function onRouteTimeout(ctx: RequestContext): void {
  ctx.cancel(
    new UpstreamTimeoutError(`no response within the route timeout of ${ctx.timeoutMs} ms`, ctx.routeSource),
  );
}
