// Conformance tests for the HTTP/1.1 client (runtime/http1/client.ts) on real sockets: the request
// bytes it writes (head, host, framing of Buffer and stream bodies), keep-alive reuse and the cases
// that must not reuse (Connection: close, Keep-Alive hints, idle expiry, a server that closed),
// response framing (HEAD, 204/304, chunked, close-delimited, 1xx interim answers, split reads),
// responses that must be errors, resets, refusals, abort before and after writing, backpressure,
// header validation and destroy().
// Servers are raw node:net sockets, so the request bytes are checked exactly and the response bytes
// are exactly ours. Waits are on events, never on the clock, except where an idle period (or a pause
// that must hold) is the thing under test.
import diagnostics from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ClientHandler,
  type ClientRequest,
  Http1Agent,
  type Http1AgentOptions,
} from '../../runtime/http1/client.js';

// --- waiting on events, never on the clock ------------------------------------------------------

/** Every observable change (server bytes in, close, a handler callback) bumps this. */
const changes = new EventEmitter();
changes.setMaxListeners(0);
const bump = (): void => {
  changes.emit('change');
};

/** Resolves with the first defined value of `probe`, re-checked on every change. */
function until<T>(what: string, probe: () => T | undefined, timeoutMs = 1500): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      changes.off('change', check);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    function check(): void {
      let value: T | undefined;
      try {
        value = probe();
      } catch (err) {
        clearTimeout(timer);
        changes.off('change', check);
        reject(err as Error);
        return;
      }
      if (value === undefined) return;
      clearTimeout(timer);
      changes.off('change', check);
      resolve(value);
    }
    changes.on('change', check);
    check();
  });
}

/** Only where the passing of time itself is under test (idle expiry, a pause that must hold). */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// --- everything opened is closed after each test -------------------------------------------------

const cleanups: (() => void | Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function newAgent(keepAliveTimeoutMs = 30_000, options: Partial<Http1AgentOptions> = {}): Http1Agent {
  const agent = new Http1Agent({ keepAliveTimeoutMs, ...options });
  cleanups.push(() => agent.destroy());
  return agent;
}

// --- a raw server that records request bytes and writes exact response bytes --------------------

interface ServerConn {
  readonly socket: net.Socket;
  /** Every byte received on this connection. */
  data: Buffer;
  /** Each complete request (head and body), as latin1 text (one char per byte). */
  readonly requests: string[];
  /** The client closed (or reset) the connection. */
  closed: boolean;
  /** Request bytes not yet split off into `requests`. */
  pending: Buffer;
}

interface RawServer {
  readonly port: number;
  readonly origin: string;
  readonly connections: ServerConn[];
  /** All requests on all connections, in arrival order. */
  requests(): string[];
}

type Answer = (conn: ServerConn, request: string, index: number) => void;

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
/** A well-formed response with no body: sent unasked, only the client's own check can refuse it. */
const NO_CONTENT = 'HTTP/1.1 204 No Content\r\n\r\n';

/** Where the request starting at `data[0]` ends, or -1 while it is incomplete. */
function requestEnd(data: Buffer): number {
  const headEnd = data.indexOf('\r\n\r\n', 0, 'latin1');
  if (headEnd < 0) return -1;
  const head = data.toString('latin1', 0, headEnd).toLowerCase();
  const bodyStart = headEnd + 4;
  if (/\r\ntransfer-encoding: *chunked\b/.test(head)) {
    // Test bodies never contain the terminator, so the first one ends the body.
    const end = data.indexOf('\r\n0\r\n\r\n', headEnd + 2, 'latin1');
    return end < 0 ? -1 : end + 7;
  }
  const length = /\r\ncontent-length: *(\d+)/.exec(head);
  if (length === null) return bodyStart;
  const end = bodyStart + Number(length[1]);
  return data.length >= end ? end : -1;
}

/** `answer` runs for each complete request (index counts requests across the server). */
async function rawServer(answer: Answer = (conn) => conn.socket.write(OK)): Promise<RawServer> {
  const connections: ServerConn[] = [];
  let count = 0;
  const server = net.createServer((socket) => {
    const conn: ServerConn = {
      socket,
      data: Buffer.alloc(0),
      requests: [],
      closed: false,
      pending: Buffer.alloc(0),
    };
    connections.push(conn);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      conn.data = Buffer.concat([conn.data, chunk]);
      conn.pending = Buffer.concat([conn.pending, chunk]);
      for (let end = requestEnd(conn.pending); end >= 0; end = requestEnd(conn.pending)) {
        const request = conn.pending.toString('latin1', 0, end);
        conn.pending = conn.pending.subarray(end);
        conn.requests.push(request);
        answer(conn, request, count++);
      }
      bump();
    });
    socket.on('close', () => {
      conn.closed = true;
      bump();
    });
    bump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const conn of connections) conn.socket.destroy();
        server.close(() => resolve());
      }),
  );
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    connections,
    requests: () => connections.flatMap((c) => c.requests),
  };
}

// --- a dispatch handler that records everything --------------------------------------------------

type Event = 'connect' | 'headers' | 'data' | 'complete' | 'error';

interface Outcome {
  /** Handler callbacks in the order they came (one 'data' per chunk). */
  readonly events: Event[];
  status: number | undefined;
  statusText: string | undefined;
  rawHeaders: string[] | undefined;
  readonly chunks: Buffer[];
  error: Error | undefined;
  abort: ((err?: Error) => void) | undefined;
  resume: (() => void) | undefined;
  /** The agent's cancel() of this request (true when it was waiting for a connection). */
  cancel: () => boolean;
  /** Settles on onComplete or onError (the first of them). */
  readonly done: Promise<Outcome>;
}

interface Hooks {
  readonly onConnect?: (abort: (err?: Error) => void) => void;
  readonly onHeaders?: () => boolean;
  readonly onData?: (chunk: Buffer) => boolean;
}

function bodyOf(out: Outcome): string {
  return Buffer.concat(out.chunks).toString('latin1');
}

