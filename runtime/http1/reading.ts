// Reading a socket straight into its parser. A consumed socket hands its reads to the llhttp parser
// in C++ (`parser.consume(handle)`, as node:http's server does), so a request costs no 'data' event,
// no Buffer for the chunk and no JS-to-C++ call to execute it; the parser reports each read through
// kOnExecute. Pausing such a socket must stop its handle reading, since socket.pause() only stops
// 'data' events; these helpers do that the same way for consumed and ordinary sockets.
import type net from 'node:net';
import { HTTPParser, type Parser } from './parser.js';

interface StreamHandle {
  readonly isStreamBase?: boolean;
  /** Node's own mark that some parser took this handle (node:http sets and reads it too). */
  _consumed?: boolean;
  /** net.Socket's record of whether its handle is reading. */
  reading?: boolean;
  readStart(): number;
  readStop(): number;
}

const handleOf = (socket: net.Socket): StreamHandle | null | undefined =>
  (socket as unknown as { _handle?: StreamHandle | null })._handle;

/**
 * Hands `socket`'s reads to `parser`, whose kOnExecute gets each read's result (bytes parsed, or the
 * parse error). Bytes the socket had buffered before (unshifted by a front door) still arrive as
 * 'data', so its owner keeps a 'data' listener that executes them. False when the handle cannot be
 * consumed (not a stream of Node's, or taken already): the 'data' listener then does everything.
 */
export function consumeSocket(
  socket: net.Socket,
  parser: Parser,
  onExecute: (this: Parser, result: number | Error) => void,
): boolean {
  const handle = handleOf(socket);
  if (!handle?.isStreamBase || handle._consumed) return false;
  // A Node whose parser cannot take a handle: the 'data' listener reads, as it does for any socket.
  if (typeof parser.consume !== 'function' || HTTPParser.kOnExecute === undefined) return false;
  handle._consumed = true;
  parser[HTTPParser.kOnExecute] = onExecute;
  parser.consume(handle);
  return true;
}

/** Gives the handle back to the socket (before the parser is closed, or the socket passed on). */
export function releaseSocket(socket: net.Socket, parser: Parser): void {
  parser.unconsume();
  const handle = handleOf(socket);
  if (handle) handle._consumed = false;
}

/** Stops reading `socket` until resumeReading: no more 'data', and no more reads into a parser. */
export function pauseReading(socket: net.Socket): void {
  socket.pause();
  const handle = handleOf(socket);
  if (handle?.reading) {
    handle.reading = false;
    handle.readStop();
  }
}

export function resumeReading(socket: net.Socket): void {
  socket.resume();
  const handle = handleOf(socket);
  if (handle && !handle.reading && !socket.destroyed) {
    handle.reading = true;
    handle.readStart();
  }
}
