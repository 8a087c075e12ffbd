// The admin listener: /ready, /healthz, /metrics, /config and /explain. Loopback by default because it
// reveals the routing table and identity; read-only, GET/HEAD only, and never shows a stack trace.
// The metrics listener is the same server answering /ready, /healthz and /metrics only, so Prometheus
// and kubelet can reach it from other hosts without /config and /explain being exposed with it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, isIP } from 'node:net';
import type { BundleLifecycle } from '../bundle/lifecycle.js';
import { listenOn } from '../listen-on.js';
import type { CertificateWatcher } from '../certs/watch-certificates.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { AppAddress } from '../upstream/app.js';
import { summarizeConfig } from './config-summary.js';
import { explainRequest } from './explain.js';
import { computeReadiness, type NotReadyReason } from './readiness.js';

export interface AdminServerOptions {
  /** 'metrics' answers /ready, /healthz and /metrics only (404 for the rest); default 'admin'. */
  listener?: 'admin' | 'metrics';
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  lifecycle: Pick<BundleLifecycle, 'status' | 'active'>;
  certificates: Pick<CertificateWatcher, 'current' | 'status'> | null;
  telemetry: Pick<Telemetry, 'renderMetrics'>;
  /** Wall-clock epoch ms, for certificate validity. */
  now?: () => number;
  /** Why the request path is not serving yet although bundle and certificate are (e.g. still binding). */
  serving?: () => NotReadyReason | null;
  /** The sidecar's --app: /explain names it as where an admitted inbound request goes. */
  app?: AppAddress;
  /** Extra facts for /config under `sidecar` (bound listeners, instance). */
  describe?: () => Record<string, unknown>;
}

export interface AdminServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

const sendJson = (res: ServerResponse, status: number, value: unknown) =>
  send(res, status, `${JSON.stringify(value, null, 2)}\n`, 'application/json');

const METRICS_PATHS: ReadonlySet<string> = new Set(['/ready', '/healthz', '/metrics']);

export function handleAdminRequest(
  opts: AdminServerOptions,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const now = opts.now ?? Date.now;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return sendJson(res, 405, { code: 'method-not-allowed', message: 'the admin endpoints are read-only' });
  }
  // The target as sent: a path and a query. `new URL` would read `//evil/config` as host `evil` and
  // path `/config`.
  const requestTarget = req.url ?? '/';
  const q = requestTarget.indexOf('?');
  const pathname = q === -1 ? requestTarget : requestTarget.slice(0, q);
  // Before the Host check: on the metrics listener /config does not exist, whatever the Host.
  if (opts.listener === 'metrics' && !METRICS_PATHS.has(pathname))
    return sendJson(res, 404, { code: 'not-found', message: 'metrics endpoints: /ready /healthz /metrics' });
  const active = opts.lifecycle.active();
  if ((pathname === '/config' || pathname === '/explain') && !isLocalHost(req.headers.host)) {
    return sendJson(res, 403, {
      code: 'host-not-allowed',
      message:
        'the admin endpoints that show the configuration answer only to an IP address or localhost as Host',
    });
  }
  switch (pathname) {
    case '/healthz':
      return send(res, 200, 'ok\n', 'text/plain; charset=utf-8');
    case '/ready': {
      const r = computeReadiness({
        bundle: opts.lifecycle.status(),
        activeBundle: active?.bundle ?? null,
        certificate: opts.certificates?.current() ?? null,
        certificateStatus: opts.certificates?.status() ?? null,
        now: now(),
      });
      // Listeners still binding matter only once bundle and certificate are fine (else they explain it).
      const notServing = r.ready ? (opts.serving?.() ?? null) : null;
      if (notServing) r.reasons.push(notServing);
      r.ready = r.reasons.length === 0;
      return sendJson(res, r.ready ? 200 : 503, r);
    }
    case '/metrics': {
      const { contentType, body } = opts.telemetry.renderMetrics();
      return send(res, 200, body, contentType);
    }
    case '/config':
      return sendJson(res, 200, {
        ...summarizeConfig(opts.lifecycle.status(), active, opts.certificates?.status() ?? null),
        ...(opts.describe ? { sidecar: opts.describe() } : {}),
      });
    case '/explain': {
      if (!active) return sendJson(res, 503, { code: 'no-bundle', message: 'no bundle is active yet' });
      const p = new URLSearchParams(q === -1 ? '' : requestTarget.slice(q + 1));
      const target = p.get('url');
      if (!target)
        return sendJson(res, 400, {
          code: 'bad-request',
          message: 'usage: /explain?url=http://<service>/<path>&method=GET&from=<caller>&h=<name>:<value>',
        });
      const headers = p.getAll('h').map((h): [string, string] => {
        const colon = h.indexOf(':');
        return colon === -1 ? [h.trim(), ''] : [h.slice(0, colon).trim(), h.slice(colon + 1).trim()];
      });
      const result = explainRequest(
        active.bundle,
        { from: p.get('from'), method: p.get('method') ?? 'GET', url: target, headers },
        opts.app,
      );
      return result.ok
        ? sendJson(res, 200, result.explanation)
        : sendJson(res, result.status, { code: result.code, message: result.message });
    }
    default:
      return sendJson(res, 404, {
        code: 'not-found',
        message: 'admin endpoints: /ready /healthz /metrics /config /explain',
      });
  }
}

/**
 * Host names a web page cannot take over: an IP literal or localhost, with or without a port (or no
 * Host at all, HTTP/1.0). A page on an attacker's domain that resolves to 127.0.0.1 (DNS rebinding)
 * sends its own domain as Host, so it cannot read /config or /explain from a browser on this host.
 */
function isLocalHost(host: string | undefined): boolean {
  if (host === undefined) return true;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
  const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  return bare.toLowerCase() === 'localhost' || isIP(bare) !== 0;
}

export async function startAdminServer(opts: AdminServerOptions): Promise<AdminServer> {
  const host = opts.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    try {
      handleAdminRequest(opts, req, res);
    } catch {
      if (!res.headersSent) sendJson(res, 500, { code: 'internal-error', message: 'admin endpoint failed' });
      else res.destroy();
    }
  });
  await listenOn(server, opts.listener ?? 'admin', host, opts.port);
  return {
    host,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