function send(
  agent: Http1Agent,
  request: Partial<Omit<ClientRequest, 'host' | 'port'>> & { readonly origin: string },
  hooks: Hooks = {},
): Outcome {
  let settle!: (out: Outcome) => void;
  const out: Outcome = {
    events: [],
    status: undefined,
    statusText: undefined,
    rawHeaders: undefined,
    chunks: [],
    error: undefined,
    abort: undefined,
    resume: undefined,
    cancel: () => false,
    done: new Promise<Outcome>((resolve) => (settle = resolve)),
  };
  const handler: ClientHandler = {
    onConnect(abort) {
      out.events.push('connect');
      out.abort = abort;
      bump();
      hooks.onConnect?.(abort);
    },
    onHeaders(status, rawHeaders, resume, statusText) {
      out.events.push('headers');
      out.status = status;
      out.statusText = statusText;
      out.rawHeaders = rawHeaders;
      out.resume = resume;
      bump();
      return hooks.onHeaders ? hooks.onHeaders() : true;
    },
    onData(chunk) {
      out.events.push('data');
      out.chunks.push(Buffer.from(chunk));
      bump();
      return hooks.onData ? hooks.onData(chunk) : true;
    },
    onComplete() {
      out.events.push('complete');
      settle(out);
      bump();
    },
    onError(err) {
      out.events.push('error');
      out.error ??= err;
      settle(out);
      bump();
    },
  };
  // Tests name a server by its origin; the client takes the address.
  const { origin, ...rest } = request;
  const { hostname, port } = new URL(origin);
  const sent: ClientRequest = {
    method: 'GET',
    path: '/',
    headers: {},
    host: hostname,
    port: Number(port),
    ...rest,
  };
  out.cancel = () => agent.cancel(sent, handler);
  agent.dispatch(sent, handler);
  return out;
}

/** The events without the 'data' ones (their count depends on how the bytes were read). */
function shape(out: Outcome): Event[] {
  return out.events.filter((e) => e !== 'data');
}

/** A GET's exact bytes as this client writes them with no headers given. */
const plainGet = (server: RawServer, path = '/'): string =>
  `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1:${server.port}\r\n\r\n`;

// --- the request as written -----------------------------------------------------------------------

