// Traffic mirroring (Envoy's request_mirror_policies): a `percent` share of a route's requests is also
// sent, fire and forget, to the `version` the mirror names, on the same destination; the client only
// ever sees the answer of the version the split chose. Once per request, outside retry (the shadow is
// never retried), after header mutations (the shadow carries them, as Envoy's router copy does). The
// shadow keeps Host and x-request-id (the Envoy target disables the "-shadow" host suffix likewise) and
// the route timeout. Its body must be replayable: a body past the route's maxBodyBytes is streamed to
// the chosen version only, and that request is not mirrored. Failures of the shadow are ignored. A
// shadow takes a slot of its own version's circuit breaker, so a hanging mirror version fills only its
// own limits; when they are full the shadow is dropped, never the request it copies.
import type { BundleRoute } from '../../schema/bundle.types.generated.js';
import type { Random } from '../clock.js';
import { CircuitOpenError } from '../errors.js';
import type { ProxyObserver } from '../observer.js';
import { RequestContext } from '../stack/context.js';
import { bufferRequestBody } from '../stack/request-body.js';
import type { Handler, Layer } from '../stack/types.js';
import { discardResponse } from '../stack/discard-response.js';

export interface MirrorConfig {
  readonly mirror: NonNullable<BundleRoute['mirror']>;
  /**
   * The destination's terminal behind its circuit breakers and the route timeout: balances over the
   * endpoints of `ctx.version` and forwards, or refuses when that version's breaker is full.
   */
  readonly send: Handler;
  /** Told of shadows dropped for a full breaker. */
  readonly observer?: ProxyObserver | undefined;
  readonly random: Random;
  /** The route's retry maxBodyBytes: the most of a body the proxy holds in memory. */
  readonly maxBodyBytes: number;
}

export const mirrorLayer: Layer<MirrorConfig> = (cfg) => (next) => async (ctx) => {
  if (cfg.random() * 100 < cfg.mirror.percent) {
    await bufferRequestBody(ctx, cfg.maxBodyBytes);
    if (ctx.body.kind !== 'stream') shadow(ctx, cfg);
  }
  return next(ctx);
};

function shadow(ctx: RequestContext, cfg: MirrorConfig): void {
  const copy = new RequestContext(ctx.method, ctx.headers, ctx.clock, ctx.clock.now());
  copy.path = ctx.path;
  copy.rawQuery = ctx.rawQuery;
  copy.upstreamHeaders = { ...ctx.upstreamHeaders };
  copy.body = ctx.body;
  copy.requestId = ctx.requestId;
  copy.destination = ctx.destination;
  copy.routeName = ctx.routeName;
  copy.routeSource = ctx.routeSource;
  copy.version = cfg.mirror.version;
  // Nobody reads a shadow's answer: a body still arriving is destroyed (stack/discard-response.ts).
  cfg.send(copy).then(discardResponse, (err) => {
    if (err instanceof CircuitOpenError) cfg.observer?.shadowDropped?.(copy.destination ?? '', copy.version!);
  });
}
