// The command-line form of a request: 'METHOD URL' and repeated -H 'name: value', turned into the
// runtime's ExplainRequest. Strict, so a typo is a clear error and not a silently different request.
import type { ExplainRequest } from '../../runtime/explain/request.js';
import { ExplainError } from './errors.js';

const EXAMPLE = "'GET http://reviews/reviews/1'";

export function parseRequestLine(
  line: string,
  headers: readonly (readonly [string, string])[],
): ExplainRequest {
  const parts = line.trim().split(/\s+/);
  if (parts.length !== 2 || parts[0] === '')
    throw new ExplainError(
      'EXPLAIN_BAD_REQUEST',
      `request "${line}" is not 'METHOD URL'`,
      `quote it as one argument, like ${EXAMPLE}`,
    );
  return { method: parts[0]!, url: parts[1]!, headers };
}

/** `-H 'name: value'` as curl takes it. */
export function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(':');
  const name = colon === -1 ? '' : text.slice(0, colon).trim();
  if (name === '' || /\s/.test(name))
    throw new ExplainError(
      'EXPLAIN_BAD_REQUEST',
      `header "${text}" is not 'name: value'`,
      "pass each header as -H 'end-user: jason'",
    );
  return [name, text.slice(colon + 1).trim()];
}
