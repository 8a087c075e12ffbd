// The fixed-rate generator's client: keep-alive sockets that each carry one GET at a time, the same
// request bytes every time, and llhttp (node:http's parser, runtime/http1/parser.ts) to find where
// each response ends, as wrk does in C. A general client (undici) does far more per request (timers,
// dispatch layers, header objects), and its work stalled the generator at the same points of every
// run, whichever peer was measured: those stalls were most of every peer's p99.
import net from 'node:net';
import { createParser, HTTPParser, type Parser } from '../../runtime/http1/parser.js';

export interface SocketPool {
  /** Sends the request on an idle socket, or queues it for the next one; resolves with the status. */
  request(): Promise<number>;
  close(): void;
}

interface Waiter {
  readonly resolve: (status: number) => void;
  readonly reject: (error: Error) => void;
}

interface Conn {
  readonly socket: net.Socket;
  readonly parser: Parser;
  current?: Waiter;
  status: number;
  /** False once a response said the server closes the connection after it. */
  keepAlive: boolean;
}

/** Opens `connections` sockets to `url` for `GET path` with the Host header `host`. */
export async function openSocketPool(
  url: string,
  host: string,
  path: string,
  connections: number,
  headers: Readonly<Record<string, string>>,
): Promise<SocketPool> {
  const { hostname, port } = new URL(url);
  const lines = Object.entries({ ...headers, host }).map(([k, v]) => `${k}: ${v}\r\n`);
  const head = Buffer.from(`GET ${path} HTTP/1.1\r\n${lines.join('')}\r\n`, 'latin1');
  const all = new Set<Conn>();
  const idle: Conn[] = [];
  const queue: Waiter[] = [];
  let closed = false;
  let opening = 0;

  const send = (conn: Conn, waiter: Waiter) => {
    conn.current = waiter;
    conn.socket.write(head);
  };
  const release = (conn: Conn) => {
    const next = queue.shift();
    if (next) send(conn, next);
    else idle.push(conn);
  };
  const lost = (conn: Conn) => {
    all.delete(conn);
    const at = idle.indexOf(conn);
    if (at >= 0) idle.splice(at, 1);
    const waiter = conn.current;
    conn.current = undefined;
    waiter?.reject(new Error('connection closed before the response ended'));
    if (closed) return;
    // A lost socket is replaced, so the pool keeps its size; with none left and none to be had,
    // what waits fails, so the generator always ends.
    opening++;
    open().then(
      (fresh) => {
        opening--;
        release(fresh);
      },
      (err: Error) => {
        opening--;
        if (all.size === 0) for (const w of queue.splice(0)) w.reject(err);
      },
    );
  };
  const open = () =>
    new Promise<Conn>((resolve, reject) => {
      const socket = net.connect({
        host: hostname.replace(/^\[|\]$/g, ''),
        port: Number(port),
        noDelay: true,
      });
      const conn: Conn = {
        socket,
        status: 0,
        keepAlive: true,
        parser: createParser(HTTPParser.RESPONSE, 0, undefined, {
          onHeaders: () => undefined,
          onHeadersComplete(this: Parser, ...args: never[]) {
            // node:http's order: versionMajor, versionMinor, headers, method, url, statusCode,
            // statusMessage, upgrade, shouldKeepAlive.
            const conn = this.owner as Conn;
            conn.status = args[5] as unknown as number;
            conn.keepAlive = (args[8] as unknown as boolean) !== false;
            return 0;
          },
          onBody: () => undefined,
          onMessageComplete(this: Parser) {
            const done = this.owner as Conn;
            const waiter = done.current;
            done.current = undefined;
            if (done.keepAlive) release(done); // else its 'close' replaces it
            waiter?.resolve(done.status);
          },
        }),
      };
      conn.parser.owner = conn;
      socket.once('connect', () => {
        all.add(conn);
        resolve(conn);
      });
      socket.on('data', (chunk: Buffer) => {
        const parsed = conn.parser.execute(chunk);
        if (parsed instanceof Error) socket.destroy(parsed);
      });
      socket.on('error', reject); // after 'connect' a no-op: 'close' follows and handles it
      socket.once('close', () => {
        conn.parser.close();
        if (all.has(conn)) lost(conn);
      });
    });

  idle.push(...(await Promise.all(Array.from({ length: connections }, open))));
  return {
    request: () =>
      new Promise<number>((resolve, reject) => {
        const conn = idle.pop();
        if (conn) send(conn, { resolve, reject });
        else if (all.size === 0 && opening === 0) reject(new Error('no connection to the server'));
        else queue.push({ resolve, reject });
      }),
    close() {
      closed = true;
      for (const conn of all) conn.socket.destroy();
      for (const waiter of queue.splice(0)) waiter.reject(new Error('pool closed'));
    },
  };
}
