// Turns the --bundles argument into a source: an http(s):// URL is an HTTP store, anything else (a
// path or a file:// URL) a directory store.
import { fileURLToPath } from 'node:url';
import type { BundleSource } from './source.js';
import { createDirSource } from './source-dir.js';
import { createHttpSource } from './source-http.js';

export interface OpenSourceOptions {
  service: string;
  /** Poll period override (default: dir 5 s, HTTP 10 s). */
  intervalMs?: number;
  /** Extra CA certificates (PEM) for an HTTPS store. */
  ca?: string;
}

export function openBundleSource(location: string, opts: OpenSourceOptions): BundleSource {
  const interval = opts.intervalMs !== undefined ? { intervalMs: opts.intervalMs } : {};
  if (/^https?:\/\//i.test(location))
    return createHttpSource({
      url: location,
      service: opts.service,
      ...interval,
      ...(opts.ca ? { ca: opts.ca } : {}),
    });
  const dir = location.startsWith('file:') ? fileURLToPath(location) : location;
  return createDirSource({ dir, service: opts.service, ...interval });
}
