// The inbound proxy's terminal handler: forward to the app on its loopback port over one keep-alive
// agent (shared across bundle swaps). Plain HTTP: the hop never leaves the workload's own host, so it
// runs on meshc's own lean HTTP/1.1 client (runtime/http1/client.ts) rather than undici.
import { Http1Agent } from '../http1/client.js';
import type { Handler, ProxyResponse } from '../stack/types.js';
import { forward, type UpstreamAgent } from './forward.js';
import { dropMeshcHeaders } from './hop-by-hop.js';

/** Connecting over loopback either succeeds at once or is refused; anything slower is a stuck app. */
export const APP_CONNECT_TIMEOUT_MS = 5000;

export interface AppAddress {
  readonly host: string;
  readonly port: number;
}

export function createAppAgent(): Http1Agent {
  // The app's Keep-Alive hint (Node servers send timeout=5) lowers the idle timeout further.
  return new Http1Agent({ keepAliveTimeoutMs: 30_000 });
}

export function forwardToApp(agent: UpstreamAgent, app: AppAddress): Handler {
  return (ctx) =>
    forward(ctx, {
      agent,
      host: app.host,
      port: app.port,
      connectTimeoutMs: APP_CONNECT_TIMEOUT_MS,
      endpoint: undefined,
    }).then(dropAppMeshcHeaders);
}

/**
 * An app's own `x-meshc-*` response headers go, as a caller's request ones do: an app answering
 * `x-meshc-error: authz-denied` would have its caller believe the mesh refused it. (Only here: a
 * callee sidecar's answer to an outbound hop carries the mesh's own, which must reach the caller.)
 */
function dropAppMeshcHeaders(response: ProxyResponse): ProxyResponse {
  dropMeshcHeaders(response.headers);
  return response;
}
