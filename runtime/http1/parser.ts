// node:http's own HTTP/1.1 parser (llhttp, strict mode): the binding every node:http server and
// client runs, reached through `_http_common`, which Node has exported since 0.x. Not documented
// API, so its callback shapes are pinned by this folder's tests (decision 0019).
import { createRequire } from 'node:module';

export interface Parser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  /** Bytes parsed, or the parse error (`code` HPE_*). */
  execute(data: Buffer): number | Error;
  /** End of input: completes a close-delimited message, or errs on an unfinished one. */
  finish(): number | Error;
  close(): void;
  /** Reads of a StreamBase handle go to the parser in C++; each read's result to kOnExecute. */
  consume(handle: object): void;
  unconsume(): void;
  /** Whose parser this is: its callbacks are module functions that find their state here. */
  owner: unknown;
  [key: number]: unknown;
}

interface ParserModule {
  HTTPParser: {
    new (): Parser;
    REQUEST: number;
    RESPONSE: number;
    kOnMessageBegin: number;
    kOnHeaders: number;
    kOnHeadersComplete: number;
    kOnBody: number;
    kOnMessageComplete: number;
    kOnExecute: number;
  };
  /** The method names node:http accepts (http.METHODS), sorted: NOT indexed by llhttp's numbers. */
  methods: string[];
}

const { HTTPParser, methods } = createRequire(import.meta.url)('node:_http_common') as ParserModule;
export { HTTPParser };

/**
 * Method names by llhttp's method number, as a request parser reports it to kOnHeadersComplete.
 * `_http_common.methods` is a list of names, not indexed by that number: up to SOURCE the two agree,
 * but llhttp numbers QUERY 46, after PRI and the RTSP methods, where the list has it at 34 (node:http
 * reads a by-number table of its binding that `_http_common` does not export). So each name is parsed
 * once, here, and filed under the number the parser gives it; a number with no name is not a method
 * this server takes.
 */
export const methodNames: readonly (string | undefined)[] = numberMethods();

function numberMethods(): (string | undefined)[] {
  const byNumber: (string | undefined)[] = [];
  const parser = new HTTPParser();
  let reported = -1;
  parser[HTTPParser.kOnHeadersComplete] = (...args: unknown[]): number => {
    reported = args[3] as number;
    return 1; // no body
  };
  try {
    for (const name of methods) {
      // CONNECT takes an authority, every other method a path.
      for (const target of ['/', 'probe:1']) {
        reported = -1;
        parser.initialize(HTTPParser.REQUEST, {}, 0, 0);
        parser.execute(Buffer.from(`${name} ${target} HTTP/1.1\r\nHost: probe\r\n\r\n`, 'latin1'));
        if (reported >= 0) {
          byNumber[reported] = name;
          break;
        }
      }
    }
  } finally {
    parser.close();
  }
  return byNumber;
}

/** The parser's callbacks (module functions: `this` is the parser, state is its `owner`). */
export interface ParserCallbacks {
  readonly onMessageBegin?: (this: Parser) => void;
  readonly onHeaders: (this: Parser, headers: string[], url: string) => void;
  readonly onHeadersComplete: (this: Parser, ...args: never[]) => number;
  readonly onBody: (this: Parser, chunk: Buffer) => void;
  readonly onMessageComplete: (this: Parser) => void;
}

/** A parser for requests or responses of `owner`, heads limited to `maxHeaderSize` (0: Node's). */
export function createParser(
  type: number,
  maxHeaderSize: number,
  owner: unknown,
  callbacks: ParserCallbacks,
): Parser {
  const parser = new HTTPParser();
  parser.initialize(type, {}, maxHeaderSize, 0);
  parser.owner = owner;
  if (callbacks.onMessageBegin) parser[HTTPParser.kOnMessageBegin] = callbacks.onMessageBegin;
  parser[HTTPParser.kOnHeaders] = callbacks.onHeaders;
  parser[HTTPParser.kOnHeadersComplete] = callbacks.onHeadersComplete;
  parser[HTTPParser.kOnBody] = callbacks.onBody;
  parser[HTTPParser.kOnMessageComplete] = callbacks.onMessageComplete;
  return parser;
}

/**
 * What a parse error says about the request, for the 400's message: llhttp's own reason ("Transfer-
 * Encoding can't be present with Content-Length", "Invalid character in chunk size"), a fixed text of
 * its C source, never the request's bytes; kept to short printable ASCII all the same, with the code.
 */
export function parseErrorReason(err: Error): string {
  const { code, reason } = err as Error & { code?: unknown; reason?: unknown };
  const hpe = typeof code === 'string' && /^HPE_[A-Z_]{1,40}$/.test(code) ? code : 'HPE_UNKNOWN';
  const text =
    typeof reason === 'string' && /^[\x20-\x7e]{1,120}$/.test(reason) ? reason : 'invalid HTTP/1.1';
  return `${text} (${hpe})`;
}