describe('request bytes', () => {
  it('GET: request line and headers as given, host from the origin, no content-length', async () => {
    const server = await rawServer((conn) =>
      conn.socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Reply: Yes\r\n\r\nok'),
    );
    const agent = newAgent();
    const out = await send(agent, {
      origin: server.origin,
      path: '/p/a?q=1&r=%20',
      headers: {
        'x-trace': 'abc',
        Accept: 'text/plain',
        'x-multi': ['1', '2'],
        'x-skip': undefined,
        'x-num': 7,
      },
    }).done;
    expect(server.requests()).toEqual([
      `GET /p/a?q=1&r=%20 HTTP/1.1\r\nx-trace: abc\r\nAccept: text/plain\r\nx-multi: 1\r\nx-multi: 2\r\n` +
        `x-num: 7\r\nhost: 127.0.0.1:${server.port}\r\n\r\n`,
    ]);
    expect(shape(out)).toEqual(['connect', 'headers', 'complete']);
    expect(out.status).toBe(200);
    expect(out.statusText).toBe('OK');
    expect(out.rawHeaders).toEqual(['Content-Length', '2', 'X-Reply', 'Yes']);
    expect(bodyOf(out)).toBe('ok');
  });

  it('a Host header that was given is sent as given and no second one is added', async () => {
    const server = await rawServer();
    const agent = newAgent();
    await send(agent, { origin: server.origin, headers: { Host: 'app.internal:8080' } }).done;
    expect(server.requests()).toEqual(['GET / HTTP/1.1\r\nHost: app.internal:8080\r\n\r\n']);
  });

  it('POST and PUT with no body send content-length: 0; GET and DELETE with none send no framing', async () => {
    const server = await rawServer();
    const agent = newAgent();
    const host = `host: 127.0.0.1:${server.port}`;
    for (const method of ['POST', 'PUT', 'DELETE'] as const) {
      const out = await send(agent, { origin: server.origin, method, path: '/x', body: null }).done;
      expect(out.error).toBeUndefined();
    }
    expect(server.requests()).toEqual([
      `POST /x HTTP/1.1\r\n${host}\r\ncontent-length: 0\r\n\r\n`,
      `PUT /x HTTP/1.1\r\n${host}\r\ncontent-length: 0\r\n\r\n`,
      `DELETE /x HTTP/1.1\r\n${host}\r\n\r\n`,
    ]);
  });

  // As undici does, and as this client does for a null body: some servers answer 411 Length Required
  // to a POST or PUT without a length.
  it('an empty Buffer body on POST and PUT is sent as content-length: 0, like no body', async () => {
    const server = await rawServer();
    const agent = newAgent();
    const host = `host: 127.0.0.1:${server.port}`;
    for (const method of ['POST', 'PUT'] as const) {
      const out = await send(agent, { origin: server.origin, method, path: '/e', body: Buffer.alloc(0) })
        .done;
      expect(out.error).toBeUndefined();
    }
    expect(server.requests()).toEqual([
      `POST /e HTTP/1.1\r\n${host}\r\ncontent-length: 0\r\n\r\n`,
      `PUT /e HTTP/1.1\r\n${host}\r\ncontent-length: 0\r\n\r\n`,
    ]);
  });

  it('a Buffer body is sent with its content-length in bytes', async () => {
    const server = await rawServer();
    const agent = newAgent();
    const body = Buffer.from('héllo wörld\u0000\r\n', 'utf8'); // 16 bytes, 14 characters
    const out = await send(agent, {
      origin: server.origin,
      method: 'POST',
      path: '/b',
      headers: { 'content-type': 'text/plain' },
      body,
    }).done;
    expect(out.error).toBeUndefined();
    expect(server.requests()).toEqual([
      `POST /b HTTP/1.1\r\ncontent-type: text/plain\r\nhost: 127.0.0.1:${server.port}\r\ncontent-length: 16\r\n\r\n` +
        body.toString('latin1'),
    ]);
  });

  it('a Readable body without content-length is sent chunked', async () => {
    const server = await rawServer();
    const agent = newAgent();
    const second = Buffer.from('héllo', 'utf8'); // 6 bytes
    const out = await send(agent, {
      origin: server.origin,
      method: 'POST',
      path: '/s',
      body: Readable.from([Buffer.from('abc'), second]),
    }).done;
    expect(out.error).toBeUndefined();
    expect(server.requests()).toEqual([
      `POST /s HTTP/1.1\r\nhost: 127.0.0.1:${server.port}\r\ntransfer-encoding: chunked\r\n\r\n` +
        `3\r\nabc\r\n6\r\n${second.toString('latin1')}\r\n0\r\n\r\n`,
    ]);
    expect(bodyOf(out)).toBe('ok');
  });

  it('a Readable body that breaks before its first byte sends nothing at all: the head waits for it', async () => {
    const server = await rawServer();
    const agent = newAgent();
    const body = new Readable({ read() {} });
    const out = send(agent, { origin: server.origin, method: 'POST', path: '/s', body });
    await until('the connection', () => server.connections[0]);
    await until('the client to be connected', () => (out.events.includes('connect') ? true : undefined));
    body.destroy(new Error('the downstream body was malformed'));
    expect((await out.done).error?.message).toBe('the downstream body was malformed');
    await until('the connection to close', () => server.connections[0]!.closed || undefined);
    expect(server.connections[0]!.data.length).toBe(0);
  });

  // The header's name in any case: the framing follows the head that was written.
  it.each(['content-length', 'Content-Length'])(
    'a Readable body with a %s is sent raw, not chunked',
    async (name) => {
      const server = await rawServer();
      const agent = newAgent();
      const out = await send(agent, {
        origin: server.origin,
        method: 'PUT',
        path: '/r',
        headers: { [name]: '8' },
        body: Readable.from(['abcd', 'efgh']),
      }).done;
      expect(out.error).toBeUndefined();
      const request = `PUT /r HTTP/1.1\r\n${name}: 8\r\nhost: 127.0.0.1:${server.port}\r\n\r\nabcdefgh`;
      expect(server.requests()).toEqual([request]);
      // Nothing after the body (no chunk terminator): the connection carries the next request cleanly.
      await send(agent, { origin: server.origin }).done;
      expect(server.connections).toHaveLength(1);
      expect(server.connections[0]!.data.toString('latin1')).toBe(request + plainGet(server));
    },
  );

  // A route mutation (or a previous hop) must not frame this hop: the smuggled request below would
  // be read by the server as a second request, and a chunked GET with no chunks would hang.
  it('a Buffer body is framed by its own length whatever content-length or transfer-encoding say', async () => {
    const server = await rawServer();
    const agent = newAgent();
    const smuggled = 'GET /smuggled HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n';
    const out = await send(agent, {
      origin: server.origin,
      method: 'POST',
      path: '/upload',
      headers: { 'Content-Length': '0', 'transfer-encoding': 'chunked' },
      body: Buffer.from(smuggled),
    });
    await until('the response', () => (out.events.includes('complete') || out.error ? true : undefined));
    expect(out.error).toBeUndefined();
    expect(server.requests()).toEqual([
      `POST /upload HTTP/1.1\r\nhost: 127.0.0.1:${server.port}\r\ncontent-length: ${smuggled.length}\r\n\r\n${smuggled}`,
    ]);
  });

  it('transfer-encoding and connection headers given are not written: a GET goes out without framing', async () => {
    const server = await rawServer();
    const agent = newAgent();
    const out = await send(agent, {
      origin: server.origin,
      path: '/g',
      headers: {
        'transfer-encoding': 'chunked',
        'content-length': '5',
        Connection: 'x-private',
        'keep-alive': 'timeout=1',
        te: 'trailers',
        trailer: 'x-sum',
        upgrade: 'h2c',
        'http2-settings': 'AAMAAABkAARAAAAAAAIAAAAA',
        expect: '100-continue',
        'Proxy-Connection': 'keep-alive',
        'proxy-authorization': 'Basic eDp5',
        'x-kept': 'yes',
      },
    });
    await until('the response', () => (out.events.includes('complete') || out.error ? true : undefined));
    expect(out.error).toBeUndefined();
    expect(server.requests()).toEqual([
      `GET /g HTTP/1.1\r\nx-kept: yes\r\nhost: 127.0.0.1:${server.port}\r\n\r\n`,
    ]);
  });

  it.each([
    ['two values', ['8', '8']],
    ['not a number', '8, 8'],
    ['a sign', '+8'],
  ])('a Readable body whose content-length is %s is sent chunked, the header dropped', async (_, value) => {
    const server = await rawServer();
    const agent = newAgent();
    const out = await send(agent, {
      origin: server.origin,
      method: 'PUT',
      path: '/r',
      headers: { 'content-length': value },
      body: Readable.from(['abcd', 'efgh']),
    }).done;
    expect(out.error).toBeUndefined();
    expect(server.requests()).toEqual([
      `PUT /r HTTP/1.1\r\nhost: 127.0.0.1:${server.port}\r\ntransfer-encoding: chunked\r\n\r\n` +
        `4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n`,
    ]);
  });

  it.each([
    ['a value with \\n', { 'x-bad': 'a\nb' }],
    ['a value with CRLF and a smuggled header', { 'x-bad': 'a\r\nInjected: 1' }],
    ['a name with a space', { 'bad name': 'v' }],
  ])('a header with %s: onError with a TypeError, nothing written', async (_, headers) => {
    const server = await rawServer();
    const agent = newAgent();
    const bad = await send(agent, { origin: server.origin, path: '/bad', headers }).done;
    expect(bad.error).toBeInstanceOf(TypeError);
    expect(shape(bad)).toEqual(['connect', 'error']);
    // The next request on the same connection is the first thing the server ever received.
    const good = await send(agent, { origin: server.origin, path: '/good' }).done;
    expect(bodyOf(good)).toBe('ok');
    expect(server.connections).toHaveLength(1);
    expect(server.connections[0]!.data.toString('latin1')).toBe(plainGet(server, '/good'));
  });
});

