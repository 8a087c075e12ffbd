// Serves a bundle store over HTTP the way nginx or a CDN would: static files, a strong ETag per file,
// `304 Not Modified` for a matching If-None-Match, nothing outside the store root.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, sep } from 'node:path';

export interface StoreServer {
  readonly url: string;
  /** Requests answered, by status: the demo prints how many polls cost only a 304. */
  readonly answered: Map<number, number>;
  close(): Promise<void>;
}

export async function serveStore(root: string): Promise<StoreServer> {
  const answered = new Map<number, number>();
  const reply = (
    res: http.ServerResponse,
    status: number,
    headers: http.OutgoingHttpHeaders,
    body?: Buffer,
  ) => {
    answered.set(status, (answered.get(status) ?? 0) + 1);
    res.writeHead(status, headers);
    res.end(body);
  };
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://store').pathname);
    const file = normalize(join(root, path));
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !file.startsWith(root + sep)) {
      return reply(res, 404, {});
    }
    readFile(file).then(
      (bytes) => {
        const etag = `"${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}"`;
        if (req.headers['if-none-match'] === etag) return reply(res, 304, { etag });
        reply(res, 200, { etag, 'content-type': 'application/json', 'content-length': bytes.length }, bytes);
      },
      () => reply(res, 404, {}),
    );
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    answered,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
