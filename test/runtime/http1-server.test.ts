// Conformance tests for the HTTP/1.1 server engine (runtime/http1/server.ts) on real sockets: framing,
// keep-alive and pipelining, bodies both ways with backpressure, HEAD/204/304, HTTP/1.0, 100-continue,
// client errors and timeouts, closing connections, and the response's end hook.
// Clients are raw net sockets (so the exact bytes are checked) or node:http for the large bodies.
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Readable, Writable } from 'node:stream';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClientErrorCode,
  createHttp1Server,
  type Http1Limits,
  type Http1Request,
  type Http1Response,
  type Http1Server,
} from '../../runtime/http1/server.js';
import { send } from './harness.js';
import { createTestPki } from './pki.js';

const LIMITS: Http1Limits = {
  maxHeaderSize: 16 * 1024,
  headersTimeoutMs: 5000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5000,
  sendTimeoutMs: 5000,
};

const GET = (path = '/', extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: test\r\n${extra}\r\n`;

// --- waiting on events, never on the clock ------------------------------------------------------

/** Every observable change (bytes in, close, request dispatched, hook called) bumps this. */
const changes = new EventEmitter();
changes.setMaxListeners(0);
const bump = (): void => {
  changes.emit('change');
};

interface UntilOptions {
  /** Its bytes go into failure messages; by default the wait fails as soon as it closes. */
  readonly client?: RawClient;
  readonly failOnClose?: boolean;
  readonly timeoutMs?: number;
}

/** Resolves with the first defined value of `probe`, re-checked on every change. */
function until<T>(what: string, probe: () => T | undefined, opts: UntilOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 1500;
  const seen = (): string => (opts.client ? `; bytes seen: ${opts.client.show()}` : '');
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen()}`));
    }, timeoutMs);
    const check = (): boolean => {
      let value: T | undefined;
      try {
        value = probe();
      } catch (error) {
        finish();
        reject(error instanceof Error ? new Error(`${error.message}${seen()}`) : error);
        return true;
      }
      if (value !== undefined) {
        finish();
        resolve(value);
        return true;
      }
      if (opts.client?.closed && (opts.failOnClose ?? true)) {
        finish();
        reject(new Error(`connection closed before ${what}${seen()}`));
        return true;
      }
      return false;
    };
    const onChange = (): void => {
      check();
    };
    function finish(): void {
      clearTimeout(timer);
      changes.off('change', onChange);
    }
    if (!check()) changes.on('change', onChange);
  });
}

// --- a response parser that checks the framing byte by byte --------------------------------------

interface RawResponse {
  readonly statusLine: string;
  readonly status: number;
  /** Lower-case names, in order. */
  readonly rawHeaders: readonly (readonly [string, string])[];
  /** Lower-case names; repeated headers joined with ', '. */
  readonly headers: Readonly<Record<string, string>>;
  readonly framing: 'none' | 'length' | 'chunked' | 'close';
  /** Decoded body (de-chunked). */
  readonly body: Buffer;
  readonly complete: boolean;
}

const EMPTY = Buffer.alloc(0);

function decodeChunked(data: Buffer, start: number): { body: Buffer; end: number } {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at, 'latin1');
    if (lineEnd < 0) return { body: Buffer.concat(parts), end: -1 };
    const line = data.toString('latin1', at, lineEnd);
    const sizeText = line.split(';')[0]!.trim();
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new Error(`bad chunk-size line ${JSON.stringify(line)}`);
    const size = parseInt(sizeText, 16);
    at = lineEnd + 2;
    if (size === 0) {
      for (;;) {
        const end = data.indexOf('\r\n', at, 'latin1');
        if (end < 0) return { body: Buffer.concat(parts), end: -1 };
        const blank = end === at;
        at = end + 2;
        if (blank) return { body: Buffer.concat(parts), end: at };
      }
    }
    if (data.length < at + size + 2) {
      parts.push(data.subarray(at, Math.min(data.length, at + size)));
      return { body: Buffer.concat(parts), end: -1 };
    }
    if (data.toString('latin1', at + size, at + size + 2) !== '\r\n') {
      throw new Error(`chunk of ${size} bytes not followed by CRLF`);
    }
    parts.push(data.subarray(at, at + size));
    at += size + 2;
  }
}

/**
 * Parses every response in `data` (interim 1xx ones included). `headAt` lists the indexes, among
 * final responses, of those that answer HEAD. Throws when bytes do not form a response where one
 * must start, so stray body bytes are caught.
 */
function parseResponses(data: Buffer, ended: boolean, headAt: readonly number[] = []): RawResponse[] {
  const out: RawResponse[] = [];
  let at = 0;
  let finals = 0;
  while (at < data.length) {
    const headEnd = data.indexOf('\r\n\r\n', at, 'latin1');
    if (headEnd < 0) {
      if (!'HTTP/1.'.startsWith(data.toString('latin1', at, at + 7)) && data.length - at >= 7) {
        throw new Error(`bytes at offset ${at} do not start a response`);
      }
      break;
    }
    const lines = data.toString('latin1', at, headEnd).split('\r\n');
    const statusLine = lines[0]!;
    const match = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(statusLine);
    if (!match) throw new Error(`bytes at offset ${at} do not start a response`);
    const status = Number(match[1]);
    const rawHeaders: [string, string][] = [];
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error(`malformed response header line ${JSON.stringify(line)}`);
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      rawHeaders.push([name, value]);
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    at = headEnd + 4;
    const head = { statusLine, status, rawHeaders, headers };
    const interim = status >= 100 && status < 200;
    const noBody = interim || status === 204 || status === 304 || headAt.includes(finals);
    if (!interim) finals += 1;
    const te = headers['transfer-encoding'];
    const cl = headers['content-length'];
    if (noBody) {
      out.push({ ...head, framing: 'none', body: EMPTY, complete: true });
    } else if (te !== undefined && /(^|,)\s*chunked\s*$/i.test(te)) {
      const decoded = decodeChunked(data, at);
      out.push({ ...head, framing: 'chunked', body: decoded.body, complete: decoded.end >= 0 });
      if (decoded.end < 0) break;
      at = decoded.end;
    } else if (cl !== undefined) {
      const length = Number(cl);
      if (!/^\d+$/.test(cl) || !Number.isSafeInteger(length)) throw new Error(`bad content-length ${cl}`);
      const body = data.subarray(at, at + length);
      out.push({ ...head, framing: 'length', body, complete: body.length === length });
      if (body.length < length) break;
      at += length;
    } else {
      out.push({ ...head, framing: 'close', body: data.subarray(at), complete: ended });
      break;
    }
  }
  return out;
}

