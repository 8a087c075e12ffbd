// The request path's two shapes, after linkerd2-proxy and undici: a Handler turns a request context
// into a response (or throws a typed ProxyError), and a Layer is configured once per route into a
// wrapper around the next Handler. Stacks are built when a bundle is activated, never per request.
import type { OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { RequestContext } from './context.js';

/** A response on its way back: from the upstream, or made by a layer. Headers are hop-by-hop free. */
export interface ProxyResponse {
  status: number;
  headers: OutgoingHttpHeaders;
  /**
   * The body: a Buffer when it arrived whole with its head (the usual small response), a stream
   * while it is still arriving, null when there is none.
   */
  body: Buffer | Readable | null;
}

export type Handler = (ctx: RequestContext) => Promise<ProxyResponse>;

/** A middleware already given its configuration: wraps the next handler. */
export type Wrap = (next: Handler) => Handler;

/** `Layer = (cfg) => (next) => handler`: configuration applied once, at stack build time. */
export type Layer<Cfg> = (cfg: Cfg) => Wrap;
