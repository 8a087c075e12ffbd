// Reads a sidecar's admin listener: /config (which bundle is active) and /metrics (Prometheus text).
import http from 'node:http';

export function adminGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

export async function activeVersion(adminPort: number): Promise<string | null> {
  const { body } = await adminGet(adminPort, '/config');
  return (JSON.parse(body) as { activeVersion: string | null }).activeVersion;
}

/** Resolves with the ms it took until the sidecar runs `version`; rejects after `withinMs`. */
export async function waitForVersion(adminPort: number, version: string, withinMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < withinMs) {
    if ((await activeVersion(adminPort)) === version) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`the sidecar did not activate ${version} within ${withinMs} ms`);
}

/** The metric lines whose name starts with one of `prefixes` and that mention `mention`, if given. */
export function metricLines(text: string, prefixes: readonly string[], mention?: string): string[] {
  return text
    .split('\n')
    .filter((l) => !l.startsWith('#') && prefixes.some((p) => l.startsWith(p)))
    .filter((l) => mention === undefined || l.includes(mention));
}
