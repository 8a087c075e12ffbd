// Inbound authorization as a layer: the pure decision (authz/decide.ts) on the caller's identity and
// the normalised method and path; a deny becomes a 403 naming the deciding rule (x-meshc-rule).
import { type CompiledAuthz, decide } from '../authz/decide.js';
import { AuthzDeniedError } from '../errors.js';
import type { Layer } from '../stack/types.js';

export interface AuthzConfig {
  readonly authz: CompiledAuthz;
}

export const authzLayer: Layer<AuthzConfig> = (cfg) => (next) => (ctx) => {
  const decision = decide(cfg.authz, ctx);
  ctx.rule = decision.source;
  if (!decision.allow) return Promise.reject(new AuthzDeniedError(decision.reason, decision.source));
  return next(ctx);
};
