// What both listeners do around a request: make its fresh context, notice a client that leaves
// (cancelling the work it started), write the response or rescue the error, and report the end to
// the observer. The request-specific parts live in outbound.ts and inbound.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../clock.js';
import { ClientGoneError } from '../errors.js';
import type { Direction, ProxyObserver } from '../observer.js';
import { RequestContext } from '../stack/context.js';
import type { ProxyResponse } from '../stack/types.js';
import { rescue } from './rescue.js';

export interface EdgeEnv {
  readonly clock: Clock;
  readonly observer: ProxyObserver | undefined;
}

/** A fresh context for `req`; ends it (cancel + report) when the response closes. */
export function beginRequest(
  req: IncomingMessage,
  res: ServerResponse,
  env: EdgeEnv,
  direction: Direction,
): RequestContext {
  const ctx = new RequestContext(req.method ?? 'GET', req.headers, env.clock, env.clock.now());
  // One 'close' listener per request does all the ending (a listener and its closure are not free).
  res.once('close', () => {
    if (!res.writableFinished) {
      ctx.cancel(new ClientGoneError('the client closed the connection before the response was complete'));
      ctx.errorCode ??= 'client-gone';
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
  res: ServerResponse,
  env: EdgeEnv,
  work: Promise<ProxyResponse>,
): void {
  work.then(
    (response) => respond(ctx, res, response, env),
    (err) => rescue(ctx, res, err, env.observer),
  );
}

function respond(ctx: RequestContext, res: ServerResponse, response: ProxyResponse, env: EdgeEnv): void {
  const body = response.body;
  if (res.destroyed) {
    body?.destroy();
    return;
  }
  try {
    res.writeHead(response.status, response.headers);
  } catch (err) {
    // A header value Node refuses (e.g. set by a mutation): an internal error, not a crash.
    body?.destroy();
    rescue(ctx, res, err, env.observer);
    return;
  }
  ctx.status = response.status;
  ctx.responseLength = response.headers['content-length'];
  if (body === null) {
    res.end();
    return;
  }
  // pipe, not pipeline: pipeline allocates an AbortController (and a DOMException) per call.
  // A client that leaves stops the body in beginRequest's 'close' listener.
  ctx.responseBody = body;
  body.pipe(res);
  body.once('error', () => {
    // The upstream broke off mid-body: the client must see a truncated response, not a clean end.
    ctx.errorCode ??= 'upstream-reset';
    res.destroy();
  });
}
