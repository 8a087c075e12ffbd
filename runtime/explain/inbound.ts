// One inbound decision explained: would the callee's own proxy admit this caller for this method
// and path? The proxy's authorization decision (authz/decide.ts), naming the rule that decided.
import type { Bundle } from '../../schema/bundle.types.generated.js';
import { decide } from '../authz/decide.js';
import { authzOf } from './compiled.js';
import { hostPort } from '../host-port.js';

export interface InboundHop {
  readonly decision: 'allow' | 'deny';
  /** 403 when denied (`x-meshc-error: authz-denied`), null when the request reaches the app. */
  readonly status: 403 | null;
  /** The caller's SPIFFE id, as the callee's proxy reads it from the client certificate. */
  readonly peer: string;
  /** file:line of the allow rule that admitted, or of the default that decided (`x-meshc-rule`). */
  readonly rule: string;
  readonly reason: string;
  /** Where the callee's proxy forwards an admitted request. */
  readonly forwardTo: string;
}

/** A caller as a SPIFFE id: service names are taken to be of the callee's trust domain. */
export function peerIdOf(bundle: Bundle, caller: string): string {
  return caller.startsWith('spiffe://') ? caller : `spiffe://${bundle.identity.trustDomain}/${caller}`;
}

/** `app`: where this proxy was told the app listens (--app); default the bundle's app port on loopback. */
export function explainInbound(
  bundle: Bundle,
  req: { readonly peer: string; readonly method: string; readonly path: string },
  app?: { readonly host: string; readonly port: number },
): InboundHop {
  const decision = decide(authzOf(bundle), req);
  return {
    decision: decision.allow ? 'allow' : 'deny',
    status: decision.allow ? null : 403,
    peer: req.peer,
    rule: decision.source,
    reason: decision.reason,
    forwardTo: app ? hostPort(app.host, app.port) : `127.0.0.1:${bundle.inbound.appPort}`,
  };
}