// --- clients and servers, all closed after each test ---------------------------------------------

const cleanups: (() => void | Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A client socket that records every byte it receives. */
class RawClient {
  data = EMPTY;
  ended = false;
  closed = false;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.data = Buffer.concat([this.data, chunk]);
      bump();
    });
    socket.on('end', () => {
      this.ended = true;
      bump();
    });
    socket.on('close', () => {
      this.ended = true;
      this.closed = true;
      bump();
    });
    socket.on('error', () => {});
    cleanups.push(() => {
      socket.destroy();
    });
  }

  write(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  text(): string {
    return this.data.toString('latin1');
  }

  show(): string {
    const text = this.text();
    return JSON.stringify(text.length > 800 ? `${text.slice(0, 800)}... (${this.data.length} bytes)` : text);
  }

  responses(headAt: readonly number[] = []): RawResponse[] {
    return parseResponses(this.data, this.ended, headAt);
  }

  /** Waits for `count` complete responses (1xx included); fails if the connection closes first. */
  waitForResponses(count: number, headAt: readonly number[] = []): Promise<RawResponse[]> {
    return until(
      `${count} complete response(s)`,
      () => {
        const all = this.responses(headAt);
        return all.length >= count && all.slice(0, count).every((r) => r.complete) ? all : undefined;
      },
      { client: this },
    );
  }

  waitClosed(timeoutMs = 1500): Promise<true> {
    return until('the connection to close', () => (this.closed ? true : undefined), {
      client: this,
      failOnClose: false,
      timeoutMs,
    });
  }
}

async function connectRaw(port: number): Promise<RawClient> {
  const client = new RawClient(net.connect(port, '127.0.0.1'));
  await new Promise<void>((resolve, reject) => {
    client.socket.once('connect', resolve);
    client.socket.once('error', reject);
  });
  return client;
}

type Handler = (req: Http1Request, res: Http1Response) => void;

interface TestServer {
  readonly port: number;
  readonly engine: Http1Server;
  /** Requests passed to onRequest, in order. */
  readonly requests: Http1Request[];
  /** Codes passed to onClientError, in order. */
  readonly clientErrors: ClientErrorCode[];
  connect(): Promise<RawClient>;
}

function createEngine(handler: Handler, limits: Partial<Http1Limits>) {
  const requests: Http1Request[] = [];
  const clientErrors: ClientErrorCode[] = [];
  const engine = createHttp1Server({
    limits: { ...LIMITS, ...limits },
    onRequest: (req, res) => {
      requests.push(req);
      bump();
      handler(req, res);
    },
    onClientError: (code) => {
      clientErrors.push(code);
      bump();
    },
  });
  return { engine, requests, clientErrors };
}