// --- connection reuse -------------------------------------------------------------------------------

describe('keep-alive', () => {
  it('two sequential requests use one connection', async () => {
    const server = await rawServer();
    const agent = newAgent();
    const a = await send(agent, { origin: server.origin, path: '/1' }).done;
    const b = await send(agent, { origin: server.origin, path: '/2' }).done;
    expect([bodyOf(a), bodyOf(b)]).toEqual(['ok', 'ok']);
    expect(server.connections).toHaveLength(1);
    expect(server.connections[0]!.requests).toEqual([plainGet(server, '/1'), plainGet(server, '/2')]);
  });

  it('a Connection: close response is not reused: the client closes it and opens a new one', async () => {
    // The server leaves the socket open: only the header tells the client not to reuse it.
    const server = await rawServer((conn) =>
      conn.socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok'),
    );
    const agent = newAgent();
    expect(bodyOf(await send(agent, { origin: server.origin }).done)).toBe('ok');
    expect(bodyOf(await send(agent, { origin: server.origin }).done)).toBe('ok');
    expect(server.connections).toHaveLength(2);
    expect(server.connections.map((c) => c.requests.length)).toEqual([1, 1]);
    await until('the client to close the first connection', () => server.connections[0]!.closed || undefined);
  });

  it.each([
    ['timeout=2 (no more than the 2 s threshold) is not reused', 'timeout=2', false],
    ['timeout=5 (3 s left after the threshold) is reused', 'timeout=5, max=100', true],
  ])('Keep-Alive: %s', async (_what, hint, reused) => {
    const server = await rawServer((conn) =>
      conn.socket.write(`HTTP/1.1 200 OK\r\nKeep-Alive: ${hint}\r\nContent-Length: 2\r\n\r\nok`),
    );
    const agent = newAgent();
    await send(agent, { origin: server.origin }).done;
    await send(agent, { origin: server.origin }).done;
    if (reused) {
      expect(server.connections).toHaveLength(1);
      expect(server.connections[0]!.requests).toHaveLength(2);
    } else {
      expect(server.connections).toHaveLength(2);
      await until(
        'the client to close the first connection',
        () => server.connections[0]!.closed || undefined,
      );
    }
  });

  it('a connection idle longer than keepAliveTimeoutMs is not reused', async () => {
    const server = await rawServer();
    const agent = newAgent(100);
    await send(agent, { origin: server.origin }).done;
    await sleep(200); // the idle period under test
    expect(bodyOf(await send(agent, { origin: server.origin }).done)).toBe('ok');
    expect(server.connections).toHaveLength(2);
    expect(server.connections[0]!.requests).toHaveLength(1);
    await until(
      'the client to close the expired connection',
      () => server.connections[0]!.closed || undefined,
    );
  });

  it('an idle connection the server closed is not reused: the next request succeeds on a new one', async () => {
    const server = await rawServer((conn, _request, index) => {
      conn.socket.write(OK);
      if (index === 0) conn.socket.end(); // keep-alive by its headers, then closed while idle
    });
    const agent = newAgent();
    await send(agent, { origin: server.origin }).done;
    await until('the first connection to close', () => server.connections[0]!.closed || undefined);
    const next = await send(agent, { origin: server.origin, path: '/after' }).done;
    expect(next.error).toBeUndefined();
    expect(bodyOf(next)).toBe('ok');
    expect(server.connections).toHaveLength(2);
    expect(server.connections[1]!.requests).toEqual([plainGet(server, '/after')]);
  });

  it.each([
    ['in the same read as the response asked for', true],
    ['later, while the connection is idle', false],
  ])(
    'a response nobody asked for (%s) closes the connection; the next request opens a new one',
    async (_, withIt) => {
      const server = await rawServer((conn, _request, index) =>
        conn.socket.write(index === 0 && withIt ? OK + NO_CONTENT : OK),
      );
      const agent = newAgent();
      const out = await send(agent, { origin: server.origin }).done;
      expect(shape(out)).toEqual(['connect', 'headers', 'complete']);
      expect(bodyOf(out)).toBe('ok');
      if (!withIt) server.connections[0]!.socket.write(NO_CONTENT);
      await until('the first connection to close', () => server.connections[0]!.closed || undefined);
      const next = await send(agent, { origin: server.origin, path: '/after' }).done;
      expect(bodyOf(next)).toBe('ok');
      expect(server.connections).toHaveLength(2);
    },
  );

  it('destroy() closes idle connections, and a later dispatch fails', async () => {
    const server = await rawServer();
    const agent = newAgent();
    await send(agent, { origin: server.origin }).done;
    await send(agent, { origin: server.origin }).done;
    expect(server.connections[0]!.closed).toBe(false);
    await agent.destroy();
    await until('the idle connection to close', () => server.connections[0]!.closed || undefined);
    const late = await send(agent, { origin: server.origin }).done;
    expect(shape(late)).toEqual(['error']);
    expect(server.connections).toHaveLength(1);
  });
});

