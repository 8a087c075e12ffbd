// Tells the app who called: `x-meshc-peer: <spiffe id>`, set only by the inbound proxy from the
// verified client certificate. Any `x-meshc-*` the caller sent was already dropped at the edge, so
// the header is absent (never forged) when the caller presented no certificate.
import type { Layer } from '../stack/types.js';

export const PEER_HEADER = 'x-meshc-peer';

export const peerHeaderLayer: Layer<void> = () => (next) => (ctx) => {
  if (ctx.peer !== undefined) ctx.upstreamHeaders[PEER_HEADER] = ctx.peer;
  return next(ctx);
};
