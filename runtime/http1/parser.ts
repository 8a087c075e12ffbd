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
  /** Method names by llhttp's method number. */
  methods: string[];
}

export const { HTTPParser, methods } = createRequire(import.meta.url)('node:_http_common') as ParserModule;

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
