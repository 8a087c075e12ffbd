// Route header mutations: on the request before it is forwarded (every attempt sends the same
// headers) and on the response before it is returned (once, whichever attempt produced it). The
// order within a mutation is remove, set, add, as the bundle format defines.
import type { OutgoingHttpHeaders } from 'node:http';
import type { BundleHeaderMutation } from '../../schema/bundle.types.generated.js';
import { isReservedHeader } from '../../schema/reserved-headers.js';
import type { Layer } from '../stack/types.js';

export interface HeadersConfig {
  readonly request: BundleHeaderMutation;
  readonly response: BundleHeaderMutation;
}

export const headersLayer: Layer<HeadersConfig> = (cfg) => {
  // Framing, connection and Host headers are dropped from the mutations here, once per route:
  // validation refuses them (MC3029), and a bundle compiled before that check must not frame the next
  // hop, or the client's connection, differently from the body.
  const request = withoutReservedHeaders(cfg.request);
  const response = withoutReservedHeaders(cfg.response);
  return (next) => async (ctx) => {
    applyHeaderMutation(ctx.upstreamHeaders, request);
    const res = await next(ctx);
    applyHeaderMutation(res.headers, response);
    return res;
  };
};

/** True when the mutation changes nothing (the stack then leaves the layer out). */
export function isEmptyMutation(m: BundleHeaderMutation): boolean {
  return m.remove.length === 0 && m.set.length === 0 && m.add.length === 0;
}

/** The mutation without the names no mutation may touch (schema/reserved-headers.ts). */
export function withoutReservedHeaders(m: BundleHeaderMutation): BundleHeaderMutation {
  return {
    remove: m.remove.filter((name) => !isReservedHeader(name)),
    set: m.set.filter(({ name }) => !isReservedHeader(name)),
    add: m.add.filter(({ name }) => !isReservedHeader(name)),
  };
}

/** Applies remove, then set (replace), then add (append another value), in place. */
export function applyHeaderMutation(headers: OutgoingHttpHeaders, m: BundleHeaderMutation): void {
  for (const name of m.remove) delete headers[name];
  for (const { name, value } of m.set) headers[name] = value;
  for (const { name, value } of m.add) {
    const current = headers[name];
    if (current === undefined) headers[name] = value;
    else if (Array.isArray(current)) headers[name] = [...current, value];
    else headers[name] = [String(current), value];
  }
}