function trackServer(server: net.Server, engine: Http1Server): Set<net.Socket> {
  const accepted = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    accepted.add(socket);
    socket.on('close', () => {
      accepted.delete(socket);
      // After the engine's own 'close' listener (added later) has run, so connectionCount is current.
      queueMicrotask(bump);
    });
  });
  cleanups.push(async () => {
    try {
      engine.closeAllConnections();
    } finally {
      for (const socket of accepted) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
  return accepted;
}

/** How the engine reads its sockets: straight into the parser, or (a handle it cannot take) by 'data'. */
type Reading = 'consumed' | 'data events';

async function startServer(
  handler: Handler,
  limits: Partial<Http1Limits> = {},
  reading: Reading = 'consumed',
): Promise<TestServer> {
  const { engine, requests, clientErrors } = createEngine(handler, limits);
  const server = net.createServer();
  trackServer(server, engine);
  server.on('connection', (socket: net.Socket) => {
    // Node's own mark of a handle some parser already took: the engine must fall back to 'data'.
    if (reading === 'data events')
      (socket as unknown as { _handle: { _consumed: boolean } })._handle._consumed = true;
    engine.serve(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { port, engine, requests, clientErrors, connect: () => connectRaw(port) };
}

/** A timer cleared after the test, so a failed test leaves nothing running. */
function later(ms: number, fn: () => void): void {
  const timer = setTimeout(fn, ms);
  cleanups.push(() => clearTimeout(timer));
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/** Answers with the request body, or 'no body' when req.body is null. */
const echo: Handler = (req, res) => {
  if (req.body === null) {
    res.respond(200, {}, 'no body');
    return;
  }
  readAll(req.body).then(
    (body) => res.respond(200, { 'content-type': 'application/octet-stream' }, body),
    () => {},
  );
};

/** A non-object-mode Readable that yields `chunks` one per read(). */
function readableOf(chunks: readonly Buffer[]): Readable {
  let i = 0;
  return new Readable({
    read() {
      this.push(i < chunks.length ? chunks[i++]! : null);
    },
  });
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

const HTTP_DATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

const count = (r: RawResponse, name: string): number => r.rawHeaders.filter(([n]) => n === name).length;

// --- the tests -----------------------------------------------------------------------------------

describe('response framing', () => {
  it.each([
    ['a string', 'hello', '5', 'hello'],
    ['a multi-byte string (length in bytes)', 'héllo', '6', 'héllo'],
    ['a Buffer', Buffer.from('buffer!'), '7', 'buffer!'],
    ['null', null, '0', ''],
  ])('adds date and content-length to %s body', async (_label, body, length, text) => {
    const s = await startServer((_req, res) => res.respond(200, { 'content-type': 'text/plain' }, body));
    const c = await s.connect();
    c.write(GET());
    const [r] = await c.waitForResponses(1);
    expect(r!.statusLine).toMatch(/^HTTP\/1\.1 200 /);
    expect(r!.headers['content-length']).toBe(length);
    expect(count(r!, 'content-length')).toBe(1);
    expect(r!.headers['transfer-encoding']).toBeUndefined();
    expect(r!.headers.date).toMatch(HTTP_DATE);
    expect(Math.abs(Date.parse(r!.headers.date!) - Date.now())).toBeLessThan(5000);
    expect(count(r!, 'date')).toBe(1);
    expect(r!.body.toString('utf8')).toBe(text);
  });

  it('frames a whole body by its own length when a handler passed another (an upstream header)', async () => {
    // Left as passed, the 48 bytes the body lacks would be taken from the client's next response.
    const s = await startServer((req, res) =>
      res.respond(200, { 'content-length': req.url === '/a' ? '50' : '1' }, req.url === '/a' ? 'ok' : 'fine'),
    );
    const c = await s.connect();
    c.write(GET('/a') + GET('/b'));
    const [a, b] = await c.waitForResponses(2);
    expect([a!.headers['content-length'], a!.body.toString()]).toEqual(['2', 'ok']);
    expect([b!.headers['content-length'], b!.body.toString()]).toEqual(['4', 'fine']);
    expect(count(a!, 'content-length')).toBe(1);
  });

  it('keeps a content-length the handler set and does not add a second one', async () => {
    const s = await startServer((_req, res) => res.respond(200, { 'Content-Length': '3' }, 'abc'));
    const c = await s.connect();
    c.write(GET());
    const [r] = await c.waitForResponses(1);
    expect(count(r!, 'content-length')).toBe(1);
    expect(r!.headers['content-length']).toBe('3');
    expect(r!.body.toString()).toBe('abc');
  });

  it('HEAD: no body bytes even when the handler passes content-length: 5', async () => {
    const s = await startServer((_req, res) => res.respond(200, { 'content-length': 5 }, 'hello'));
    const c = await s.connect();
    // The GET right behind the HEAD shows whether stray body bytes were written after the HEAD head.
    c.write(`HEAD / HTTP/1.1\r\nHost: test\r\n\r\n${GET('/after')}`);
    const [head, get] = await c.waitForResponses(2, [0]);
    expect(head!.status).toBe(200);
    expect(head!.headers['content-length']).toBe('5');
    expect(get!.status).toBe(200);
    expect(get!.body.toString()).toBe('hello');
    expect(c.text().split('hello').length - 1).toBe(1);
  });

  it.each([
    [204, {}],
    [304, { etag: '"v1"' }],
  ])('%d carries no body and no added content-length', async (status, headers) => {
    const s = await startServer((req, res) =>
      req.url === '/empty' ? res.respond(status, headers, null) : res.respond(200, {}, 'next'),
    );
    const c = await s.connect();
    c.write(GET('/empty') + GET('/next'));
    const [empty, next] = await c.waitForResponses(2);
    expect(empty!.status).toBe(status);
    expect(empty!.headers['content-length']).toBeUndefined();
    expect(empty!.headers['transfer-encoding']).toBeUndefined();
    expect(next!.body.toString()).toBe('next');
  });

  it.each([204, 304])('%d sends no body bytes even when the handler passes a body', async (status) => {
    const s = await startServer((req, res) =>
      req.url === '/empty' ? res.respond(status, {}, 'ignored') : res.respond(200, {}, 'next'),
    );
    const c = await s.connect();
    c.write(GET('/empty') + GET('/next'));
    const [empty, next] = await c.waitForResponses(2);
    expect(empty!.status).toBe(status);
    expect(next!.body.toString()).toBe('next');
    expect(c.text()).not.toContain('ignored');
  });

  it('a 204 carries no content-length, even one the handler passes (RFC 9110 §8.6)', async () => {
    // An upstream's `204` with `Content-Length: 5` was passed on as it was; Envoy removes it too.
    const s = await startServer((_req, res) => res.respond(204, { 'content-length': '5' }, null));
    const c = await s.connect();
    c.write(GET('/x'));
    const [answer] = await c.waitForResponses(1);
    expect(answer!.status).toBe(204);
    expect(answer!.headers['content-length']).toBeUndefined();
  });

  it('a Readable body without content-length is chunked on HTTP/1.1 and the connection stays usable', async () => {
    const s = await startServer((req, res) =>
      req.url === '/stream'
        ? res.respond(200, {}, readableOf([Buffer.from('ab'), Buffer.from('cde'), Buffer.from('fghij')]))
        : res.respond(200, {}, 'next'),
    );
    const c = await s.connect();
    c.write(GET('/stream') + GET('/next'));
    const [streamed, next] = await c.waitForResponses(2);
    expect(streamed!.framing).toBe('chunked');
    expect(streamed!.headers['transfer-encoding']).toBe('chunked');
    expect(streamed!.headers['content-length']).toBeUndefined();
    expect(streamed!.body.toString()).toBe('abcdefghij');
    expect(next!.body.toString()).toBe('next');
  });

  it('an empty chunk from a Readable does not end the chunked body early', async () => {
    const s = await startServer((_req, res) =>
      res.respond(200, {}, Readable.from([Buffer.from('ab'), Buffer.alloc(0), Buffer.from('cde')])),
    );
    const c = await s.connect();
    c.write(GET('/stream') + GET('/again'));
    const [first, second] = await c.waitForResponses(2);
    expect(first!.body.toString()).toBe('abcde');
    expect(second!.body.toString()).toBe('abcde');
  });

  it('a Readable of multi-byte strings is chunked by byte length', async () => {
    const s = await startServer((_req, res) => res.respond(200, {}, Readable.from(['h', 'é', 'llo ✓'])));
    const c = await s.connect();
    c.write(GET('/stream') + GET('/again'));
    const [first, second] = await c.waitForResponses(2);
    expect(first!.body.toString('utf8')).toBe('héllo ✓');
    expect(second!.body.toString('utf8')).toBe('héllo ✓');
  });

  it('a Readable body with content-length is sent as is, not chunked', async () => {
    const s = await startServer((_req, res) =>
      res.respond(200, { 'content-length': 5 }, readableOf([Buffer.from('he'), Buffer.from('llo')])),
    );
    const c = await s.connect();
    c.write(GET());
    const [r] = await c.waitForResponses(1);
    expect(r!.framing).toBe('length');
    expect(r!.headers['transfer-encoding']).toBeUndefined();
    expect(r!.body.toString()).toBe('hello');
  });

  // The length is a handler's word (a response mutation's in the proxy), not the stream's framing:
  // the bytes past it would be read by the client as its next response.
  it('a Readable body longer than its content-length: the excess is never written, the connection closes', async () => {
    const s = await startServer((_req, res) =>
      res.respond(
        200,
        { 'content-length': '5' },
        readableOf([
          Buffer.from('fir'),
          Buffer.from('st HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\nINJECTED'),
        ]),
      ),
    );
    const c = await s.connect();
    c.write(GET('/one') + GET('/two'));
    await c.waitClosed();
    expect(c.text()).not.toContain('INJECTED');
    expect(c.responses().filter((r) => r.complete)).toEqual([]);
    expect(s.requests.map((r) => r.url)).toEqual(['/one']);
  });

  it('a Readable body shorter than its content-length: the connection closes, the next answer is not its body', async () => {
    const s = await startServer((req, res) =>
      req.url === '/short'
        ? res.respond(200, { 'content-length': 20 }, readableOf([Buffer.from('abc')]))
        : res.respond(200, {}, 'next answer'),
    );
    const c = await s.connect();
    c.write(GET('/short') + GET('/next'));
    await c.waitClosed();
    expect(c.responses().filter((r) => r.complete)).toEqual([]);
    expect(c.text()).not.toContain('next answer');
  });

  it.each([
    ['two values', ['5', '5']],
    ['not a number', '5, 5'],
    ['negative', '-5'],
  ])('a Readable body whose content-length is %s is chunked, the header dropped', async (_, value) => {
    const s = await startServer((_req, res) =>
      // A header map as an upstream's (or a mutation's) arrives: any name, a value or a list.
      res.respond(
        200,
        { ['content-length' as string]: value },
        readableOf([Buffer.from('he'), Buffer.from('llo')]),
      ),
    );
    const c = await s.connect();
    c.write(GET() + GET('/again'));
    const [r, again] = await c.waitForResponses(2);
    expect(r!.framing).toBe('chunked');
    expect(count(r!, 'content-length')).toBe(0);
    expect(r!.body.toString()).toBe('hello');
    expect(again!.body.toString()).toBe('hello');
  });

  it('a Readable body for an HTTP/1.0 request is close-delimited and the connection closes', async () => {
    const s = await startServer((_req, res) =>
      res.respond(200, {}, readableOf([Buffer.from('ab'), Buffer.from('cde'), Buffer.from('fghij')])),
    );
    const c = await s.connect();
    c.write('GET /stream HTTP/1.0\r\n\r\n');
    await c.waitClosed();
    const [r] = c.responses();
    expect(r!.headers['transfer-encoding']).toBeUndefined();
    expect(r!.headers['content-length']).toBeUndefined();
    expect(r!.framing).toBe('close');
    expect(r!.body.toString()).toBe('abcdefghij');
  });

  it('a Readable body that errors mid-way destroys the connection before a complete response', async () => {
    const ends: { finished: boolean }[] = [];
    const s = await startServer((_req, res) => {
      let sent = false;
      const failing = new Readable({
        read() {
          if (sent) {
            this.destroy(new Error('upstream broke'));
          } else {
            sent = true;
            this.push(Buffer.from('partial data'));
          }
        },
      });
      res.onEnd(() => {
        ends.push({ finished: res.finished });
        bump();
      });
      res.respond(200, {}, failing);
    });
    const c = await s.connect();
    c.write(GET());
    await c.waitClosed();
    expect(c.responses().filter((r) => r.complete)).toEqual([]);
    await until('the onEnd hook', () => (ends.length > 0 ? true : undefined));
    expect(ends).toEqual([{ finished: false }]);
  });

  it('a Readable body with content-length that errors mid-way leaves the response short and closes', async () => {
    const s = await startServer((_req, res) => {
      let sent = false;
      const failing = new Readable({
        read() {
          if (sent) this.destroy(new Error('upstream broke'));
          else {
            sent = true;
            this.push(Buffer.from('partial data'));
          }
        },
      });
      res.respond(200, { 'content-length': 100 }, failing);
    });
    const c = await s.connect();
    c.write(GET());
    await c.waitClosed();
    expect(c.responses().filter((r) => r.complete)).toEqual([]);
  });
});

describe('keep-alive, pipelining and connection closing', () => {
  it('answers two requests on one connection', async () => {
    const s = await startServer((req, res) => res.respond(200, {}, `you asked ${req.url}`));
    const c = await s.connect();
    c.write(GET('/one'));
    await c.waitForResponses(1);
    c.write(GET('/two'));
    const [one, two] = await c.waitForResponses(2);
    expect(one!.body.toString()).toBe('you asked /one');
    expect(two!.body.toString()).toBe('you asked /two');
    expect(one!.headers.connection).not.toBe('close');
    expect(c.closed).toBe(false);
    expect(s.requests[0]!.socket).toBe(s.requests[1]!.socket);
    expect(s.engine.connectionCount).toBe(1);
    c.socket.destroy();
    await until('connectionCount 0', () => (s.engine.connectionCount === 0 ? true : undefined));
  });

  it('pipelining: three requests in one write are answered in request order', async () => {
    const delays: Record<string, number> = { '/1': 120, '/2': 60, '/3': 0 };
    const s = await startServer((req, res) =>
      later(delays[req.url] ?? 0, () => res.respond(200, {}, `body ${req.url}`)),
    );
    const c = await s.connect();
    c.write(GET('/1') + GET('/2') + GET('/3'));
    const responses = await c.waitForResponses(3);
    expect(responses.map((r) => r.body.toString())).toEqual(['body /1', 'body /2', 'body /3']);
  });

  // As Envoy's HTTP/1 codec: one request at a time per connection, so answers can never overtake.
  it('pipelining: a request reaches the handler only once the one before it is answered', async () => {
    const delays: Record<string, number> = { '/1': 120, '/2': 60, '/3': 0 };
    const events: string[] = [];
    const s = await startServer((req, res) => {
      events.push(`start ${req.url}`);
      later(delays[req.url] ?? 0, () => {
        events.push(`answer ${req.url}`);
        res.respond(200, {}, `body ${req.url}`);
      });
    });
    const c = await s.connect();
    c.write(GET('/1') + GET('/2') + GET('/3'));
    await c.waitForResponses(3);
    expect(events).toEqual(['start /1', 'answer /1', 'start /2', 'answer /2', 'start /3', 'answer /3']);
  });

  it.each<Reading>(['consumed', 'data events'])(
    'pipelining: 60 requests sent at once, more than are read ahead, are all answered in order (%s)',
    async (reading) => {
      // 2 KiB heads, so the requests span several socket reads and reading stops and starts again.
      const pad = `x-pad: ${'p'.repeat(2048)}\r\n`;
      const s = await startServer(
        (req, res) => setImmediate(() => res.respond(200, {}, `body ${req.url}`)),
        {},
        reading,
      );
      const c = await s.connect();
      const paths = Array.from({ length: 60 }, (_, i) => `/${i}`);
      c.write(paths.map((path) => GET(path, pad)).join(''));
      const responses = await c.waitForResponses(60);
      expect(responses.map((r) => r.body.toString())).toEqual(paths.map((path) => `body ${path}`));
    },
  );

  it.each([
    ['HTTP/1.0 without keep-alive', 'GET / HTTP/1.0\r\n\r\n'],
    ['HTTP/1.1 with Connection: close', 'GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n'],
  ])('%s gets connection: close and the socket closes', async (_label, request) => {
    const s = await startServer((_req, res) => res.respond(200, {}, 'bye'));
    const c = await s.connect();
    c.write(request);
    const [r] = await c.waitForResponses(1);
    expect(r!.headers.connection).toBe('close');
    expect(r!.body.toString()).toBe('bye');
    await c.waitClosed();
    await until('connectionCount 0', () => (s.engine.connectionCount === 0 ? true : undefined));
  });

  it('HTTP/1.0 with Connection: keep-alive stays open and says connection: keep-alive', async () => {
    const s = await startServer((req, res) => res.respond(200, {}, `v1.${req.httpVersionMinor} ${req.url}`));
    const c = await s.connect();
    c.write('GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    const [first] = await c.waitForResponses(1);
    expect(first!.headers.connection).toBe('keep-alive');
    expect(first!.headers['content-length']).toBe('7');
    expect(first!.body.toString()).toBe('v1.0 /a');
    c.write('GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    const [, second] = await c.waitForResponses(2);
    expect(second!.body.toString()).toBe('v1.0 /b');
    expect(c.closed).toBe(false);
  });

  it.each<Reading>(['consumed', 'data events'])(
    'HTTP/1.0 with Transfer-Encoding is served, then the connection closes: what follows is never parsed (%s)',
    async (reading) => {
      // RFC 9112 §6.1: a 1.0 hop between would have read this framing otherwise (request smuggling).
      const s = await startServer(echo, {}, reading);
      const c = await s.connect();
      c.write(
        'POST /a HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' +
          'GET /smuggled HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
      );
      const [r] = await c.waitForResponses(1);
      expect(r!.body.toString()).toBe('abc');
      expect(r!.headers.connection).toBe('close');
      await c.waitClosed();
      expect(s.requests.map((req) => req.url)).toEqual(['/a']);
    },
  );

  it('an idle keep-alive connection is closed after keepAliveTimeoutMs', async () => {
    const s = await startServer((_req, res) => res.respond(200, {}, 'ok'), { keepAliveTimeoutMs: 200 });
    const c = await s.connect();
    c.write(GET());
    await c.waitForResponses(1);
    const answeredAt = performance.now();
    await c.waitClosed(1500);
    const idleFor = performance.now() - answeredAt;
    expect(idleFor).toBeGreaterThanOrEqual(150);
    expect(idleFor).toBeLessThan(900); // the check runs every keepAliveTimeoutMs / 4 (it was 1 s)
    await until('connectionCount 0', () => (s.engine.connectionCount === 0 ? true : undefined));
  });

  it('closeIdleConnections closes idle connections but not one whose request awaits the handler', async () => {
    let held: Http1Response | undefined;
    const s = await startServer((req, res) => {
      if (req.url === '/hold') {
        held = res;
        bump();
      } else {
        res.respond(200, {}, 'quick');
      }
    });
    const idle = await s.connect();
    idle.write(GET('/quick'));
    await idle.waitForResponses(1);
    const fresh = await s.connect();
    const busy = await s.connect();
    busy.write(GET('/hold'));
    const response = await until('the held request', () => held);
    await until('3 connections', () => (s.engine.connectionCount === 3 ? true : undefined));

    s.engine.closeIdleConnections();
    await idle.waitClosed();
    await fresh.waitClosed();
    expect(busy.closed).toBe(false);
    response.respond(200, {}, 'held');
    const [r] = await busy.waitForResponses(1);
    expect(r!.body.toString()).toBe('held');
  });
});

describe('request bodies', () => {
  it('req.body is null for a GET without body', async () => {
    const s = await startServer(echo);
    const c = await s.connect();
    c.write(GET());
    const [r] = await c.waitForResponses(1);
    expect(r!.body.toString()).toBe('no body');
    expect(s.requests[0]!.body).toBeNull();
  });

  it('a content-length body arrives whole, also when it comes after dispatch', async () => {
    const s = await startServer(echo);
    const c = await s.connect();
    c.write('POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 11\r\n\r\nhello');
    await until('the request', () => (s.requests.length === 1 ? true : undefined), { client: c });
    c.write(' world');
    c.write(GET('/after'));
    const [r, after] = await c.waitForResponses(2);
    expect(r!.body.toString()).toBe('hello world');
    expect(after!.body.toString()).toBe('no body');
  });

  it('a chunked body (with an extension and a trailer) arrives whole', async () => {
    const s = await startServer(echo);
    const c = await s.connect();
    c.write('POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
    await until('the request', () => (s.requests.length === 1 ? true : undefined), { client: c });
    c.write('6;ext=1\r\n world\r\n');
    c.write(`0\r\nX-Trailer: yes\r\n\r\n${GET('/after')}`);
    const [r, after] = await c.waitForResponses(2);
    expect(r!.body.toString()).toBe('hello world');
    expect(s.requests[0]!.headers['transfer-encoding']).toBe('chunked');
    expect(after!.body.toString()).toBe('no body');
  });

  it('an upload answered before its end is read and dropped, and the next request is answered', async () => {
    // What reads the body (an upstream hop) stalls, and the answer goes out first, as an app's early
    // 413 does: the server paused the socket for the body's reader and never read on.
    const stalled = new Writable({ highWaterMark: 1, write() {} });
    let cut = false;
    const s = await startServer((req, res) => {
      if (req.body === null) {
        res.respond(200, {}, 'after');
        return;
      }
      req.body.on('close', () => (cut = !req.body!.readableEnded));
      req.body.pipe(stalled);
      res.respond(413, {}, 'too large');
    });
    const c = await s.connect();
    c.write('POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 1048576\r\n\r\n');
    const [early] = await c.waitForResponses(1);
    expect(early!.status).toBe(413);
    c.write(Buffer.alloc(1048576, 120));
    c.write(GET('/after'));
    const [, after] = await c.waitForResponses(2);
    expect(after!.body.toString()).toBe('after');
    // Its reader sees the body cut short, not a clean end nor a hang.
    expect(cut).toBe(true);
  });

  it('an answered upload still arriving after discardTimeoutMs closes its connection', async () => {
    // nginx's lingering_time: the rest of an answered body is dropped for a while, not for as long as
    // the request timeout (300 s by default) lets a client keep sending.
    const s = await startServer((_req, res) => res.respond(413, {}, 'too large'), {
      discardTimeoutMs: 200,
      requestTimeoutMs: 10_000,
    });
    const c = await s.connect();
    c.write('POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 1048576\r\n\r\n');
    const [early] = await c.waitForResponses(1);
    expect(early!.status).toBe(413);
    const trickle = setInterval(() => c.write('x'), 40);
    cleanups.push(() => clearInterval(trickle));
    await c.waitClosed(5000);
    clearInterval(trickle);
  });

  it("a chunked request's trailers do not leak into the next request's headers", async () => {
    // More than 32 headers make the parser hand them over in parts, the path trailers also take.
    const many = Array.from({ length: 40 }, (_, i) => `x-h${i}: v${i}\r\n`).join('');
    const s = await startServer(echo);
    const c = await s.connect();
    c.write('POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n');
    c.write(`0\r\nX-Checksum: abc\r\n\r\n${GET('/after', many)}`);
    await c.waitForResponses(2);
    const after = s.requests[1]!;
    expect(after.headers['x-checksum']).toBeUndefined();
    expect(after.headers['x-h39']).toBe('v39');
    expect(after.url).toBe('/after');
  });

  it('Expect: 100-continue gets HTTP/1.1 100 Continue before the final response', async () => {
    const s = await startServer((req, res) => {
      void readAll(req.body!).then(
        (body) => res.respond(200, {}, `got ${body.toString()}`),
        () => {},
      );
    });
    const c = await s.connect();
    c.write('POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    const [interim] = await c.waitForResponses(1);
    expect(interim!.statusLine).toBe('HTTP/1.1 100 Continue');
    expect(interim!.rawHeaders).toEqual([]);
    c.write('hello');
    const [, final] = await c.waitForResponses(2);
    expect(final!.status).toBe(200);
    expect(final!.body.toString()).toBe('got hello');
  });

  it('another expectation goes to the handler as failed (it answers 417); an announced body closes the connection after', async () => {
    const s = await startServer((req, res) =>
      res.respond(req.expectation === 'failed' ? 417 : 200, {}, String(req.expectation)),
    );
    const c = await s.connect();
    c.write('GET /x HTTP/1.1\r\nHost: test\r\nExpect: foo\r\n\r\n');
    const [answer] = await c.waitForResponses(1);
    expect([answer!.status, answer!.body.toString()]).toEqual([417, 'failed']);
    // No 100 Continue was sent: a body announced with it never comes, and nothing could frame what does.
    c.write('POST /x HTTP/1.1\r\nHost: test\r\nExpect: foo\r\nContent-Length: 5\r\n\r\n');
    const [, refused] = await c.waitForResponses(2);
    expect([refused!.status, refused!.headers.connection]).toEqual([417, 'close']);
    await c.waitClosed();
  });

  it('a 5 MB request body arrives intact through a slow reader', async () => {
    const payload = randomBytes(5 * 1024 * 1024);
    const s = await startServer((req, res) => {
      const consume = async (): Promise<string> => {
        const hash = createHash('sha256');
        let n = 0;
        for await (const chunk of req.body!) {
          hash.update(chunk as Buffer);
          n += (chunk as Buffer).length;
          await new Promise((resolve) => setImmediate(resolve));
        }
        return `${n} ${hash.digest('hex')}`;
      };
      consume().then(
        (summary) => res.respond(200, {}, summary),
        (error: Error) => res.respond(500, {}, String(error)),
      );
    });
    const r = await send(s.port, {
      method: 'POST',
      path: '/upload',
      headers: { 'content-length': payload.length },
      body: payload,
    });
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe(`${payload.length} ${sha256(payload)}`);
  });

  it.each<Reading>(['consumed', 'data events'])(
    'a request body nobody reads stops the socket being read, and arrives whole once read (%s)',
    async (reading) => {
      const payload = randomBytes(32 * 1024 * 1024);
      let body: Readable | undefined;
      let answer: Http1Response | undefined;
      const s = await startServer(
        (req, res) => {
          body = req.body!;
          answer = res;
        },
        {},
        reading,
      );
      const c = await s.connect();
      c.write(`POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: ${payload.length}\r\n\r\n`);
      c.write(payload);
      await until('the request', () => s.requests[0]);
      // The server has stopped reading once the client's unsent bytes stop going down.
      let last = -1;
      let still = 0;
      for (let i = 0; i < 150 && still < 5; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const pending = c.socket.writableLength;
        still = pending === last ? still + 1 : 0;
        last = pending;
      }
      expect(c.socket.writableLength).toBeGreaterThan(0);
      expect(body!.readableLength).toBeLessThan(1024 * 1024);
      const received = await readAll(body!);
      answer!.respond(200, {}, sha256(received));
      const [r] = await c.waitForResponses(1);
      expect(r!.body.toString()).toBe(sha256(payload));
    },
  );

  it('a 5 MB Readable response body arrives intact', async () => {
    const payload = randomBytes(5 * 1024 * 1024);
    const chunks: Buffer[] = [];
    for (let at = 0; at < payload.length; at += 64 * 1024) chunks.push(payload.subarray(at, at + 64 * 1024));
    const s = await startServer((_req, res) => res.respond(200, {}, readableOf(chunks)));
    const r = await send(s.port, { path: '/download' });
    expect(r.status).toBe(200);
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect(r.bytes.length).toBe(payload.length);
    expect(sha256(r.bytes)).toBe(sha256(payload));
  });
});

describe('the request as the handler sees it', () => {
  it('combines repeated headers as node:http does', async () => {
    const s = await startServer((_req, res) => res.respond(200, {}, 'ok'));
    const c = await s.connect();
    c.write(
      'GET / HTTP/1.1\r\nHost: test\r\n' +
        'Set-Cookie: a=1\r\nset-cookie: b=2\r\n' +
        'X-Foo: a\r\nx-foo: b\r\n' +
        'Content-Type: text/plain\r\nContent-Type: text/html\r\n' +
        'User-Agent: first\r\nUser-Agent: second\r\n' +
        'Cookie: c=1\r\nCookie: d=2\r\n\r\n',
    );
    await c.waitForResponses(1);
    const headers = s.requests[0]!.headers;
    expect(headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(headers['x-foo']).toBe('a, b');
    expect(headers['content-type']).toBe('text/plain');
    expect(headers['user-agent']).toBe('first');
    expect(headers.cookie).toBe('c=1; d=2');
    expect(headers.host).toBe('test');
  });

  it.each([
    [
      'GET http://example.test/y?z=1 HTTP/1.1\r\nHost: example.test\r\n\r\n',
      'GET',
      'http://example.test/y?z=1',
      1,
    ],
    ['DELETE /a?b=1 HTTP/1.0\r\n\r\n', 'DELETE', '/a?b=1', 0],
  ])('exposes method, url as sent and the minor version: %j', async (request, method, url, minor) => {
    const s = await startServer((_req, res) => res.respond(200, {}, 'ok'));
    const c = await s.connect();
    c.write(request);
    await c.waitForResponses(1);
    const req = s.requests[0]!;
    expect(req.method).toBe(method);
    expect(req.url).toBe(url);
    expect(req.httpVersionMinor).toBe(minor);
    expect(req.socket.remotePort).toBe(c.socket.localPort);
  });
});

describe('the method as sent', () => {
  it('every method node:http takes reaches the handler by its own name (QUERY is not GET)', async () => {
    const s = await startServer((_req, res) => res.respond(200, {}, 'ok'));
    const c = await s.connect();
    // Not CONNECT (an authority target, and the end of the connection's HTTP), nor HEAD (its answer
    // has no body, which this raw client cannot tell in a pipelined batch; the framing tests cover it).
    const names = http.METHODS.filter((m) => m !== 'CONNECT' && m !== 'HEAD');
    c.write(names.map((m) => `${m} /m HTTP/1.1\r\nHost: test\r\n\r\n`).join(''));
    await c.waitForResponses(names.length);
    expect(s.requests.map((req) => req.method)).toEqual(names);
    expect(names).toContain('QUERY');
  });

  it('an Upgrade request with a body gets its body (dropped, the next hop would read past it)', async () => {
    const s = await startServer(echo);
    const c = await s.connect();
    c.write(
      'POST /up HTTP/1.1\r\nHost: test\r\nConnection: upgrade\r\nUpgrade: foo\r\nContent-Length: 3\r\n\r\nabc',
    );
    const [r] = await c.waitForResponses(1);
    expect(r!.body.toString()).toBe('abc');
  });
});

describe('client errors', () => {
  it('request headers larger than maxHeaderSize get 431 header-too-large', async () => {
    const s = await startServer((_req, res) => res.respond(200, {}, 'ok'), { maxHeaderSize: 1024 });
    const c = await s.connect();
    c.write(GET('/', `X-Big: ${'a'.repeat(4000)}\r\n`));
    const [r] = await c.waitForResponses(1);
    expect(r!.statusLine).toMatch(/^HTTP\/1\.1 431 /);
    expect(r!.headers['x-meshc-error']).toBe('header-too-large');
    await until('onClientError', () => (s.clientErrors.length > 0 ? true : undefined));
    expect(s.clientErrors).toEqual(['header-too-large']);
    expect(s.requests).toHaveLength(0);
    await c.waitClosed();
  });

  it('a request head just under maxHeaderSize is accepted', async () => {
    const s = await startServer((_req, res) => res.respond(200, {}, 'ok'), { maxHeaderSize: 1024 });
    const c = await s.connect();
    c.write(GET('/', `X-Big: ${'a'.repeat(700)}\r\n`));
    const [r] = await c.waitForResponses(1);
    expect(r!.status).toBe(200);
    expect(s.clientErrors).toEqual([]);
  });

  it.each([
    ['not HTTP at all', 'this is not http\r\n\r\n', /\(HPE_/],
    [
      'Content-Length with Transfer-Encoding',
      'POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      /Transfer-Encoding can't be present with Content-Length/,
    ],
    [
      'two different Content-Lengths',
      'POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
      /Duplicate Content-Length/,
    ],
    // obs-fold (RFC 9112 §5.2): a line folded into the previous header's value.
    ['an obs-fold', 'GET / HTTP/1.1\r\nHost: test\r\nX-A: a\r\n b\r\n\r\n', /whitespace after header value/],
    ['missing Host on HTTP/1.1', 'GET / HTTP/1.1\r\n\r\n', /without Host/],
    // RFC 9112 §3.2: which of two a chain of proxies routes on is anybody's guess.
    [
      'two Host lines',
      'GET / HTTP/1.1\r\nHost: public.test\r\nhost: admin.test\r\n\r\n',
      /more than one Host/,
    ],
    [
      'two Host lines on HTTP/1.0',
      'GET / HTTP/1.0\r\nHost: public.test\r\nHost: public.test\r\n\r\n',
      /more than one Host/,
    ],
    ['an HTTP/2.0 request line', 'GET / HTTP/2.0\r\nHost: test\r\n\r\n', /version other than 1\.x/],
    [
      'a transfer coding besides chunked',
      'POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
      /transfer coding other than chunked/,
    ],
  ])('%s gets 400 bad-request that says why, and never reaches the handler', async (_label, request, why) => {
    const s = await startServer((_req, res) => res.respond(200, {}, 'ok'));
    const c = await s.connect();
    c.write(request);
    const [r] = await c.waitForResponses(1);
    expect(r!.statusLine).toMatch(/^HTTP\/1\.1 400 /);
    expect(r!.headers['x-meshc-error']).toBe('bad-request');
    expect(JSON.parse(r!.body.toString())).toMatchObject({
      error: 'bad-request',
      message: expect.stringMatching(why),
    });
    await until('onClientError', () => (s.clientErrors.length > 0 ? true : undefined));
    expect(s.clientErrors).toEqual(['bad-request']);
    expect(s.requests).toHaveLength(0);
    await c.waitClosed();
  });

  it('a bad chunk size gets 400 bad-request', async () => {
    const s = await startServer(echo);
    const c = await s.connect();
    c.write('POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n');
    const [r] = await c.waitForResponses(1);
    expect(r!.statusLine).toMatch(/^HTTP\/1\.1 400 /);
    expect(r!.headers['x-meshc-error']).toBe('bad-request');
    expect(JSON.parse(r!.body.toString()).message).toBe(
      'Invalid character in chunk size (HPE_INVALID_CHUNK_SIZE)',
    );
    await until('onClientError', () => (s.clientErrors.length > 0 ? true : undefined));
    expect(s.clientErrors).toEqual(['bad-request']);
    await c.waitClosed();
  });

  it('a request head not complete within headersTimeoutMs gets 408 request-timeout', async () => {
    const s = await startServer((_req, res) => res.respond(200, {}, 'ok'), { headersTimeoutMs: 200 });
    const c = await s.connect();
    const sentAt = performance.now();
    c.write('GET / HTTP/1.1\r\nHost: test\r\n');
    const [r] = await c.waitForResponses(1);
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(150);
    expect(r!.statusLine).toMatch(/^HTTP\/1\.1 408 /);
    expect(r!.headers['x-meshc-error']).toBe('request-timeout');
    await until('onClientError', () => (s.clientErrors.length > 0 ? true : undefined));
    expect(s.clientErrors).toEqual(['request-timeout']);
    expect(s.requests).toHaveLength(0);
    await c.waitClosed();
  });

  it('a request body not complete within requestTimeoutMs gets 408 request-timeout', async () => {
    const s = await startServer(echo, { requestTimeoutMs: 300 });
    const c = await s.connect();
    const sentAt = performance.now();
    c.write('POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nhello');
    const [r] = await c.waitForResponses(1);
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(250);
    expect(r!.status).toBe(408);
    expect(r!.headers['x-meshc-error']).toBe('request-timeout');
    expect(s.clientErrors).toEqual(['request-timeout']);
    await c.waitClosed();
  });

  it('a client that stops reading a streamed response is cut off after sendTimeoutMs', async () => {
    let endedFinished: boolean | undefined;
    const chunk = Buffer.alloc(64 * 1024, 97);
    const s = await startServer(
      (_req, res) => {
        res.onEnd(() => {
          endedFinished = res.finished;
          bump();
        });
        const endless = new Readable({
          read() {
            this.push(chunk);
          },
        });
        res.respond(200, {}, endless);
      },
      { sendTimeoutMs: 200 },
    );
    const c = await s.connect();
    c.socket.pause();
    c.write(GET('/download'));
    await until('the exchange to end', () => (endedFinished === undefined ? undefined : true), {
      timeoutMs: 5000,
    });
    expect(endedFinished).toBe(false);
    expect(s.engine.connectionCount).toBe(0);
  });

  it('a head trickled in byte by byte still times out after headersTimeoutMs', async () => {
    const s = await startServer((_req, res) => res.respond(200, {}, 'ok'), { headersTimeoutMs: 200 });
    const c = await s.connect();
    c.write('GET / HTTP/1.1\r\nHost: test\r\n');
    const trickle = setInterval(() => c.write('X-Slow: 1\r\n'), 40);
    cleanups.push(() => clearInterval(trickle));
    const [r] = await c.waitForResponses(1);
    clearInterval(trickle);
    expect(r!.status).toBe(408);
    expect(r!.headers['x-meshc-error']).toBe('request-timeout');
    expect(s.requests).toHaveLength(0);
  });
});

describe('the response object', () => {
  it.each([
    ['the client disconnects', (c: { socket: net.Socket }) => c.socket.destroy()],
    [
      'closeAllConnections closes it',
      (_c: unknown, s: { engine: Http1Server }) => s.engine.closeAllConnections(),
    ],
  ])('when %s before the handler responds, the exchange ends unfinished', async (_label, cut) => {
    const ends: { finished: boolean; destroyed: boolean }[] = [];
    const s = await startServer((_req, res) =>
      res.onEnd(() => {
        ends.push({ finished: res.finished, destroyed: res.destroyed });
        bump();
      }),
    );
    const c = await s.connect();
    c.write(GET('/hold'));
    await until('the request', () => (s.requests.length === 1 ? true : undefined));
    cut(c, s);
    await until('the onEnd hook', () => (ends.length > 0 ? true : undefined));
    await until('connectionCount 0', () => (s.engine.connectionCount === 0 ? true : undefined));
    expect(ends).toEqual([{ finished: false, destroyed: true }]);
    expect(c.data.length).toBe(0);
  });

  it('onEnd runs once with finished true after a complete response', async () => {
    const seen: { headersSent: boolean; finished: boolean; destroyed: boolean }[] = [];
    let headersSentBeforeRespond: boolean | undefined;
    let headersSentAfterRespond: boolean | undefined;
    const s = await startServer((_req, res) => {
      res.onEnd(() => {
        seen.push({ headersSent: res.headersSent, finished: res.finished, destroyed: res.destroyed });
        bump();
      });
      headersSentBeforeRespond = res.headersSent;
      res.respond(200, {}, 'done');
      headersSentAfterRespond = res.headersSent;
    });
    const c = await s.connect();
    c.write(GET());
    const [r] = await c.waitForResponses(1);
    expect(r!.body.toString()).toBe('done');
    await until('the onEnd hook', () => (seen.length > 0 ? true : undefined));
    c.socket.destroy();
    await until('connectionCount 0', () => (s.engine.connectionCount === 0 ? true : undefined));
    expect(seen).toEqual([{ headersSent: true, finished: true, destroyed: false }]);
    expect(headersSentBeforeRespond).toBe(false);
    expect(headersSentAfterRespond).toBe(true);
  });

  it.each([
    ['a value with \\n', { 'x-bad': 'a\nb' }],
    ['a value with \\r', { 'x-bad': 'a\rb' }],
    ['a value in an array with \\n', { 'set-cookie': ['ok=1', 'a\nb'] }],
    ['a name with a space', { 'bad name': 'v' }],
  ])(
    'respond() with %s throws TypeError, writes nothing, and a following respond works',
    async (_l, headers) => {
      let thrown: unknown;
      let headersSentAfterThrow: boolean | undefined;
      const s = await startServer((_req, res) => {
        try {
          res.respond(200, headers, 'no');
        } catch (error) {
          thrown = error;
        }
        headersSentAfterThrow = res.headersSent;
        res.respond(500, {}, 'x');
      });
      const c = await s.connect();
      c.write(GET());
      const [r] = await c.waitForResponses(1);
      expect(thrown).toBeInstanceOf(TypeError);
      expect(headersSentAfterThrow).toBe(false);
      expect(r!.status).toBe(500);
      expect(r!.body.toString()).toBe('x');
      expect(c.text()).not.toContain('x-bad');
      expect(c.text()).not.toContain('ok=1');
    },
  );
});

describe('over TLS', () => {
  let pem: { ca: string; cert: string; key: string };

  beforeAll(async () => {
    const pki = await createTestPki('engine.test');
    pem = { ca: pki.rootPem, ...(await pki.issue('web')) };
  });

  it('serves requests on a tls.TLSSocket handed to serve()', async () => {
    const { engine, requests } = createEngine((req, res) => res.respond(200, {}, `secure ${req.url}`), {});
    const server = tls.createServer({ cert: pem.cert, key: pem.key });
    trackServer(server, engine);
    server.on('secureConnection', (socket: tls.TLSSocket) => engine.serve(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const c = new RawClient(
      tls.connect({ port, host: '127.0.0.1', ca: pem.ca, checkServerIdentity: () => undefined }),
    );
    await new Promise<void>((resolve, reject) => {
      c.socket.once('secureConnect', resolve);
      c.socket.once('error', reject);
    });
    c.write(GET('/one') + GET('/two'));
    const [one, two] = await c.waitForResponses(2);
    expect(one!.body.toString()).toBe('secure /one');
    expect(two!.body.toString()).toBe('secure /two');
    expect(requests[0]!.socket).toBeInstanceOf(tls.TLSSocket);
  });
});
