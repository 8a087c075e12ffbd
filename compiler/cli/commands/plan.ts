// `meshc plan`: compile the spec at a base ref and at the head (a ref, or the working tree) in memory,
// and report what every affected proxy will do differently, with risk flags, as text, a PR comment
// (markdown) or JSON. Reading and rendering happen here; the diff itself is the pure compiler/diff.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasErrors } from '../../diagnostics.js';
import { buildPlanReport, renderPlanJson } from '../../diff/build-report.js';
import { compileSide, type SideBundles } from '../../diff/compile-side.js';
import { renderPlanComment } from '../../diff/fit-comment.js';
import { diffPlans } from '../../diff/plan-diff.js';
import { planView } from '../../diff/plan-view.js';
import { compilePlanTemplate, type PlanTemplate } from '../../diff/render-markdown.js';
import { renderPlanText } from '../../diff/render-text.js';
import { DEFAULT_RETRY_STORM_THRESHOLD } from '../../diff/risk-retry-storm.js';
import type { PlanDiagnostic, PlanSideInfo } from '../../diff/types.js';
import { SourceError } from '../../load/errors.js';
import type { ParseCache } from '../../load/parse-cache.js';
import { specPathsShown } from '../../load/spec-paths-shown.js';
import type { RootedSpecSource } from '../../load/types.js';
import { type CheckedSpec, checkSpec } from '../../pipeline.js';
import { EXIT_OK, EXIT_PROBLEMS, UsageError } from '../errors.js';
import { openSpecSource } from '../spec-source.js';
import type { Command, CommandContext, ParsedValues } from '../types.js';
import { openCliParseCache, PARSE_CACHE_OPTIONS, parseCacheHelp } from './parse-cache-flags.js';

const FORMATS = ['text', 'markdown', 'json'] as const;
type PlanFormat = (typeof FORMATS)[number];
const TEMPLATE_PATH = 'compiler/diff/templates/plan.md.hbs';

