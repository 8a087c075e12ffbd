// One header as the lines of a message head, checked as node:http checks them: shared by the
// server's responses (exchange.ts) and the client's requests (client.ts).
import { validateHeaderName, validateHeaderValue } from 'node:http';

/**
 * `name: value\r\n`, one line per item of an array value. Throws a TypeError (ERR_INVALID_HTTP_TOKEN,
 * ERR_INVALID_CHAR) for a name or value no peer may receive, before anything is written.
 */
export function headerLines(name: string, value: string | number | readonly string[]): string {
  validateHeaderName(name);
  if (!Array.isArray(value)) {
    if (typeof value === 'string') validateHeaderValue(name, value);
    return `${name}: ${value}\r\n`;
  }
  let lines = '';
  for (const item of value) {
    validateHeaderValue(name, item);
    lines += `${name}: ${item}\r\n`;
  }
  return lines;
}
