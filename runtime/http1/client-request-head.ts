// The head the client writes for a request: the one writer of the bytes a next hop's listener reads,
// used by the client for every request it sends and by `meshc explain` to put the head a proxy
// forwards to the next proxy's listener checks (runtime/explain/forwarded-head.ts).
import { Readable } from 'node:stream';
import type { ClientRequest } from './client.js';
import { declaredLength, headerRole } from './framing-headers.js';
import { headerLines } from './header-lines.js';

/**
 * The request line and headers, and how its body is framed (`framing.chunked`, set here: the client's
 * connection, so nothing is allocated per request); throws a TypeError for an invalid header name or
 * value. The framing follows the body, whatever the headers say: a Buffer (or none) by its own
 * length; a stream by the content-length it came with when that is one decimal number, else chunked.
 * Transfer-Encoding and the connection headers given are never written: they would frame this hop
 * differently from the body (a request smuggled in a body), or hang it. `authority` is the Host
 * written when the headers have none.
 */
export function requestHead(
  request: ClientRequest,
  authority: string,
  framing: { chunked: boolean },
): string {
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  let hasHost = false;
  let hasLength = false;
  const headers = request.headers ?? {};
  const body = request.body;
  const stream = body instanceof Readable;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const role = headerRole(name);
    if (role === 'host') hasHost = true;
    else if (role === 'content-length') {
      // A stream's length is only known from the header it came with; a whole body's is counted.
      if (!stream || hasLength || declaredLength(value) === undefined) continue;
      hasLength = true;
    } else if (role === 'hop-by-hop') continue;
    head += headerLines(name, value);
  }
  if (!hasHost) head += `host: ${authority}\r\n`;
  if (stream) {
    framing.chunked = !hasLength;
    if (framing.chunked) head += 'transfer-encoding: chunked\r\n';
  } else {
    framing.chunked = false;
    if ((body && body.length > 0) || expectsBody(request.method))
      head += `content-length: ${body ? body.length : 0}\r\n`;
  }
  return `${head}\r\n`;
}

/** Methods whose requests carry a body by definition: an empty one is sent as content-length 0. */
function expectsBody(method: string): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH';
}
