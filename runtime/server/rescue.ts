// The edge "rescue" (linkerd2-proxy's term): the one place a typed error becomes a response, using
// the table in errors.ts. Every proxy-made answer carries `x-meshc-error: <code>` and, when a rule
// decided, `x-meshc-rule: <file:line>`; unknown errors become a bare 500 with no stack trace.
import { PROXY_ERRORS, ProxyError, toProxyError } from '../errors.js';
import type { Http1Response } from '../http1/server.js';
import type { Direction, ProxyObserver } from '../observer.js';
import type { RequestContext } from '../stack/context.js';

export const ERROR_HEADER = 'x-meshc-error';
export const RULE_HEADER = 'x-meshc-rule';

export function rescue(
  ctx: RequestContext,
  res: Http1Response,
  thrown: unknown,
  observer?: ProxyObserver,
  direction: Direction = 'outbound',
): void {
  const err = toProxyError(thrown);
  if (!(thrown instanceof ProxyError)) observer?.internalError?.(thrown, ctx);
  ctx.errorCode = err.code;
  if (err.rule !== undefined) ctx.rule = err.rule;
  ctx.status = err.status;
  if (err.code === 'client-gone' || res.headersSent || res.destroyed) {
    // Nothing sensible can be sent: the client left, or a response is already under way.
    res.destroy();
    return;
  }
  const message = saysTo(direction, err);
  const body = JSON.stringify(
    err.rule === undefined ? { error: err.code, message } : { error: err.code, message, rule: err.rule },
  );
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    [ERROR_HEADER]: err.code,
  };
  if (err.rule !== undefined) headers[RULE_HEADER] = err.rule;
  ctx.responseLength = headers['content-length'];
  res.respond(err.status, headers, body);
}

/**
 * The body's message. The local app (outbound) is told everything; a remote caller (inbound) is told
 * what an upstream error means, not its text, which names the app's address and the errno of its
 * socket ("127.0.0.1:36525: ECONNREFUSED ..."). Envoy's body gives the reason and not the address
 * too ("upstream connect error or disconnect/reset before headers. reset reason: connection failure").
 */
function saysTo(direction: Direction, err: ProxyError): string {
  if (direction !== 'inbound' || !err.code.startsWith('upstream-')) return err.message;
  // The errno alone (ECONNREFUSED, ECONNRESET) says why without saying where.
  const errno = /\bE[A-Z]{4,}\b/.exec(err.message)?.[0];
  const summary = PROXY_ERRORS[err.code].summary;
  return errno === undefined ? summary : `${summary} (${errno})`;
}
