// When a mesh peer has ACCEPTED our client certificate, not merely finished the handshake on our side.
// In TLS 1.3 the client's secureConnect fires before the server has judged our certificate; a server
// that refuses it answers with an alert or a reset just after. Every hop to a sidecar (the HTTP pool's
// connector, a tcp destination's connection) waits for this before it counts as connected, so a
// refusal is a connect failure (safe to retry elsewhere, fed to outlier detection), never an upstream
// reset or a clean close (decision 0012).
import type { TLSSocket } from 'node:tls';
import { handshakeFailureOf, type TlsHandshakeFailure } from '../identity/handshake-failure.js';

/** How long a TLS 1.3 connection waits for the server's first session ticket before it is used anyway. */
const TICKET_GRACE_MS = 200;

/**
 * Calls `accepted` once the server accepted us: at secureConnect under TLS 1.2 (which checks the client
 * certificate within the handshake), at the first session ticket under TLS 1.3, the sign the server is
 * past its checks. Never once the socket is destroyed: an error or close before then is the caller's
 * connect failure (it listens for both). `refused`, when given, hears why once the TCP connection was
 * made and the handshake then failed (a refused or timed-out TCP connect, or our own abort, is not a
 * handshake failure); once per socket.
 */
export function whenPeerAccepts(
  socket: TLSSocket,
  accepted: () => void,
  refused?: (reason: TlsHandshakeFailure) => void,
): void {
  let done = false;
  const stopWatching = refused ? watchRefusal(socket, refused) : undefined;
  const accept = () => {
    if (done || socket.destroyed) return;
    done = true;
    stopWatching?.();
    accepted();
  };
  socket.once('secureConnect', () => {
    if (socket.getProtocol() !== 'TLSv1.3') return accept();
    // A TLS 1.3 server that issues no tickets at all (they can be disabled) is taken as accepting
    // after a short grace, as a TLS 1.2 one is; a reset after that counts as an upstream reset.
    const grace = setTimeout(accept, TICKET_GRACE_MS);
    socket.once('close', () => clearTimeout(grace));
    socket.once('session', () => {
      clearTimeout(grace);
      // Handed over on the next turn, not inside 'session': that event fires within TLS's read
      // path, where a first write re-entering the TLS stream stalls it.
      setImmediate(accept);
    });
  });
}

/**
 * Reports the first error, or hang-up, between the TCP connection and the peer's acceptance, until the
 * returned function stops it. A hang-up once our side of the handshake is done is the callee refusing
 * us (a native sidecar refusing our certificate closes without an alert); one before it, a connection
 * closed mid-handshake.
 */
function watchRefusal(socket: TLSSocket, refused: (reason: TlsHandshakeFailure) => void): () => void {
  let tcpConnected = false;
  let secure = false;
  const stop = () => {
    socket.off('error', onError);
    socket.off('end', onEnd);
  };
  const report = (reason: TlsHandshakeFailure) => {
    stop();
    if (tcpConnected) refused(reason);
  };
  const onError = (err: Error) => report(handshakeFailureOf(err, socket));
  const onEnd = () => report(secure ? 'peer-rejected' : 'connection-closed');
  socket.once('connect', () => (tcpConnected = true));
  socket.once('secureConnect', () => (secure = true));
  socket.on('error', onError);
  socket.once('end', onEnd);
  return stop;
}
