// The Node processes of the proxy benchmark other than meshc, one per invocation:
//   upstream PORT                 the fallback upstream (when nginx is missing): 200 with a small body
//   http-proxy PORT UPSTREAM      node `http-proxy` with a keep-alive agent, as its docs configure it
//   minimal PORT UPSTREAM         the floor of Node's stack: node:http server + undici Pool, headers
//                                 filtered from rawHeaders, the body streamed back; nothing else
//   tcp-relay PORT UPSTREAM       not a proxy: each connection piped to one upstream connection, no
//                                 HTTP at all; what Node's event loop and sockets alone cost per hop
// Every peer gets keep-alive to the upstream: comparing a pooled proxy with one that reconnects per
// request would measure TCP handshakes, not proxies.
import http from 'node:http';
import net from 'node:net';
import httpProxy from 'http-proxy';
import { Pool } from 'undici';
import { UPSTREAM_BODY } from './node-peer-body.js';

const [kind, portArg, upstreamArg] = process.argv.slice(2);
const port = Number(portArg);
const upstream = `http://127.0.0.1:${upstreamArg}`;

const serverOptions: http.ServerOptions = { keepAliveTimeout: 60_000, noDelay: true };

function listen(server: http.Server): void {
  server.keepAliveTimeout = 60_000;
  server.listen(port, '127.0.0.1');
}

// A clean exit on the bench's SIGTERM, so a --cpu-prof profile is written (MESHC_BENCH_NODE_FLAGS).
process.once('SIGTERM', () => process.exit(0));

switch (kind) {
  case 'upstream': {
    const body = Buffer.from(UPSTREAM_BODY);
    listen(
      http.createServer(serverOptions, (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
        res.end(body);
      }),
    );
    break;
  }
  case 'http-proxy': {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    const proxy = httpProxy.createProxyServer({ target: upstream, agent });
    proxy.on('error', (_err, _req, res) => {
      if (res instanceof http.ServerResponse && !res.headersSent) res.writeHead(502);
      res.end();
    });
    listen(http.createServer(serverOptions, (req, res) => proxy.web(req, res)));
    break;
  }
  case 'minimal': {
    const pool = new Pool(upstream, { connections: 256, pipelining: 1, keepAliveTimeout: 60_000 });
    listen(
      http.createServer(serverOptions, (req, res) => {
        const hasBody =
          req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
        pool
          .request({
            method: req.method as 'GET',
            path: req.url ?? '/',
            headers: requestHeaders(req.rawHeaders),
            body: hasBody ? req : null,
          })
          .then(
            ({ statusCode, headers, body }) => {
              for (const h of HOP_BY_HOP) delete headers[h];
              res.writeHead(statusCode, headers);
              body.pipe(res);
            },
            () => {
              res.writeHead(502);
              res.end();
            },
          );
      }),
    );
    break;
  }
  case 'tcp-relay': {
    net
      .createServer({ noDelay: true }, (client) => {
        const up = net.connect({ host: '127.0.0.1', port: Number(upstreamArg), noDelay: true });
        client.pipe(up);
        up.pipe(client);
        client.on('error', () => up.destroy());
        up.on('error', () => client.destroy());
      })
      .listen(port, '127.0.0.1');
    break;
  }
  default:
    process.stderr.write(`unknown peer kind ${kind}\n`);
    process.exit(2);
}

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-connection',
];

/** rawHeaders as undici's flat [name, value, ...] list, without the hop-by-hop ones. */
function requestHeaders(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (HOP_BY_HOP.includes(raw[i]!.toLowerCase())) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}