/** A side that cannot be read at all; the CLI's rescue prints it (exit 2) naming the side. */
export class PlanSideError extends Error {
  override readonly name = 'PlanSideError';
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export const planCommand: Command = {
  name: 'plan',
  summary: 'Show what every proxy will do differently between two versions of the spec',
  synopsis: `meshc plan --base REF [--head REF] [PATH] [--format ${FORMATS.join('|')}] [--fail-on risk] [--retry-storm-threshold N] [--template FILE.hbs] [--cache-dir DIR | --no-cache]`,
  help: `Compiles the spec at --base and at --head (default: the working tree) in memory, nothing is
checked out or written, and diffs the bundles of every service semantically: routes, weights,
timeouts, retries, authorization widened or narrowed, mTLS, endpoints, bundle version and size.
Services whose bundle does not change are counted, not listed. With the parse cache, a file the
two sides share is parsed once. See docs/plan.md.

Arguments:
  PATH                  spec directory or single spec file (default: .)

Options:
  --base REF            the git ref to compare against (e.g. origin/main); required
  --head REF            the git ref of the change; default: the working tree (required in
                        a bare repository, where PATH is from the repository's top)
  --format FORMAT       text (default), markdown (a pull-request comment) or json
                        (the stable shape of docs/plan.md)
  --fail-on risk        exit 1 when any risk flag is raised
  --template FILE.hbs   Handlebars template for --format markdown
                        (default: ${TEMPLATE_PATH})
  --retry-storm-threshold N
                        flag a call chain whose retries multiply beyond N tries of its
                        last hop per request (default: ${DEFAULT_RETRY_STORM_THRESHOLD})
${parseCacheHelp(24)}
  -h, --help            show this help

Exit status:
  0  plan shown (no risk flag, or --fail-on not given)
  1  the head or the base has errors, or --fail-on risk and a risk was flagged
  2  usage error, an unknown ref, a ref without a spec, an unreadable template
  70 internal error`,
  options: {
    base: { type: 'string' },
    head: { type: 'string' },
    format: { type: 'string', default: 'text' },
    'fail-on': { type: 'string' },
    template: { type: 'string' },
    'retry-storm-threshold': { type: 'string' },
    ...PARSE_CACHE_OPTIONS,
  },
  maxPositionals: 1,
  async run({ values, positionals }, ctx) {
    const args = parsePlanArgs(values);
    const template = args.format === 'markdown' ? await loadTemplate(args.template, ctx.io.cwd) : undefined;
    const path = positionals[0] ?? '.';
    const now = ctx.io.now?.() ?? Date.now();
    const cache = await openCliParseCache(values, ctx.io);
    const head = await checkSide('--head', args.head, path, ctx, now, cache);
    const base = await checkSide('--base', args.base, path, ctx, now, cache);
    const headSpec = head.checked.result?.spec;
    const baseSpec = base.checked.result?.spec;
    let diff;
    if (head.info.valid && base.info.valid && headSpec && baseSpec) {
      const baseBundles: SideBundles = compileSide(baseSpec, { commit: base.info.commit });
      const headBundles = compileSide(headSpec, { commit: head.info.commit, published: baseBundles });
      diff = diffPlans(baseBundles, headBundles, { retryStormThreshold: args.threshold });
    }
    // Parses made again while the sides were compiled (parse-cache.ts) are kept for the next run.
    await cache?.flush();
    const report = buildPlanReport({
      base: base.info,
      head: head.info,
      // A PR comment is read on the forge, where paths are the repository's (as github and sarif
      // name them); text and JSON name them from the working directory, as `meshc validate` does.
      diagnostics: shownDiagnostics(
        head.checked,
        specPathsShown(await head.source.rootDir(), ctx.io.cwd, {
          fromRepoTop: args.format === 'markdown',
          withoutWorkTree: head.source.withoutWorkTree === true,
        }).shown,
      ),
      ...(diff ? { diff } : {}),
      retryStormThreshold: args.threshold,
    });
    if (args.format === 'json') ctx.io.stdout.write(renderPlanJson(report));
    else if (template) ctx.io.stdout.write(renderPlanComment(template, planView(report)));
    else ctx.io.stdout.write(renderPlanText(planView(report)));

    if (report.status !== 'ok') {
      const which = report.status === 'base-invalid' ? `the base ${args.base}` : 'the head';
      // The report just written says so, with the errors: what it lacks is the comparison.
      ctx.io.stderr.write(`meshc plan: ${which} has errors; nothing was compared\n`);
      return EXIT_PROBLEMS;
    }
    if (args.failOnRisk && report.risks.length > 0) {
      ctx.io.stderr.write(`meshc plan: ${report.risks.length} risk flag(s) raised (--fail-on risk)\n`);
      return EXIT_PROBLEMS;
    }
    return EXIT_OK;
  },
};

interface PlanArgs {
  readonly base: string;
  readonly head?: string;
  readonly format: PlanFormat;
  readonly failOnRisk: boolean;
  readonly template?: string;
  readonly threshold: number;
}

function parsePlanArgs(values: ParsedValues): PlanArgs {
  const base = values['base'];
  if (typeof base !== 'string' || base === '') throw new UsageError('--base REF is required');
  const format = String(values['format']);
  if (!(FORMATS as readonly string[]).includes(format))
    throw new UsageError(`unknown format '${format}' (expected ${FORMATS.join('|')})`);
  const failOn = values['fail-on'];
  if (failOn !== undefined && failOn !== 'risk')
    throw new UsageError(`unknown --fail-on value '${String(failOn)}' (expected risk)`);
  const template = values['template'];
  if (typeof template === 'string' && format !== 'markdown')
    throw new UsageError('--template applies to --format markdown only');
  const rawThreshold = values['retry-storm-threshold'];
  const threshold = rawThreshold === undefined ? DEFAULT_RETRY_STORM_THRESHOLD : Number(rawThreshold);
  if (!Number.isInteger(threshold) || threshold < 1)
    throw new UsageError(
      `--retry-storm-threshold must be a whole number of at least 1, not '${String(rawThreshold)}'`,
    );
  const head = values['head'];
  return {
    base,
    ...(typeof head === 'string' ? { head } : {}),
    format: format as PlanFormat,
    failOnRisk: failOn === 'risk',
    ...(typeof template === 'string' ? { template } : {}),
    threshold,
  };
}

interface CheckedSide {
  readonly source: RootedSpecSource;
  readonly checked: CheckedSpec;
  readonly info: PlanSideInfo;
}

/** Loads and validates one side; a side that cannot be read, or has no spec, stops the plan. */
async function checkSide(
  flag: '--base' | '--head',
  ref: string | undefined,
  path: string,
  { io, overrides }: CommandContext,
  now: number,
  cache: ParseCache | undefined,
): Promise<CheckedSide> {
  const what = ref === undefined ? 'the working tree' : `${flag} ${ref}`;
  let source: RootedSpecSource;
  let checked: CheckedSpec;
  try {
    // Only the head side reads the working tree: a repository without one needs --head.
    source = await openSpecSource({
      path,
      ...(ref !== undefined ? { ref } : {}),
      cwd: io.cwd,
      refOption: '--head',
    });
    checked = await checkSpec(source, {
      now,
      ...(cache ? { cache } : {}),
      ...(overrides.validate ? { validate: overrides.validate } : {}),
    });
  } catch (error) {
    if (!(error instanceof SourceError)) throw error;
    throw new PlanSideError(error.code, `${what}: ${error.message}`, error.hint);
  }
  if (checked.files.length === 0) {
    throw new PlanSideError(
      'PLAN_NO_SPEC',
      `${what}: no spec files (*.yaml, *.yml) at ${path}`,
      'give the spec directory as PATH, e.g. `meshc plan --base main examples/shop`',
    );
  }
  const count = (severity: string) => checked.diagnostics.filter((d) => d.severity === severity).length;
  return {
    source,
    checked,
    info: {
      ref: ref ?? null,
      commit: (await source.commit()) ?? null,
      valid: !hasErrors(checked.diagnostics) && checked.result?.spec !== undefined,
      errors: count('error'),
      warnings: count('warning'),
    },
  };
}

/** Diagnostics with their paths as `shown` writes them. */
function shownDiagnostics(checked: CheckedSpec, shown: (file: string) => string): PlanDiagnostic[] {
  return checked.diagnostics.map((d) => ({
    code: d.code,
    severity: d.severity,
    message: d.message,
    file: shown(d.file),
    line: d.line,
    col: d.col,
    ...(d.hint ? { hint: d.hint } : {}),
  }));
}

async function loadTemplate(file: string | undefined, cwd: string): Promise<PlanTemplate> {
  const path = file === undefined ? defaultTemplatePath() : resolve(cwd, file);
  const label = file ?? TEMPLATE_PATH;
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(
      `cannot read template ${label} (${err.code === 'ENOENT' ? 'no such file' : err.code})`,
    );
  });
  return compilePlanTemplate(text, label);
}

/** The template ships in the source tree; from dist/ walk up to the package root to find it. */
function defaultTemplatePath(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, TEMPLATE_PATH);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return candidate;
  }
}
