// The demo's sample applications: tiny HTTP servers that answer with who they are and who called
// them (the `x-meshc-peer` their sidecar set), and reach the services they depend on only through
// their own sidecar's outbound listener, by service name, exactly as an unmodified app would.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SampleApp {
  readonly service: string;
  readonly version: string;
  readonly port: number;
  /** Where this app's sidecar listens for outbound traffic; set once the sidecar is up. */
  outbound: number | undefined;
  close(): Promise<void>;
}

/** What an app answers; `next` is what the service it called answered, if it called one. */
export interface AppAnswer {
  readonly service: string;
  readonly version: string;
  readonly peer: string | null;
  readonly next?: AppAnswer | { readonly error: string };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** GET `path` of `service` through the sidecar at 127.0.0.1:`outbound`; resolves to status and body. */
export function viaSidecar(
  outbound: number,
  service: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: outbound,
        method: opts.method ?? 'GET',
        path,
        agent,
        headers: { host: service, ...opts.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Starts `service` `version` on 127.0.0.1 (a free port). When `calls` is given the app asks that
 * service for the same path through its sidecar and nests the answer; it passes `end-user` on,
 * as Bookinfo's apps do, so header routing works across hops.
 */
export async function startSampleApp(
  service: string,
  version: string,
  calls?: { service: string; path: (path: string) => string },
): Promise<SampleApp> {
  const app: SampleApp = {
    service,
    version,
    port: 0,
    outbound: undefined,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    void answer(req).then((body) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  async function answer(req: http.IncomingMessage): Promise<AppAnswer> {
    const peer = typeof req.headers['x-meshc-peer'] === 'string' ? req.headers['x-meshc-peer'] : null;
    const mine = { service, version, peer };
    if (!calls || app.outbound === undefined) return mine;
    const user = req.headers['end-user'];
    try {
      const reply = await viaSidecar(app.outbound, calls.service, calls.path(req.url ?? '/'), {
        headers: typeof user === 'string' ? { 'end-user': user } : {},
      });
      const next =
        reply.status === 200 ? (JSON.parse(reply.body) as AppAnswer) : { error: `${reply.status}` };
      return { ...mine, next };
    } catch (error) {
      return { ...mine, next: { error: (error as Error).message } };
    }
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(app, { port: (server.address() as AddressInfo).port });
}

export function closeAgents(): void {
  agent.destroy();
}
