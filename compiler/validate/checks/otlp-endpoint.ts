// Where spans go: an OTLP/HTTP base URL, or '' for none. The schema takes any string, and a fuzz of
// the compile found `not a url` validating, after which the Envoy target left tracing out and the
// proxy's exporter failed on every batch: tracing silently off. A URL with port 0 made a collector
// cluster on port 0. Now each is MC2010 at the value.
import type { Check } from '../check-context.js';
import { makeDiagnostic } from '../report.js';

export const checkOtlpEndpoint: Check = (ctx) => {
  const mesh = ctx.mesh;
  const endpoint = mesh?.doc.spec.observability?.tracing?.otlpEndpoint;
  if (!mesh || endpoint === undefined || endpoint === '') return;
  const problem = urlProblem(endpoint);
  if (!problem) return;
  ctx.add(
    makeDiagnostic(
      'MC2010',
      mesh.source.locate('/spec/observability/tracing/otlpEndpoint'),
      `observability.tracing.otlpEndpoint: ${problem}, got \`${endpoint}\``,
      {
        hint: 'write the collector\'s OTLP/HTTP base URL, such as http://127.0.0.1:4318, or "" for no export',
      },
    ),
  );
};

function urlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'expected an http:// or https:// URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'expected an http:// or https:// URL';
  if (url.port === '0') return 'port 0 is no port to send spans to';
  if (url.username !== '' || url.password !== '')
    return "a user or password in the URL, which the proxy's exporter refuses (fetch takes no credentials in a URL)";
  return undefined;
}
