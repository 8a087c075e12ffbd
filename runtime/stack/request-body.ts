// Deciding how a request body travels: replayable (so it can be retried) or streamed once. A body is
// buffered only up to the retry policy's maxBodyBytes; a larger one is streamed through unretried,
// so a big upload never sits in proxy memory (Envoy's per_request_buffer_limit, Linkerd likewise).
import type { Readable } from 'node:stream';
import { ClientGoneError } from '../errors.js';
import type { RequestBody, RequestContext } from './context.js';

/** The initial body of a received request: empty when it has no framing (the server's null), else a stream. */
export function bodyOf(source: Readable | null): RequestBody {
  return source === null ? EMPTY : { kind: 'stream', prefix: [], source };
}

const EMPTY: RequestBody = { kind: 'empty' };

/**
 * Reads the body into memory when it is at most `maxBytes`, so it can be replayed. Past the limit,
 * the chunks read so far become the stream's prefix and the rest stays in the socket; the body is
 * then sent once and the request is not retried. No-op when the body is already decided.
 */
export function bufferRequestBody(ctx: RequestContext, maxBytes: number): Promise<void> {
  const body = ctx.body;
  if (body.kind !== 'stream' || body.prefix.length > 0) return Promise.resolve();
  const declared = Number(ctx.headers['content-length'] ?? Number.NaN);
  if (declared > maxBytes) return Promise.resolve();
  const source = body.source;
  if (source.readableEnded) {
    ctx.body = { kind: 'buffered', data: Buffer.alloc(0) };
    return Promise.resolve();
  }
  return new Promise<void>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('close', onClose);
      ctx.onCancel(undefined);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > maxBytes) {
        source.pause();
        ctx.body = { kind: 'stream', prefix: chunks, source };
        done();
      }
    };
    const onEnd = () => {
      ctx.body = {
        kind: 'buffered',
        data: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
      };
      done();
    };
    const onClose = () => {
      if (source.readableEnded) return;
      source.off('data', onData);
      source.off('end', onEnd);
      reject(new ClientGoneError('the client closed the connection while sending the body'));
    };
    source.on('data', onData);
    source.once('end', onEnd);
    source.once('close', onClose);
    ctx.onCancel((err) => {
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('close', onClose);
      source.pause();
      reject(err);
    });
  });
}
