// The inbound proxy's terminal handler: forward to the app on its loopback port over one keep-alive
// undici agent (shared across bundle swaps). Plain HTTP: the hop never leaves the workload's own host.
import type { Dispatcher } from 'undici';
import type { Handler } from '../stack/types.js';
import { forward } from './forward.js';
import { Agent } from './undici-agent.js';

/** Connecting over loopback either succeeds at once or is refused; anything slower is a stuck app. */
export const APP_CONNECT_TIMEOUT_MS = 5000;

export interface AppAddress {
  readonly host: string;
  readonly port: number;
}

export function createAppAgent(): Agent {
  // The app's Keep-Alive hint (Node servers send timeout=5) lowers the idle timeout further.
  return new Agent({ pipelining: 1, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 30_000 });
}

export function forwardToApp(agent: Dispatcher, app: AppAddress): Handler {
  return (ctx) =>
    forward(ctx, {
      agent,
      host: app.host,
      port: app.port,
      secure: false,
      connectTimeoutMs: APP_CONNECT_TIMEOUT_MS,
      endpoint: undefined,
    });
}
