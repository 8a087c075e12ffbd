// The inbound side of a `protocol: tcp` service: a connection the front door accepted (mTLS, or
// plaintext in permissive mode) is authorized by the caller's identity alone (the spec allows no
// method or path rules on tcp services, MC3026), then joined to the app's port. A denied caller is
// disconnected before the app sees anything, as Envoy's network RBAC filter does.
import net, { type Socket } from 'node:net';
import { decide } from '../authz/decide.js';
import type { TcpConnectionRecord } from '../observer.js';
import { peerOf } from '../server/inbound.js';
import type { ServerEnv } from '../server/options.js';
import type { ProxySnapshot } from '../snapshot.js';
import { APP_CONNECT_TIMEOUT_MS } from '../upstream/app.js';
import type { Connecting } from './connecting.js';
import { dial, whenConnected } from './dial.js';
import { splice, spliceError } from './splice.js';

/** `connecting` is settled here once the connection is joined to the app or reported. */
export function serveTcpInbound(
  socket: Socket,
  snapshot: ProxySnapshot,
  env: ServerEnv,
  connecting: Connecting,
): void {
  const started = env.clock.now();
  const startTime = Date.now();
  const { inbound } = snapshot;
  const peer = peerOf(socket, snapshot.bundle.identity.trustDomain) ?? null;
  const report = (end: Pick<TcpConnectionRecord, 'bytesIn' | 'bytesOut' | 'error' | 'rule'>): void =>
    env.observer?.tcpConnectionEnded?.({
      direction: 'inbound',
      service: snapshot.bundle.service,
      peer,
      route: null,
      version: null,
      endpoint: `${inbound.app.host}:${inbound.app.port}`,
      startTime,
      durationMs: env.clock.now() - started,
      ...end,
    });
  socket.on('error', () => socket.destroy());
  // Strict admits mesh identities only: not a plaintext connection (the mode changed under a
  // permissive one), nor a certificate that names no id of this trust domain (inbound.ts).
  const decision =
    inbound.mtls === 'strict' && peer === null
      ? { allow: false, source: null }
      : decide(inbound.authz, { peer: peer ?? undefined, method: '', path: '' });
  if (!decision.allow) {
    socket.destroy();
    report({ bytesIn: 0, bytesOut: 0, error: 'authz-denied', rule: decision.source });
    connecting.settled();
    return;
  }
  const rule = decision.source;
  const app = net.connect({
    host: inbound.app.host,
    port: inbound.app.port,
    noDelay: true,
    allowHalfOpen: true,
  });
  void dial(app, whenConnected, APP_CONNECT_TIMEOUT_MS, env.clock, connecting.signal).then((outcome) => {
    if (!outcome.ok) {
      socket.destroy();
      const error = outcome.gone ? env.tcpHops.clientGoneReason() : 'upstream-connect-failure';
      report({ bytesIn: 0, bytesOut: 0, error, rule });
    } else {
      splice(socket, app, env, ({ bytesIn, bytesOut, failed }) =>
        report({ bytesIn, bytesOut, error: spliceError(failed), rule }),
      );
    }
    connecting.settled();
  });
}
