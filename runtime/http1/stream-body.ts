// A message body that is still arriving, written to a socket as it comes: chunked framing when the
// length is unknown (HTTP/1.1), raw bytes otherwise; the body pauses when the socket's buffer is full
// and its owner resumes it on the socket's 'drain'. Both directions use it: response bodies in
// exchange.ts, request bodies in client.ts.
import type net from 'node:net';
import type { Readable } from 'node:stream';

/**
 * Streams `body` to `socket`. `done` runs once: with no argument after the last byte (and the chunked
 * terminator) was written, or with the error when the body failed or closed before its end. A `head`
 * goes out with the first bytes of the body (or at its end), as undici does it: a request whose body
 * breaks before its first byte never reaches the server at all. With a `length` (the head's
 * content-length), a chunk that would run past it is not written and the body is destroyed, and a body
 * that ends short fails: the peer never reads body bytes as its next message.
 */
export function streamBody(
  socket: net.Socket,
  body: Readable,
  chunked: boolean,
  done: (err?: Error) => void,
  head?: string,
  length?: number,
): void {
  let pending = head;
  let left = length ?? Infinity;
  const writeHead = () => {
    if (pending === undefined) return;
    socket.write(pending, 'latin1');
    pending = undefined;
  };
  const onData = (data: Buffer | string) => {
    // A stream of strings (setEncoding, object mode) is framed by bytes, not characters.
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    if (chunk.length === 0) return;
    left -= chunk.length;
    if (left < 0) {
      cleanup();
      body.destroy();
      done(new Error(`the body is longer than its content-length of ${length} bytes`));
      return;
    }
    // Corked only when more than the chunk goes out: the head, or the chunk's framing.
    const corked = chunked || pending !== undefined;
    if (corked) socket.cork();
    writeHead();
    let ok: boolean;
    if (chunked) {
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      ok = socket.write('\r\n', 'latin1');
    } else {
      ok = socket.write(chunk);
    }
    if (corked) socket.uncork();
    if (!ok) body.pause();
  };
  const onEnd = () => {
    cleanup();
    if (left > 0 && left !== Infinity) {
      done(new Error(`the body ended before its content-length of ${length} bytes`));
      return;
    }
    socket.cork();
    writeHead();
    if (chunked) socket.write('0\r\n\r\n', 'latin1');
    socket.uncork();
    done();
  };
  const onBroken = (err?: Error) => {
    cleanup();
    done(err ?? new Error('the body closed before its end'));
  };
  const cleanup = () => {
    body.off('data', onData);
    body.off('end', onEnd);
    body.off('error', onBroken);
    body.off('close', onBroken);
  };
  body.on('data', onData);
  body.once('end', onEnd);
  body.once('error', onBroken);
  body.once('close', onBroken);
}
