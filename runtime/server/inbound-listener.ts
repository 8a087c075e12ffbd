// The inbound port's front door. One TCP listener serves three protocol servers: mTLS that requires
// a client certificate (strict), TLS that accepts one (permissive), and plaintext (permissive only).
// It peeks at the first byte (0x16 opens a TLS handshake) and hands the socket over; the mode is read
// from the active bundle per connection, so a swap between strict and permissive needs no restart.
// A `protocol: tcp` service gets the same front door, with TLS servers that hand each connection to
// tcp/tcp-inbound.ts instead of an HTTP server.
import { constants as cryptoConstants } from 'node:crypto';
import net from 'node:net';
import {
  createServer as createTlsServer,
  type SecureContextOptions,
  type TLSSocket,
  type TlsOptions,
} from 'node:tls';
import { createHttp1Server, type Http1Server } from '../http1/server.js';
import { handshakeFailureOf } from '../identity/handshake-failure.js';
import { MESH_TLS_CIPHERS, MESH_TLS_MIN_VERSION } from '../identity/tls-policy.js';
import type { ActiveConfig } from '../snapshot.js';
import { serveTcpInbound } from '../tcp/tcp-inbound.js';
import { inboundRequestListener } from './inbound.js';
import { onClientError, type ServerEnv } from './options.js';

const TLS_HANDSHAKE = 0x16;

export interface TlsMaterial {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** Trust roots (PEM) a client certificate must chain to. */
  readonly ca: readonly string[];
}

export interface InboundListener {
  readonly server: net.Server;
  /** New certificate, key or roots for new handshakes; open connections keep theirs. */
  setTls(tls: TlsMaterial): void;
  /** The HTTP server behind the front door, for TLS and plaintext connections alike (shutdown). */
  readonly http: Http1Server;
  /** Sockets still in the first-byte peek, not yet owned by an HTTP server. */
  destroyPending(): void;
}

/**
 * No session tickets, so no resumption: a resumed session skips the certificate checks, and a client
 * whose certificate expired after its first handshake was accepted again, with its identity, for the
 * ticket's lifetime (5 minutes). Peers keep their connections pooled, so few handshakes are redone.
 */
const NO_RESUMPTION = cryptoConstants.SSL_OP_NO_TICKET;

/**
 * The secure context of every inbound server, at start and after a swap: setSecureContext starts from
 * Node's defaults, so one list of options serves both (the per-server ones, requestCert and
 * rejectUnauthorized, are not part of a context and stay).
 */
function secureContextOf(tls: TlsMaterial): SecureContextOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    ca: [...tls.ca],
    minVersion: MESH_TLS_MIN_VERSION,
    ciphers: MESH_TLS_CIPHERS,
    secureOptions: NO_RESUMPTION,
  };
}

export function createInboundListener(
  active: ActiveConfig,
  env: ServerEnv,
  tls: TlsMaterial,
): InboundListener {
  const countClientError = onClientError('inbound', env.observer);
  const http = createHttp1Server({
    limits: env.limits,
    onRequest: inboundRequestListener(active, env),
    onClientError: countClientError,
  });
  // The first byte, then the TLS handshake, then the request head: each within the head timeout
  // (10 s), as nginx counts its handshake against client_header_timeout.
  const firstByteTimeoutMs = Math.min(env.limits.headersTimeoutMs, env.limits.requestTimeoutMs);
  const tlsOptions = (rejectUnauthorized: boolean): TlsOptions => ({
    ...secureContextOf(tls),
    requestCert: true,
    rejectUnauthorized,
    handshakeTimeout: firstByteTimeoutMs,
  });
  const onHttp = (socket: net.Socket) => http.serve(socket);
  const strict = createTlsServer(tlsOptions(true), onHttp);
  const permissive = createTlsServer(tlsOptions(false), onHttp);
  // A handshake that fails is destroyed by Node, but one that times out is only reported here
  // (fastify#3251): without this, a client sending one byte 0x16 held the
  // connection for good. It goes, and an HTTP one counts as a slow client's 408 would. Every failure
  // is counted by its reason (a caller with the wrong CA, none, or no TLS at all is otherwise silent).
  const onHandshakeError = (counted: boolean) => (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    socket.destroy();
    env.observer?.tlsHandshakeFailed?.('inbound', handshakeFailureOf(err, socket));
    if (counted && err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') countClientError('request-timeout');
  };
  strict.on('tlsClientError', onHandshakeError(true));
  permissive.on('tlsClientError', onHandshakeError(true));
  const onTcp = (socket: net.Socket) => {
    const connecting = env.tcpHops.startConnecting(socket);
    try {
      serveTcpInbound(socket, active.current, env, connecting);
    } catch (err) {
      // A bug, not a network failure: the connection goes, the proxy stays (and says so once).
      socket.destroy();
      connecting.settled();
      env.observer?.internalError?.(err, undefined);
    }
  };
  const tcpStrict = createTlsServer(tlsOptions(true), onTcp);
  const tcpPermissive = createTlsServer(tlsOptions(false), onTcp);
  // A tcp hop's connections are accounted for by tcpConnectionEnded, not as HTTP client errors.
  tcpStrict.on('tlsClientError', onHandshakeError(false));
  tcpPermissive.on('tlsClientError', onHandshakeError(false));

  const pending = new Set<net.Socket>();
  // noDelay here, where the socket is accepted: the HTTP servers' own noDelay applies only to sockets
  // they accept themselves, and with Nagle on, a response written in two pieces (head, then body; or
  // two TLS records) waits for the client's delayed ACK, up to 40 ms.
  const server = net.createServer({ noDelay: true }, (socket) => {
    pending.add(socket);
    const onTimeout = () => socket.destroy();
    const onError = () => socket.destroy();
    socket.setTimeout(firstByteTimeoutMs, onTimeout);
    socket.on('error', onError);
    socket.once('close', () => pending.delete(socket));
    socket.once('data', (chunk: Buffer) => {
      pending.delete(socket);
      socket.setTimeout(0);
      socket.off('timeout', onTimeout);
      socket.off('error', onError);
      socket.pause();
      socket.unshift(chunk);
      const { mtls: mode, protocol } = active.current.inbound;
      const tcp = protocol === 'tcp';
      // A tcp hop carries half-closes through (splice.ts); the TLS socket made over this one takes
      // the setting from it. HTTP connections keep Node's default: a FIN ends them.
      if (tcp) socket.allowHalfOpen = true;
      if (chunk[0] === TLS_HANDSHAKE) {
        // tls.TLSSocket reads the unshifted bytes itself (initRead), so the socket stays paused.
        const server = tcp
          ? mode === 'strict'
            ? tcpStrict
            : tcpPermissive
          : mode === 'strict'
            ? strict
            : permissive;
        server.emit('connection', socket);
      } else if (mode === 'permissive' && tcp) {
        // Joined to the app paused: the unshifted bytes go first once the app is connected.
        onTcp(socket);
      } else if (mode === 'permissive') {
        // The server resumes the socket, which replays the unshifted bytes first.
        http.serve(socket);
      } else {
        socket.destroy();
        env.observer?.tlsHandshakeFailed?.('inbound', 'not-tls');
      }
    });
  });

  return {
    server,
    http,
    setTls(next) {
      const context = secureContextOf(next);
      for (const server of [strict, permissive, tcpStrict, tcpPermissive]) server.setSecureContext(context);
    },
    destroyPending() {
      for (const s of pending) s.destroy();
      pending.clear();
    },
  };
}
