// Builds the inbound side of a bundle: the mTLS mode the listener enforces and the one stack every
// inbound request runs (authorization, then the app). Once per activation, like the outbound routes.
import type { UpstreamAgent } from '../upstream/forward.js';
import type { Bundle } from '../../schema/bundle.types.generated.js';
import { type CompiledAuthz, compileAuthz } from '../authz/decide.js';
import { authzLayer } from '../layers/authz.js';
import { peerHeaderLayer } from '../layers/peer-header.js';
import { type AppAddress, forwardToApp } from '../upstream/app.js';
import { compose } from './compose.js';
import type { Handler } from './types.js';

export interface InboundDeps {
  /** Keep-alive agent to the app, shared across swaps. */
  readonly appAgent: UpstreamAgent;
  /** Where the app listens; defaults to 127.0.0.1:<bundle inbound.appPort>. */
  readonly app?: AppAddress;
}

export interface InboundRoutes {
  readonly mtls: 'strict' | 'permissive';
  /** `tcp`: connections are authorized by identity and joined to the app (tcp/tcp-inbound.ts). */
  readonly protocol: Bundle['inbound']['protocol'];
  readonly handler: Handler;
  readonly authz: CompiledAuthz;
  readonly app: AppAddress;
}

export function buildInbound(bundle: Bundle, deps: InboundDeps): InboundRoutes {
  const app = deps.app ?? { host: '127.0.0.1', port: bundle.inbound.appPort };
  const authz = compileAuthz(bundle.inbound.authorization, bundle.identity.trustDomain);
  const handler = compose(
    [
      // Authorization first: a denied request must cost the app nothing.
      authzLayer({ authz }),
      // Then tell the app who called (x-meshc-* from the caller were dropped at the edge).
      peerHeaderLayer(),
    ],
    forwardToApp(deps.appAgent, app),
  );
  return { mtls: bundle.inbound.mtls, protocol: bundle.inbound.protocol, handler, authz, app };
}
