// What a client outside the mesh gets from a sidecar's inbound listener in a strict mesh: a plain
// HTTP request, and a TLS handshake without a client certificate, both refused.
import http from 'node:http';
import tls from 'node:tls';

export function plainRequest(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: '/reviews/1', agent: false, timeout: 3_000 },
      (res) => {
        res.resume();
        resolve(`answered ${res.statusCode} (not refused!)`);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error: NodeJS.ErrnoException) => resolve(`refused: ${error.code ?? error.message}`));
  });
}

export function tlsWithoutCertificate(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, timeout: 3_000 }, () => {
      // TLS 1.3 finishes the client side before the server checks the certificate: the refusal
      // arrives as an alert right after, so write a request and see what comes back.
      socket.write('GET /reviews/1 HTTP/1.1\r\nhost: reviews\r\n\r\n');
    });
    socket.on('data', () => {
      socket.destroy();
      resolve('answered (not refused!)');
    });
    socket.on('timeout', () => socket.destroy(new Error('timed out')));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(`refused: ${error.code ?? error.message}`));
    socket.on('close', () => resolve('refused: connection closed by the sidecar'));
  });
}