describe('connection limit', () => {
  /** A server that answers a request only when told to, so requests stay in flight. */
  async function heldServer() {
    const held: ServerConn[] = [];
    /** Request paths in the order they arrived, across connections. */
    const arrived: string[] = [];
    const server = await rawServer((conn, request) => {
      held.push(conn);
      arrived.push(request.split(' ')[1]!);
      bump();
    });
    const answerNext = () => held.shift()!.socket.write(OK);
    return { server, held, arrived, answerNext };
  }

  it('beyond maxConnections requests wait, in order, and go on the first connection freed', async () => {
    const { server, held, arrived, answerNext } = await heldServer();
    const agent = newAgent(30_000, { maxConnections: 2 });
    const outs = ['/a', '/b', '/c', '/d'].map((path) => send(agent, { origin: server.origin, path }));
    await until('two requests in flight', () => (held.length === 2 ? true : undefined));
    expect(server.connections).toHaveLength(2);
    expect(outs.map((o) => shape(o))).toEqual([['connect'], ['connect'], [], []]);
    answerNext();
    await until('the third request on the freed connection', () => (held.length === 2 ? true : undefined));
    for (let i = 0; i < 3; i++) {
      await until('a request in flight', () => held[0]);
      answerNext();
    }
    for (const out of outs) expect(bodyOf(await out.done)).toBe('ok');
    expect(server.connections).toHaveLength(2);
    expect(arrived).toEqual(['/a', '/b', '/c', '/d']);
  });

  it('a connection that sent bytes after a response is not handed to the request waiting for it', async () => {
    // Handed on, the queued POST was written to it, run by the app, then failed with the first
    // response's parse error.
    const server = await rawServer((conn, request) =>
      conn.socket.write(request.startsWith('GET /a') ? `${OK}GARBAGE` : OK),
    );
    const agent = newAgent(30_000, { maxConnections: 1 });
    const first = send(agent, { origin: server.origin, path: '/a' });
    const second = send(agent, { origin: server.origin, path: '/b', method: 'POST' });
    expect(bodyOf(await first.done)).toBe('ok');
    const out = await second.done;
    expect(out.error).toBeUndefined();
    expect(bodyOf(out)).toBe('ok');
    expect(server.connections.map((c) => c.requests.map((r) => r.split('\r\n')[0]))).toEqual([
      ['GET /a HTTP/1.1'],
      ['POST /b HTTP/1.1'],
    ]);
  });

  it('a request waiting takes the place of a connection that closed', async () => {
    const { server, held } = await heldServer();
    const agent = newAgent(30_000, { maxConnections: 1 });
    const first = send(agent, { origin: server.origin, path: '/a' });
    const second = send(agent, { origin: server.origin, path: '/b' });
    await until('the first request in flight', () => held[0]);
    held.shift()!.socket.destroy();
    expect(shape(await first.done)).toEqual(['connect', 'error']);
    await until('the second request on a new connection', () => held[0]);
    held.shift()!.socket.write(OK);
    expect(bodyOf(await second.done)).toBe('ok');
    expect(server.connections).toHaveLength(2);
  });

  it('close() serves what is in flight and waiting, refuses new requests, then closes every connection', async () => {
    const { server, held, answerNext } = await heldServer();
    const agent = newAgent(30_000, { maxConnections: 1 });
    const first = send(agent, { origin: server.origin, path: '/a' });
    const waiting = send(agent, { origin: server.origin, path: '/b' });
    await until('the first request in flight', () => held[0]);
    await agent.close();
    const late = await send(agent, { origin: server.origin, path: '/c' }).done;
    expect(shape(late)).toEqual(['error']);
    answerNext();
    expect(bodyOf(await first.done)).toBe('ok');
    await until('the waiting request in flight', () => held[0]);
    answerNext();
    expect(bodyOf(await waiting.done)).toBe('ok');
    await until('the connection to close', () => server.connections[0]!.closed || undefined);
    expect(server.requests().map((r) => r.split(' ')[1])).toEqual(['/a', '/b']);
  });

  it('destroy() fails the requests still waiting for a connection', async () => {
    const { server, held } = await heldServer();
    const agent = newAgent(30_000, { maxConnections: 1 });
    const first = send(agent, { origin: server.origin, path: '/a' });
    const waiting = send(agent, { origin: server.origin, path: '/b' });
    await until('the first request in flight', () => held[0]);
    await agent.destroy();
    expect(shape(await first.done)).toEqual(['connect', 'error']);
    expect(shape(await waiting.done)).toEqual(['error']);
    expect(server.requests()).toHaveLength(1);
  });

  it('a request that gives up while waiting leaves the queue: never sent, never told', async () => {
    const { server, held, answerNext } = await heldServer();
    const agent = newAgent(30_000, { maxConnections: 1 });
    const first = send(agent, { origin: server.origin, path: '/a' });
    const gaveUp = send(agent, { origin: server.origin, path: '/b' });
    const after = send(agent, { origin: server.origin, path: '/c' });
    await until('the first request in flight', () => held[0]);
    expect([first.cancel(), gaveUp.cancel(), gaveUp.cancel()]).toEqual([false, true, false]);
    answerNext();
    expect(bodyOf(await first.done)).toBe('ok');
    await until('the next waiting request in flight', () => held[0]);
    answerNext();
    expect(bodyOf(await after.done)).toBe('ok');
    expect(gaveUp.events).toEqual([]);
    expect(server.requests().map((r) => r.split(' ')[1])).toEqual(['/a', '/c']);
  });

  it('thousands of waiting requests that give up in onConnect are passed over in a loop, not a recursion', async () => {
    // Each used to take the freed connection and hand it on from inside its own abort, one stack
    // level per request: a long enough queue overflowed the stack and killed the process.
    const { server, held, answerNext } = await heldServer();
    const agent = newAgent(30_000, { maxConnections: 1 });
    const first = send(agent, { origin: server.origin, path: '/a' });
    await until('the first request in flight', () => held[0]);
    const reason = new Error('gave up');
    const quitters = Array.from({ length: 10_000 }, () =>
      send(agent, { origin: server.origin, path: '/q' }, { onConnect: (abort) => abort(reason) }),
    );
    const last = send(agent, { origin: server.origin, path: '/last' });
    answerNext();
    expect(bodyOf(await first.done)).toBe('ok');
    await until('the last request in flight', () => held[0]);
    answerNext();
    expect(bodyOf(await last.done)).toBe('ok');
    expect(new Set(quitters.map((q) => `${shape(q).join()} ${q.error?.message}`))).toEqual(
      new Set(['connect,error gave up']),
    );
    expect(server.requests().map((r) => r.split(' ')[1])).toEqual(['/a', '/last']);
    expect(server.connections).toHaveLength(1);
  });

  it("the sweep drops an address's pool once it has no connection and nobody waiting", async () => {
    // Endpoints come and go (dns: names of rescheduled pods); a pool kept per address ever dialled grows.
    const closing = await rawServer((conn) =>
      conn.socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok'),
    );
    const keptAlive = await rawServer();
    const agent = newAgent(30_000);
    const pools = (agent as unknown as { pools: Map<number, Map<string, unknown>> }).pools;
    for (const server of [closing, keptAlive])
      expect(bodyOf(await send(agent, { origin: server.origin }).done)).toBe('ok');
    await until('the closing server to see the close', () => closing.connections[0]!.closed || undefined);
    // The sweep runs every second: waiting for it is the passing of time under test.
    for (let i = 0; i < 40 && pools.has(closing.port); i++) await sleep(100);
    expect([...pools.keys()]).toEqual([keptAlive.port]);
    // A pool dropped is made again on the next request to its address.
    expect(bodyOf(await send(agent, { origin: closing.origin }).done)).toBe('ok');
    expect(bodyOf(await send(agent, { origin: keptAlive.origin }).done)).toBe('ok');
    expect(keptAlive.connections).toHaveLength(1);
  });

  it('a connector decides when a connection may carry its first request', async () => {
    const server = await rawServer();
    let release: (() => void) | undefined;
    const agent = newAgent(30_000, {
      connect: (host, port, ready) => {
        const socket = net.connect({ host, port });
        // Ready only when the test says so, as a TLS connector waits for the server to accept us.
        socket.once('connect', () => {
          release = ready;
          bump();
        });
        return socket;
      },
    });
    const out = send(agent, { origin: server.origin, path: '/a' });
    await until('the connection', () => release);
    await sleep(20);
    expect(out.events).toEqual([]);
    expect(server.connections[0]!.data.length).toBe(0);
    release!();
    expect(bodyOf(await out.done)).toBe('ok');
  });
});

