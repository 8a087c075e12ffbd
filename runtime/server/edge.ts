// What both listeners do around a request: make its fresh context, notice a client that leaves
// (cancelling the work it started), write the response or rescue the error, and report the end to
// the observer. The request-specific parts live in outbound.ts and inbound.ts.
import { Readable } from 'node:stream';
import type { Clock } from '../clock.js';
import { ClientGoneError, ExpectationFailedError, PROXY_ERRORS, ProxyError } from '../errors.js';
import type { Http1Request, Http1Response } from '../http1/server.js';
import type { Direction, ProxyObserver } from '../observer.js';
import { RequestContext } from '../stack/context.js';
import type { ProxyResponse } from '../stack/types.js';
import { rescue } from './rescue.js';

export interface EdgeEnv {
  readonly clock: Clock;
  readonly observer: ProxyObserver | undefined;
}

/** A fresh context for `req`; ends it (cancel + report) when the exchange ends. */
export function beginRequest(
  req: Http1Request,
  res: Http1Response,
  env: EdgeEnv,
  direction: Direction,
): RequestContext {
  const ctx = new RequestContext(req.method, req.headers, env.clock, env.clock.now());
  res.onEnd(() => {
    if (!res.finished) {
      ctx.cancel(new ClientGoneError('the client closed the connection before the response was complete'));
      ctx.errorCode ??= 'client-gone';
      // Nothing answered yet: logged and counted as 499, the error table's code (nginx's); a response
      // already under way keeps the status it was sent with.
      if (ctx.status === 0) ctx.status = PROXY_ERRORS['client-gone'].status;
    }
    env.observer?.requestEnded?.(ctx, direction, env.clock.now() - ctx.startedAt);
    const body = ctx.responseBody;
    if (body && !body.readableEnded) body.destroy();
  });
  return ctx;
}

/** Runs the request's handler and writes what comes out: the response, or the rescued error. */
export function serve(
  ctx: RequestContext,
  res: Http1Response,
  env: EdgeEnv,
  work: Promise<ProxyResponse>,
  direction: Direction,
): void {
  work.then(
    (response) => respond(ctx, res, response, env, direction),
    (err) => rescue(ctx, res, err, env.observer, direction),
  );
}

function respond(
  ctx: RequestContext,
  res: Http1Response,
  response: ProxyResponse,
  env: EdgeEnv,
  direction: Direction,
): void {
  const body = response.body;
  const stream = body instanceof Readable ? body : undefined;
  if (res.destroyed) {
    stream?.destroy();
    return;
  }
  // Set before respond(): the exchange may end (and be reported) inside it.
  ctx.status = response.status;
  // A whole body goes out with a content-length (the server adds it when the upstream chunked it).
  ctx.responseLength =
    response.headers['content-length'] ?? (Buffer.isBuffer(body) ? body.length : undefined);
  if (stream !== undefined) {
    // A client that leaves stops the body in beginRequest's end hook.
    ctx.responseBody = stream;
    // The upstream broke off mid-body, or went quiet for the stream idle timeout: the server cuts the
    // response short (the client must not see a clean end); this names the reason first.
    stream.once('error', (err) => {
      ctx.errorCode ??= err instanceof ProxyError ? err.code : 'upstream-reset';
    });
  }
  try {
    res.respond(response.status, response.headers, body);
  } catch (err) {
    // A header value Node refuses (e.g. set by a mutation): an internal error, not a crash.
    stream?.destroy();
    ctx.responseBody = undefined;
    rescue(ctx, res, err, env.observer, direction);
  }
}

/**
 * Refuses a request whose Expect the proxy cannot promise for the upstream (the server answered
 * `100 Continue` already for 100-continue): a 417 made here, so it is logged and counted as a request.
 */
export function refuseExpectation(req: Http1Request): void {
  if (req.expectation === 'failed')
    throw new ExpectationFailedError(
      `an Expect other than 100-continue: ${PROXY_ERRORS['expectation-failed'].summary}`,
    );
}
