// Where the sidecar's listeners bind: each part given on the command line wins, the rest comes from
// the bundle (`sidecar:` of the mesh spec). Inbound faces other hosts; outbound and admin stay on
// loopback unless told otherwise (the admin listener reveals routes and identity). The metrics
// listener runs only when asked for, and then faces other hosts: Prometheus and kubelet are elsewhere.
import type { Bundle } from '../schema/bundle.types.generated.js';
import type { ListenAddress } from './proxy.js';

/** A listener flag: `HOST:PORT`, `:PORT` or `PORT` parsed into whichever parts were given. */
export interface ListenerFlag {
  readonly host?: string;
  readonly port?: number;
}

export interface ListenerFlags {
  readonly inbound?: ListenerFlag;
  readonly outbound?: ListenerFlag;
  readonly admin?: ListenerFlag;
  /** --metrics: absent = no metrics listener. */
  readonly metrics?: ListenerFlag;
}

export interface ListenerAddresses {
  readonly inbound: ListenAddress;
  readonly outbound: ListenAddress;
  readonly admin: ListenAddress;
}

/** The mesh's built-in `sidecar:` defaults, used for the admin port when no bundle is known at start. */
export const DEFAULT_SIDECAR_PORTS = { inbound: 15006, outbound: 15001, admin: 15000 } as const;

const DEFAULT_HOSTS = { inbound: '0.0.0.0', outbound: '127.0.0.1', admin: '127.0.0.1' } as const;

/** Istio's Prometheus port; the spec has no field for it, as the listener is per pod and optional. */
export const DEFAULT_METRICS_PORT = 15090;

/** Where the metrics listener binds, or null when --metrics was not given. */
export function metricsAddress(flags: ListenerFlags | undefined): ListenAddress | null {
  const flag = flags?.metrics;
  if (!flag) return null;
  return { host: flag.host ?? '0.0.0.0', port: flag.port ?? DEFAULT_METRICS_PORT };
}

/**
 * The addresses to bind. `adminPortFallback` is used for the admin port when it is neither flagged nor
 * known from a bundle (0 = DEFAULT_SIDECAR_PORTS.admin).
 */
export function listenerAddresses(
  bundle: Bundle | null,
  flags: ListenerFlags | undefined,
  adminPortFallback: number,
): ListenerAddresses {
  const ports = bundle?.sidecar ?? {
    ...DEFAULT_SIDECAR_PORTS,
    admin: adminPortFallback || DEFAULT_SIDECAR_PORTS.admin,
  };
  const pick = (name: keyof ListenerAddresses): ListenAddress => ({
    host: flags?.[name]?.host ?? DEFAULT_HOSTS[name],
    port: flags?.[name]?.port ?? ports[name],
  });
  return { inbound: pick('inbound'), outbound: pick('outbound'), admin: pick('admin') };
}

/**
 * Parses `HOST:PORT`, `[IPv6]:PORT`, `:PORT`, `PORT` or a bare `HOST`. Returns an error message for
 * anything else (the CLI turns it into a usage error).
 */
export function parseListenerFlag(text: string): ListenerFlag | { error: string } {
  const port = (s: string): number | null => {
    if (!/^\d{1,5}$/.test(s)) return null;
    const n = Number(s);
    return n <= 65535 ? n : null;
  };
  if (/^\d+$/.test(text)) {
    const p = port(text);
    return p === null ? { error: `port ${text} is out of range (0-65535)` } : { port: p };
  }
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]*)(?::(\d+))?$/.exec(text);
  if (!m) return { error: `expected HOST:PORT, :PORT or PORT, got "${text}"` };
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  if (m[2] === undefined) return host ? { host } : { error: `expected HOST:PORT, got "${text}"` };
  const p = port(m[2]);
  if (p === null) return { error: `port ${m[2]} is out of range (0-65535)` };
  return host ? { host, port: p } : { port: p };
}
