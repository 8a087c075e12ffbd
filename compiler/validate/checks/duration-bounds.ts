// The schema takes any number with a unit as a duration, so a fuzz of the compile found durations
// that validated and then broke what they compile to (MC2005 now):
// - zero where Envoy and the bundle need a positive duration (a connect timeout, a back-off, an
//   outlier interval or ejection time; `0.4ms` rounds to 0);
// - one past 2^53 ms, rounded in the bundle, whose shape check then refused meshc's own store (a
//   proxy never became ready on it), or `1e400h`, which became null and Envoy's `Infinity.NaNs`.
// `timeout` and `perTryTimeout` of 0 mean none, to the proxy and to Envoy alike.
// A DOCUMENT_CHECK: it runs beside the schema on documents that fail it too (decision 0059), so it
// reads the document as written, every field unknown until looked at.
import type { Diagnostic } from '../../diagnostics.js';
import { formatDuration, parseDuration } from '../../duration.js';
import type { SpecDocument } from '../../load/types.js';
import type { DocumentCheck } from '../check-context.js';
import { makeDiagnostic } from '../report.js';

/** The longest duration a spec may write: far beyond any timer, well inside Envoy's and the bundle's ranges. */
export const MAX_DURATION_MS = 100_000 * 3_600_000;

type Places = readonly (readonly [path: string, positive: boolean])[];

/** Durations of a retry policy, wherever it stands (mesh defaults, service, route). */
const RETRY_DURATIONS: Places = [
  ['retries/perTryTimeout', false],
  ['retries/backoff/base', true],
  ['retries/backoff/max', true],
];

/** Durations where they stand in a mesh's defaults or a service's spec; true: 0 is no value there. */
const POLICY_DURATIONS: Places = [
  ['timeout', false],
  ['connectTimeout', true],
  ...RETRY_DURATIONS,
  ['outlierDetection/interval', true],
  ['outlierDetection/baseEjectionTime', true],
];

/** Durations where they stand in a route. */
const ROUTE_DURATIONS: Places = [['timeout', false], ...RETRY_DURATIONS, ['fault/delay/duration', false]];

/** Every place a duration can stand, for the test that holds this list to the schema. */
export const DURATION_PLACES = { POLICY_DURATIONS, ROUTE_DURATIONS };

/** MC2005 for durations out of range in a Mesh document's defaults and trust, or a Service's spec and routes. */
export const checkDurationBounds: DocumentCheck = ({ kind, value, source, add }) => {
  const report = reporter(source, add);
  if (kind === 'Mesh') {
    checkAt(valueAt(value, 'spec/defaults'), '/spec/defaults', POLICY_DURATIONS, report);
    checkAt(valueAt(value, 'spec/trust'), '/spec/trust', [['workloadTtl', true]], report);
    return;
  }
  checkAt(value.spec, '/spec', POLICY_DURATIONS, report);
  const routes = valueAt(value, 'spec/routes');
  if (Array.isArray(routes))
    routes.forEach((route, i) => checkAt(route, `/spec/routes/${i}`, ROUTE_DURATIONS, report));
};

type Report = (pointer: string, message: string, hint: string) => void;

function reporter(source: SpecDocument, add: (diagnostic: Diagnostic) => void): Report {
  return (pointer, message, hint) => add(makeDiagnostic('MC2005', source.locate(pointer), message, { hint }));
}

function checkAt(base: unknown, pointer: string, places: Places, report: Report): void {
  for (const [path, positive] of places) {
    const text = valueAt(base, path);
    if (typeof text !== 'string') continue;
    const ms = parseDuration(text);
    if (ms === undefined) continue; // malformed: the schema said so
    const name = path.replaceAll('/', '.');
    if (!(ms <= MAX_DURATION_MS))
      report(
        `${pointer}/${path}`,
        `${name}: must be at most ${formatDuration(MAX_DURATION_MS)}, got ${text}`,
        'write a duration a timer can wait: hours at most, for a request',
      );
    else if (positive && ms === 0)
      report(
        `${pointer}/${path}`,
        `${name}: must be at least 1ms, got ${text}`,
        'a zero here is no interval at all (Envoy refuses it): write at least 1ms, or leave it out for the default',
      );
  }
}

/** The value at a `/`-separated path, or undefined where a step is no object (as in a document of the wrong shape). */
function valueAt(base: unknown, path: string): unknown {
  let value: unknown = base;
  for (const key of path.split('/')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