// --- response framing ------------------------------------------------------------------------------

describe('response framing', () => {
  // forward.ts hands a response on as one Buffer when its body and end came with its head: that
  // needs all three before the microtask it queues in onHeaders runs.
  it('a response read in one piece reaches the handler head, body and end together, before any microtask', async () => {
    const server = await rawServer();
    const agent = newAgent();
    let seenByMicrotask: string[] | undefined;
    const out: Outcome = send(
      agent,
      { origin: server.origin },
      {
        onHeaders: () => {
          queueMicrotask(() => (seenByMicrotask = [...out.events]));
          return true;
        },
      },
    );
    await out.done;
    expect(seenByMicrotask).toEqual(['connect', 'headers', 'data', 'complete']);
  });

  it('HEAD: content-length: 10 and no body completes, and the connection is reused', async () => {
    const server = await rawServer((conn, request) =>
      conn.socket.write(
        request.startsWith('HEAD ')
          ? 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n'
          : 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext',
      ),
    );
    const agent = newAgent();
    const head = await send(agent, { origin: server.origin, method: 'HEAD' }).done;
    expect(shape(head)).toEqual(['connect', 'headers', 'complete']);
    expect(head.rawHeaders).toEqual(['Content-Length', '10']);
    expect(head.chunks).toEqual([]);
    const get = await send(agent, { origin: server.origin }).done;
    expect(bodyOf(get)).toBe('next');
    expect(server.connections).toHaveLength(1);
    expect(server.connections[0]!.requests).toHaveLength(2);
  });

  it('204 and 304 (even with a content-length) complete without a body', async () => {
    const answers = [
      'HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n',
      'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 5\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nafter',
    ];
    const server = await rawServer((conn, _request, index) => conn.socket.write(answers[index]!));
    const agent = newAgent();
    const noContent = await send(agent, { origin: server.origin }).done;
    const notModified = await send(agent, { origin: server.origin }).done;
    const after = await send(agent, { origin: server.origin }).done;
    expect([noContent.status, notModified.status, after.status]).toEqual([204, 304, 200]);
    expect(shape(noContent)).toEqual(['connect', 'headers', 'complete']);
    expect(shape(notModified)).toEqual(['connect', 'headers', 'complete']);
    expect(noContent.chunks).toEqual([]);
    expect(notModified.chunks).toEqual([]);
    // Had the 304's "5" been read as a body, these bytes would have gone to it.
    expect(bodyOf(after)).toBe('after');
    expect(server.connections).toHaveLength(1);
  });

  it('a chunked response body arrives whole', async () => {
    const server = await rawServer((conn) => {
      conn.socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
      conn.socket.write('1;ext=1\r\n \r\n');
      conn.socket.write('a\r\n0123456789\r\n0\r\n\r\n');
    });
    const agent = newAgent();
    const out = await send(agent, { origin: server.origin }).done;
    expect(shape(out)).toEqual(['connect', 'headers', 'complete']);
    expect(bodyOf(out)).toBe('hello 0123456789');
    // The terminator was consumed: the connection is clean for the next request.
    expect(bodyOf(await send(agent, { origin: server.origin }).done)).toBe('hello 0123456789');
    expect(server.connections).toHaveLength(1);
  });

  /** 40 headers (more than llhttp hands over in one onHeaders call) and their head lines. */
  const FORTY = Array.from({ length: 40 }, (_, i) => [`X-H${i}`, `v${i}`] as const);
  const FORTY_LINES = FORTY.map(([n, v]) => `${n}: ${v}\r\n`).join('');

  it('a response with 40 headers delivers all of them, in order', async () => {
    const server = await rawServer((conn) =>
      conn.socket.write(`HTTP/1.1 200 OK\r\n${FORTY_LINES}Content-Length: 2\r\n\r\nok`),
    );
    const agent = newAgent();
    const out = await send(agent, { origin: server.origin }).done;
    expect(out.rawHeaders).toEqual([...FORTY.flat(), 'Content-Length', '2']);
    expect(bodyOf(out)).toBe('ok');
  });

  it("a chunked response's trailers do not leak into the next response's headers", async () => {
    const answers = [
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n' +
        '2\r\nok\r\n0\r\nX-Checksum: abc\r\n\r\n',
      `HTTP/1.1 200 OK\r\n${FORTY_LINES}Content-Length: 4\r\n\r\nnext`,
    ];
    const server = await rawServer((conn, _request, index) => conn.socket.write(answers[index]!));
    const agent = newAgent();
    const first = await send(agent, { origin: server.origin }).done;
    expect(shape(first)).toEqual(['connect', 'headers', 'complete']);
    expect(bodyOf(first)).toBe('ok');
    const second = await send(agent, { origin: server.origin }).done;
    expect(second.rawHeaders).toEqual([...FORTY.flat(), 'Content-Length', '4']);
    expect(bodyOf(second)).toBe('next');
    expect(server.connections).toHaveLength(1);
  });

  it('a close-delimited response (no length, connection closes) completes with the whole body', async () => {
    const server = await rawServer((conn) => {
      conn.socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npart one, ');
      conn.socket.end('part two');
    });
    const agent = newAgent();
    const out = await send(agent, { origin: server.origin }).done;
    expect(shape(out)).toEqual(['connect', 'headers', 'complete']);
    expect(out.error).toBeUndefined();
    expect(bodyOf(out)).toBe('part one, part two');
  });

  it('100 Continue and 103 Early Hints before the final 200 are skipped', async () => {
    const server = await rawServer((conn, _request, index) =>
      conn.socket.write(
        index === 0
          ? 'HTTP/1.1 100 Continue\r\n\r\n' +
              'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n' +
              'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfull'
          : OK,
      ),
    );
    const agent = newAgent();
    const out = await send(agent, { origin: server.origin }).done;
    expect(shape(out)).toEqual(['connect', 'headers', 'complete']);
    expect(out.status).toBe(200);
    expect(out.rawHeaders).toEqual(['Content-Length', '4']);
    expect(bodyOf(out)).toBe('full');
    expect(bodyOf(await send(agent, { origin: server.origin }).done)).toBe('ok');
    expect(server.connections).toHaveLength(1);
  });

  it('a 1xx has no body, whatever its headers say: the bytes are never the final response', async () => {
    // Read by its Content-Length, the 150's "body" went to the final response; cut short, to the
    // next user's request on the pooled connection (a desync across users, through the mesh).
    const server = await rawServer((conn, _request, index) =>
      conn.socket.write(
        index === 0
          ? 'HTTP/1.1 150 Whatever\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfull'
          : OK,
      ),
    );
    const agent = newAgent();
    const out = await send(agent, { origin: server.origin }).done;
    expect(shape(out)).toEqual(['connect', 'headers', 'complete']);
    expect(out.status).toBe(200);
    expect(bodyOf(out)).toBe('full');
    expect(bodyOf(await send(agent, { origin: server.origin }).done)).toBe('ok');
  });

  // RFC 9110 §15: codes run 100-599; anything else is no response to relay (a 600 was relayed as is).
  it.each(['099', '600'])('a status of %s is an error, not a hang nor a response', async (code) => {
    const server = await rawServer((conn) =>
      conn.socket.write(`HTTP/1.1 ${code} Odd\r\nContent-Length: 5\r\n\r\nhello`),
    );
    const out = await send(newAgent(), { origin: server.origin }).done;
    expect(out.events.at(-1)).toBe('error');
    expect(out.error?.message).toContain(`status ${Number(code)},`);
  });

  it('an HTTP/1.0 answer to HEAD without keep-alive closes the connection: the next request opens one', async () => {
    const server = await rawServer((conn, request) =>
      conn.socket.write(request.startsWith('HEAD') ? 'HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n' : OK),
    );
    const agent = newAgent();
    const head = await send(agent, { origin: server.origin, method: 'HEAD' }).done;
    expect(head.status).toBe(200);
    const next = await send(agent, { origin: server.origin }).done;
    expect(next.error).toBeUndefined();
    expect(bodyOf(next)).toBe('ok');
    expect(server.connections).toHaveLength(2);
  });

  it('a response in many small reads (the head in 3 pieces) parses', async () => {
    // The client's socket, to write each piece only once the previous one was read on its own.
    // (Its bytesRead, not 'data' events: the client's parser may read the socket's handle itself.)
    const clientSockets: net.Socket[] = [];
    const onSocket = (message: unknown): void => {
      clientSockets.push((message as { socket: net.Socket }).socket);
    };
    diagnostics.subscribe('net.client.socket', onSocket);
    cleanups.push(() => {
      diagnostics.unsubscribe('net.client.socket', onSocket);
    });
    const server = await rawServer(() => {});
    const agent = newAgent();
    const out = send(agent, { origin: server.origin });
    expect(clientSockets).toHaveLength(1);
    const conn = await until('the request', () =>
      server.connections[0]?.requests.length === 1 ? server.connections[0] : undefined,
    );
    const pieces = [
      'HTTP/1.1 200 O',
      'K\r\nContent-Length: 10\r\nX-Sp',
      'lit: yes\r\n\r\n',
      'hello',
      ' ',
      'there',
    ];
    let written = 0;
    for (const [i, piece] of pieces.entries()) {
      conn.socket.write(piece);
      written += piece.length;
      const deadline = performance.now() + 1500;
      while (clientSockets[0]!.bytesRead < written) {
        if (performance.now() > deadline)
          throw new Error(`timed out waiting for the client to read piece ${i}`);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    await out.done;
    expect(shape(out)).toEqual(['connect', 'headers', 'complete']);
    expect(out.statusText).toBe('OK');
    expect(out.rawHeaders).toEqual(['Content-Length', '10', 'X-Split', 'yes']);
    expect(bodyOf(out)).toBe('hello ther');
    expect(out.chunks.map((c) => c.toString('latin1'))).toEqual(['hello', ' ', 'ther']);
  });

  it.each([
    ['an answer that is not HTTP', 'SSH-2.0-OpenSSH_9.6\r\n'],
    [
      'Content-Length with Transfer-Encoding',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    ['two different Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'],
    // llhttp reads these (chunked comes last); handed on, the body would lose its gzip coding's name.
    [
      'a coding besides chunked',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    ],
    [
      'a coding besides chunked, on two lines',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    ],
  ])('%s: onError, never onHeaders', async (_, bytes) => {
    const server = await rawServer((conn) => conn.socket.write(bytes));
    const agent = newAgent();
    const out = await send(agent, { origin: server.origin }).done;
    expect(shape(out)).toEqual(['connect', 'error']);
    expect(out.error).toBeInstanceOf(Error);
    expect(out.chunks).toEqual([]);
    // A connection that spoke garbage is dropped, not pooled.
    await until('the client to drop the connection', () => server.connections[0]!.closed || undefined);
  });
});

// --- failures ----------------------------------------------------------------------------------------

describe('failures', () => {
  it('a server that resets mid-body: onError after onHeaders, never onComplete', async () => {
    const server = await rawServer((conn) =>
      conn.socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial'),
    );
    const agent = newAgent();
    const out = send(agent, { origin: server.origin });
    await until('the first body bytes', () => (bodyOf(out) === 'partial' ? true : undefined));
    server.connections[0]!.socket.resetAndDestroy();
    await out.done;
    expect(shape(out)).toEqual(['connect', 'headers', 'error']);
    expect((out.error as NodeJS.ErrnoException).code).toBe('ECONNRESET');
  });

  it('a server that closes mid-body (FIN, not RST): onError, not a short complete response', async () => {
    const server = await rawServer((conn) =>
      conn.socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial'),
    );
    const agent = newAgent();
    const out = await send(agent, { origin: server.origin }).done;
    expect(shape(out)).toEqual(['connect', 'headers', 'error']);
    expect(bodyOf(out)).toBe('partial');
  });

  it('connection refused: onError with ECONNREFUSED, onConnect never called', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const agent = newAgent();
    const out = await send(agent, { origin: `http://127.0.0.1:${port}` }).done;
    expect(out.events).toEqual(['error']);
    expect((out.error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('abort(err) in onConnect: onError with that err, nothing written, the connection is reused', async () => {
    const server = await rawServer();
    const agent = newAgent();
    const reason = new Error('given up before sending');
    const aborted = await send(
      agent,
      { origin: server.origin, path: '/aborted' },
      { onConnect: (abort) => abort(reason) },
    ).done;
    expect(aborted.events).toEqual(['connect', 'error']);
    expect(aborted.error).toBe(reason);
    const next = await send(agent, { origin: server.origin, path: '/next' }).done;
    expect(bodyOf(next)).toBe('ok');
    expect(server.connections).toHaveLength(1);
    expect(server.requests()).toEqual([plainGet(server, '/next')]);
    expect(server.connections[0]!.data.toString('latin1')).toBe(plainGet(server, '/next'));
  });

  it('abort(err) after the request was written destroys the connection', async () => {
    const server = await rawServer(() => {}); // never answers
    const agent = newAgent();
    const out = send(agent, { origin: server.origin, path: '/slow' });
    await until('the request to arrive', () => server.connections[0]?.requests[0]);
    const reason = new Error('gave up waiting');
    out.abort!(reason);
    await out.done;
    expect(out.events).toEqual(['connect', 'error']);
    expect(out.error).toBe(reason);
    await until('the server to see the close', () => server.connections[0]!.closed || undefined);
    // A second abort changes nothing.
    out.abort!(new Error('again'));
    expect(out.events).toEqual(['connect', 'error']);
  });
});

// --- backpressure -----------------------------------------------------------------------------------

describe('backpressure', () => {
  const SIZE = 2 * 1024 * 1024;
  const payload = Buffer.alloc(SIZE);
  for (let i = 0; i < SIZE; i++) payload[i] = i % 251;

  /** Stops at the first chunk, holds while paused, then takes the rest after resume(). */
  async function pauseAndResume(server: RawServer): Promise<void> {
    const agent = newAgent();
    let paused = true;
    const out = send(agent, { origin: server.origin }, { onData: () => !paused });
    await until('the first body chunk', () => (out.chunks.length > 0 ? true : undefined));
    await sleep(150); // the pause under test: nothing may arrive while it holds
    const before = out.chunks.length;
    const receivedBefore = Buffer.concat(out.chunks).length;
    paused = false;
    out.resume!();
    await out.done;
    expect(shape(out)).toEqual(['connect', 'headers', 'complete']);
    expect(Buffer.concat(out.chunks).equals(payload)).toBe(true);
    expect({ before, receivedBeforeBelowTotal: receivedBefore < SIZE }).toEqual({
      before: 1,
      receivedBeforeBelowTotal: true,
    });
    expect(out.chunks.length).toBeGreaterThan(before);
  }

  it('onData returning false pauses a content-length body until resume()', async () => {
    const server = await rawServer((conn) => {
      conn.socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${SIZE}\r\n\r\n`);
      conn.socket.write(payload);
    });
    await pauseAndResume(server);
  });

  it('onData returning false pauses a chunked body until resume()', async () => {
    const parts: Buffer[] = [Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')];
    for (let at = 0; at < SIZE; at += 8192) {
      parts.push(Buffer.from('2000\r\n'), payload.subarray(at, at + 8192), Buffer.from('\r\n'));
    }
    parts.push(Buffer.from('0\r\n\r\n'));
    const response = Buffer.concat(parts);
    const server = await rawServer((conn) => conn.socket.write(response));
    await pauseAndResume(server);
  });
});
