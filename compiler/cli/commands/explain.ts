// `meshc explain`: what the mesh would do with one request, from compiled bundles alone (a spec
// compiled in memory, or a store on disk), hop by hop, with the proxy's own matcher and
// authorization (runtime/explain/). Exit 0 when the request reaches the app, 1 when a proxy refuses it.
import { traceRequest, TraceInputError } from '../../../runtime/explain/trace.js';
import { closestMatch } from '../../load/did-you-mean.js';
import { type BundleSet, bundlesFromSpec, bundlesFromStore } from '../../explain/bundles.js';
import { ExplainError } from '../../explain/errors.js';
import { renderTraceText } from '../../explain/render-text.js';
import { parseHeader, parseRequestLine } from '../../explain/request-line.js';
import { EXIT_OK, EXIT_PROBLEMS, UsageError } from '../errors.js';
import { renderReport } from '../report.js';
import type { Command, ParsedValues } from '../types.js';
import { openCliParseCache, PARSE_CACHE_OPTIONS, parseCacheHelp } from './parse-cache-flags.js';

export const explainCommand: Command = {
  name: 'explain',
  summary: 'Explain what the mesh does with a request: route, versions, policies and authorization',
  synopsis:
    "meshc explain --from SERVICE 'METHOD URL' [-H 'name: value']... [--then 'METHOD URL']... [PATH [--ref REF] | --store DIR [--verify-key FILE] [--instance-id ID]] [--format text|json] [--cache-dir DIR | --no-cache]",
  help: `Answers from compiled bundles alone, with the proxy's own route matcher and authorization:
which route of the destination the caller's proxy picks (with its spec file:line), which versions
with which probability, the timeout, retries and circuit-breaker limits, and whether the callee's
proxy admits the caller (with the deciding rule's file:line).

Arguments:
  'METHOD URL'          the request the app of --from sends, e.g. 'GET http://reviews/reviews/1';
                        the URL's host is the destination service
  PATH                  spec directory or file, compiled in memory (default: .)

Options:
  --from SERVICE        the calling service (required)
  -H, --header 'n: v'   a request header (repeatable); sent on every hop
  --then 'METHOD URL'   a next hop, sent by the service the previous hop reached (repeatable)
  --ref REF             compile the spec at git ref REF instead of the working tree
  --store DIR           explain from a compiled bundle store instead of a spec
  --verify-key FILE     with --store: check signatures as a proxy does (else hashes only)
  --instance-id ID      with --store: the bundle a rollout gives this proxy instance
  --format FORMAT       text (default) or json
${parseCacheHelp(24)}
  -h, --help            show this help

Exit status:
  0  the request reaches the app of the last hop
  1  a proxy refuses it (a request its HTTP/1.1 server answers 400 or 431, no route,
     not a called service, authorization denied)
  2  usage error, a request that is not 'METHOD URL', an unknown service, a spec with
     errors, a missing or invalid store
  70 internal error`,
  options: {
    from: { type: 'string' },
    header: { type: 'string', short: 'H', multiple: true },
    then: { type: 'string', multiple: true },
    ref: { type: 'string' },
    store: { type: 'string' },
    'verify-key': { type: 'string' },
    'instance-id': { type: 'string' },
    format: { type: 'string', default: 'text' },
    ...PARSE_CACHE_OPTIONS,
  },
  maxPositionals: 2,
  async run({ values, positionals }, ctx) {
    const { io } = ctx;
    const format = String(values['format']);
    if (format !== 'text' && format !== 'json')
      throw new UsageError(`unknown format '${format}' (expected text|json)`);
    const from = values['from'];
    if (typeof from !== 'string' || from === '') throw new UsageError('--from SERVICE is required');
    const [line, path] = positionals;
    if (line === undefined) throw new UsageError("missing the request, like 'GET http://reviews/reviews/1'");
    const store = stringOf(values['store']);
    if (store !== undefined && path !== undefined)
      throw new UsageError('pass a spec PATH or --store DIR, not both');
    if (store === undefined && (values['verify-key'] !== undefined || values['instance-id'] !== undefined))
      throw new UsageError('--verify-key and --instance-id need --store');

    const headers = listOf(values['header']).map(parseHeader);
    const hops = [line, ...listOf(values['then'])].map((l) => parseRequestLine(l, headers));

    let set: BundleSet;
    let origin: string;
    if (store !== undefined) {
      set = await bundlesFromStore({
        dir: store,
        cwd: io.cwd,
        ...optional('verifyKeyFile', stringOf(values['verify-key'])),
        ...optional('instanceId', stringOf(values['instance-id'])),
      });
      origin = `store ${store}`;
    } else {
      const ref = stringOf(values['ref']);
      const cache = await openCliParseCache(values, io);
      const compiled = await bundlesFromSpec({
        path: path ?? '.',
        ...optional('ref', ref),
        cwd: io.cwd,
        now: io.now?.() ?? Date.now(),
        // The spec is read as validate and compile read it: through the parse cache the flags ask for.
        ...(cache ? { cache } : {}),
      });
      if (!compiled.ok) {
        const { checked, rootDir } = compiled;
        io.stderr.write(
          renderReport(
            {
              format: 'text',
              diagnostics: checked.diagnostics,
              summary: checked.summary,
              files: checked.files,
              rootDir,
              version: ctx.version,
            },
            io,
          ),
        );
        throw new ExplainError(
          'EXPLAIN_SPEC_INVALID',
          checked.files.length === 0
            ? `no spec files under ${path ?? '.'}`
            : 'the spec has errors, so it has no bundles to explain',
          'fix what `meshc validate` reports, then explain again',
        );
      }
      set = compiled.set;
      origin = `spec ${path ?? '.'}${ref ? ` at ${ref}` : ''} (compiled in memory)`;
    }

    checkKnown(from, set.services, '--from');
    // Only the bundles the trace can touch: a store may hold thousands.
    const hostHeader = headers.find(([n]) => n.toLowerCase() === 'host')?.[1];
    await set.load([
      from,
      ...[...hops.map((h) => h.url), `http://${hostHeader ?? ''}`].map(hostOf).filter((h) => h !== undefined),
    ]);
    let trace;
    try {
      trace = traceRequest({ from, hops, bundleOf: (s) => set.bundleOf(s) });
    } catch (err) {
      if (!(err instanceof TraceInputError)) throw err;
      throw new ExplainError(
        err.kind === 'bad-request' ? 'EXPLAIN_BAD_REQUEST' : 'EXPLAIN_UNKNOWN_SERVICE',
        err.message,
        err.kind === 'bad-request'
          ? "a request is 'METHOD http://<service>/<path>'"
          : `services: ${set.services.join(', ')}`,
      );
    }
    if (format === 'json') {
      io.stdout.write(
        `${JSON.stringify({ source: origin, versions: set.versions(), rolledOut: set.rolledOut(), requested: hops.length, ...trace }, null, 2)}\n`,
      );
    } else {
      let text = renderTraceText(
        trace,
        origin,
        store === undefined ? undefined : { versions: set.versions(), rolledOut: set.rolledOut() },
      );
      if (trace.hops.length < hops.length)
        text += `(${hops.length - trace.hops.length} later hop${hops.length - trace.hops.length === 1 ? '' : 's'} not reached)\n`;
      io.stdout.write(text);
    }
    return trace.outcome === 'reached' ? EXIT_OK : EXIT_PROBLEMS;
  },
};

function checkKnown(name: string, services: readonly string[], flag: string): void {
  if (services.includes(name)) return;
  const near = closestMatch(name, services);
  throw new ExplainError(
    'EXPLAIN_UNKNOWN_SERVICE',
    `${flag} ${name}: no such service${near ? ` (did you mean '${near}'?)` : ''}`,
    `services: ${services.join(', ') || 'none'}`,
  );
}

/** The host of an absolute http:// URL, lower-cased without port; undefined for anything else. */
function hostOf(url: string): string | undefined {
  const m = /^http:\/\/([^/?:@]+)/i.exec(url);
  return m ? m[1]!.toLowerCase().replace(/\.$/, '') : undefined;
}

function stringOf(v: ParsedValues[string]): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function listOf(v: ParsedValues[string]): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: string });
}
