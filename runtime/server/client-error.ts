// Requests Node's strict parser refuses before any handler runs: oversized headers (431), slow
// headers or body (408), malformed messages (400, which is also how smuggling attempts end). Written
// straight to the socket with the same `x-meshc-error` codes as every other proxy-made answer.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROXY_ERRORS, type ProxyErrorCode } from '../errors.js';
import type { Direction, ProxyObserver } from '../observer.js';
import { ERROR_HEADER } from './rescue.js';

export function onClientError(direction: Direction, observer: ProxyObserver | undefined) {
  return (err: NodeJS.ErrnoException, socket: Duplex): void => {
    const code = codeOf(err);
    observer?.clientError?.(direction, code);
    const inResponse = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage
      ?.headersSent;
    if (err.code === 'ECONNRESET' || !socket.writable || inResponse) {
      socket.destroy();
      return;
    }
    const status = PROXY_ERRORS[code].status;
    const body = JSON.stringify({ error: code, message: PROXY_ERRORS[code].summary });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n${ERROR_HEADER}: ${code}\r\n\r\n${body}`,
    );
  };
}

function codeOf(err: NodeJS.ErrnoException): ProxyErrorCode {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return 'header-too-large';
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'request-timeout';
    default:
      return 'bad-request';
  }
}
