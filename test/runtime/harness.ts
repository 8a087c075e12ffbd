// Real sockets for integration tests: tiny app servers on 127.0.0.1 port 0, a client that sends one
// request and collects the answer, and cleanup of everything a test started.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';

export interface TestApp {
  readonly port: number;
  /** Requests the app received (method, url, headers), in order. */
  readonly seen: { method: string; url: string; headers: http.IncomingHttpHeaders }[];
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  close(): Promise<void>;
}

/** An app that records every request and answers with `handler` (default: 200 "ok <name>"). */
export async function startApp(name = 'app'): Promise<TestApp> {
  const app: TestApp = {
    port: 0,
    seen: [],
    handler: (_req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end(`ok ${name}`);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    app.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    app.handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (app as { port: number }).port = (server.address() as AddressInfo).port;
  return app;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body's bytes, for binary payloads. */
  bytes: Buffer;
}

export interface SendOptions {
  readonly host?: string;
  readonly path?: string;
  readonly method?: string;
  /** Or a flat [name, value, ...] list, sent line by line as is (a repeated header stays repeated). */
  readonly headers?: http.OutgoingHttpHeaders | readonly string[];
  readonly body?: string | Buffer;
  readonly agent?: http.Agent;
}

/** One HTTP/1.1 request to 127.0.0.1:port; resolves with status, headers and the whole body. */
export function send(port: number, opts: SendOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path ?? '/',
        headers: isRawList(opts.headers)
          ? ['host', opts.host ?? 'localhost', ...opts.headers]
          : { host: opts.host ?? 'localhost', ...opts.headers },
        agent: opts.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes.toString(), bytes });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

function isRawList(headers: SendOptions['headers']): headers is readonly string[] {
  return Array.isArray(headers);
}

/** Sends `n` requests with at most `concurrency` in flight; returns the replies in order. */
export async function sendMany(
  n: number,
  concurrency: number,
  make: (i: number) => Promise<Reply>,
): Promise<Reply[]> {
  const out: Reply[] = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      out[i] = await make(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return out;
}

/**
 * Writes `bytes` on a fresh connection and collects everything until the proxy closes it (or, with
 * `untilHead`, until a response head is in), or 5 s passed.
 */
export function rawExchange(
  port: number,
  bytes: string,
  opts: { untilHead?: boolean } = {},
): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    let got = '';
    s.on('data', (d) => {
      got += d;
      if (opts.untilHead && got.includes('\r\n\r\n')) s.destroy();
    });
    s.on('close', () => resolve(got));
    s.on('error', () => resolve(got));
    s.setTimeout(5000, () => s.destroy());
  });
}

/** A port free right now (a bundle must name a caller's local tcp port before the sidecar binds it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
