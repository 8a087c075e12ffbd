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

export const headersLayer: Layer<HeadersConfig> = (cfg) => (next) => async (ctx) => {
  applyHeaderMutation(ctx.upstreamHeaders, cfg.request);
  const res = await next(ctx);
  applyHeaderMutation(res.headers, cfg.response);
  return res;
};

/** True when the mutation changes nothing (the stack then leaves the layer out). */
export function isEmptyMutation(m: BundleHeaderMutation): boolean {
  return m.remove.length === 0 && m.set.length === 0 && m.add.length === 0;
}

/**
 * Applies remove, then set (replace), then add (append another value), in place. Framing, connection
 * and Host headers are left alone (validation refuses them, MC3029): a bundle compiled before that
 * check must not frame the next hop, or the client's connection, differently from the body.
 */
export function applyHeaderMutation(headers: OutgoingHttpHeaders, m: BundleHeaderMutation): void {
  for (const name of m.remove) if (!isReservedHeader(name)) delete headers[name];
  for (const { name, value } of m.set) if (!isReservedHeader(name)) headers[name] = value;
  for (const { name, value } of m.add) {
    if (isReservedHeader(name)) continue;
    const current = headers[name];
    if (current === undefined) headers[name] = value;
    else if (Array.isArray(current)) headers[name] = [...current, value];
    else headers[name] = [String(current), value];
  }
}
