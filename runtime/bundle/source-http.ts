// A bundle store behind HTTP(S): `meshc compile` output served by nginx, an S3 bucket or a CDN. The
// manifest is fetched conditionally (If-None-Match) so an unchanged store costs one 304 per poll.
import http from 'node:http';
import https from 'node:https';
import { storePaths } from '../../schema/store-format.js';
import { type Clock, systemClock } from '../clock.js';
import { BundleSizeMismatchError, StoreUnreachableError } from './errors.js';
import {
  type BundleFetch,
  type BundleSource,
  type ManifestFetch,
  MANIFEST_MAX_BYTES,
  SIG_MAX_BYTES,
} from './source.js';

export interface HttpSourceOptions {
  /** Store root URL, e.g. https://bundles.example.com/shop (a trailing slash is optional). */
  url: string;
  service: string;
  /** Poll period. Default 10 s. */
  intervalMs?: number;
  /**
   * Deadline of one GET, from its request to the last byte of the answer, every redirect it follows
   * included. Default 10 s.
   */
  timeoutMs?: number;
  /** Extra CA certificates (PEM) for an HTTPS store signed by a private CA. */
  ca?: string;
  /** Times the per-request deadline; default the system clock (clamped, unref'd timers). */
  clock?: Clock;
}

interface Response {
  status: number;
  etag: string | null;
  body: Buffer;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

class TooLargeError extends Error {}

const EMPTY = Buffer.alloc(0);

export function createHttpSource(opts: HttpSourceOptions): BundleSource {
  const base = new URL(opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new TypeError(`bundle store URL must be http(s): ${opts.url}`);
  // Keep-alive: a proxy polls the same host forever, one connection is enough. One agent per scheme,
  // made when first needed (an http:// store may redirect to https://).
  const agents = new Map<string, http.Agent>();
  const agentFor = (secure: boolean): http.Agent => {
    const key = secure ? 'https:' : 'http:';
    let agent = agents.get(key);
    if (!agent) {
      agent = secure
        ? new https.Agent({ keepAlive: true, maxSockets: 2, ...(opts.ca ? { ca: opts.ca } : {}) })
        : new http.Agent({ keepAlive: true, maxSockets: 2 });
      agents.set(key, agent);
    }
    return agent;
  };
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const clock = opts.clock ?? systemClock;

  /**
   * One GET and its redirects, within one deadline: per hop, a chain of slow redirects held a poll
   * (and the proxy's start and stop, which wait for it) for up to MAX_REDIRECTS + 1 deadlines.
   */
  function get(rel: string, maxBytes: number, ifNoneMatch: string | null = null): Promise<Response> {
    const expiry = new AbortController();
    const deadline = clock.setTimer((c: AbortController) => c.abort(), timeoutMs, expiry);
    return getUrl(new URL(rel, base), maxBytes, ifNoneMatch, 0, expiry.signal).finally(() =>
      clock.clearTimer(deadline),
    );
  }

  /**
   * One GET, following up to MAX_REDIRECTS redirects to the same scheme or to https (a CDN or bucket
   * that moved a path). Safe because what is fetched is verified against signatures, not the URL; each
   * hop sends the same If-None-Match, so the final answer may still be a 304. `expired` aborts at the
   * GET's deadline, whichever hop it is on.
   */
  function getUrl(
    url: URL,
    maxBytes: number,
    ifNoneMatch: string | null,
    hops: number,
    expired: AbortSignal,
  ): Promise<Response> {
    const secure = url.protocol === 'https:';
    const headers: Record<string, string> = {
      accept: 'application/json, */*',
      'user-agent': 'meshc-proxy',
    };
    if (ifNoneMatch) headers['if-none-match'] = ifNoneMatch;
    return new Promise((resolve, reject) => {
      // A deadline for the whole answer, not an idle timeout: a store trickling a byte a second
      // would otherwise hold a poll (and the proxy's start and stop, which wait for it) for ever.
      const onExpired = () => fail(new Error(`no complete answer within ${timeoutMs} ms`));
      const done = (res: Response) => {
        expired.removeEventListener('abort', onExpired);
        resolve(res);
      };
      const fail = (err: Error) => {
        expired.removeEventListener('abort', onExpired);
        reject(err instanceof TooLargeError ? err : new StoreUnreachableError(`GET ${url}: ${err.message}`));
        req.destroy();
      };
      const req = (secure ? https : http).get(url, { agent: agentFor(secure), headers }, (res) => {
        const status = res.statusCode ?? 0;
        const etag = typeof res.headers.etag === 'string' ? res.headers.etag : null;
        const location = REDIRECTS.has(status) ? res.headers.location : undefined;
        if (location !== undefined) {
          res.destroy(); // a redirect's body is not read either
          expired.removeEventListener('abort', onExpired);
          const next = new URL(location, url);
          if (next.protocol !== url.protocol && next.protocol !== 'https:')
            return reject(
              new StoreUnreachableError(
                `GET ${url}: redirect to ${next} refused (only to ${url.protocol} or https:)`,
              ),
            );
          if (hops >= MAX_REDIRECTS)
            return reject(new StoreUnreachableError(`GET ${url}: more than ${MAX_REDIRECTS} redirects`));
          return resolve(getUrl(next, maxBytes, ifNoneMatch, hops + 1, expired));
        }
        if (status !== 200) {
          // Only a 200's body is read. Any other answer's (an error page of any size) is not: the
          // connection goes with it, except after a 304, which has none and is every steady poll.
          if (status === 304) res.resume().on('end', () => done({ status, etag, body: EMPTY }));
          else {
            done({ status, etag, body: EMPTY });
            res.destroy();
          }
          return;
        }
        const chunks: Buffer[] = [];
        let length = 0;
        res.on('data', (chunk: Buffer) => {
          length += chunk.length;
          // Bound memory: a store that serves more than the signed manifest promises is refused early.
          if (length > maxBytes) fail(new TooLargeError(`${url} is larger than ${maxBytes} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => done({ status, etag, body: Buffer.concat(chunks) }));
        res.on('error', fail);
      });
      req.on('error', fail);
      expired.addEventListener('abort', onExpired, { once: true });
      // Between two hops the deadline may have passed (a clock that jumped): no request is kept.
      if (expired.aborted) onExpired();
    });
  }

  function expectOk(rel: string, res: Response): Buffer {
    if (res.status === 200) return res.body;
    throw new StoreUnreachableError(`GET ${new URL(rel, base)}: HTTP ${res.status}`);
  }

  /** A 404 on a .sig means the store is unsigned; anything else but 200 is a store problem. */
  async function getSig(rel: string): Promise<string | null> {
    const res = await get(rel, SIG_MAX_BYTES).catch((err) => {
      throw err instanceof TooLargeError ? new StoreUnreachableError(err.message) : err;
    });
    if (res.status === 404) return null;
    return expectOk(rel, res).toString('utf8');
  }

  return {
    location: base.href,
    defaultIntervalMs: opts.intervalMs ?? 10_000,

    async fetchManifest(ifNoneMatch: string | null): Promise<ManifestFetch> {
      const rel = storePaths.manifest(opts.service);
      const res = await get(rel, MANIFEST_MAX_BYTES, ifNoneMatch).catch((err) => {
        throw err instanceof TooLargeError ? new StoreUnreachableError(err.message) : err;
      });
      if (res.status === 304) return { notModified: true };
      const bytes = expectOk(rel, res);
      const sig = await getSig(storePaths.manifestSig(opts.service));
      return { notModified: false, bytes, sig, etag: res.etag };
    },

    async fetchBundle(version: string, maxBytes: number): Promise<BundleFetch> {
      const rel = storePaths.bundle(opts.service, version);
      const res = await get(rel, maxBytes).catch((err) => {
        throw err instanceof TooLargeError
          ? new BundleSizeMismatchError(
              `bundle ${version} is larger than the ${maxBytes} bytes the manifest says`,
            )
          : err;
      });
      const bytes = expectOk(rel, res);
      const sig = await getSig(storePaths.bundleSig(opts.service, version));
      return { bytes, sig };
    },

    close() {
      for (const agent of agents.values()) agent.destroy();
    },
  };
}
