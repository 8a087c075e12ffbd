// `meshc compile`: validate a spec (working tree or git ref), then compile it into the signed,
// content-addressed bundle store under --out. Refuses a spec with errors and leaves the store as
// it was on any failure; prints one line per service (version, size, changed or not).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { compileToStore } from '../../compile.js';
import { fingerprintFileFor } from '../../store/fingerprints.js';
import { describeReplacedLock } from '../../store/store-lock.js';
import { CompileError, isCompileError } from '../../compile-error.js';
import { type Diagnostic, hasErrors, sortDiagnostics } from '../../diagnostics.js';
import type { NamedTarget } from '../../emit/index.js';
import {
  parseTargetList,
  resolveTargets,
  TEMPLATE_PREFIX,
  type TargetRequest,
  TemplateNameError,
  templateFiles,
} from '../../emit/resolve-targets.js';
import { POOL_MIN_SERVICES } from '../../emit/emit-pool.js';
import { decodeTemplates } from '../../emit/template/decode-template.js';
import { defaultTargetNames } from '../../emit/targets.js';
import type { SourceFile } from '../../load/types.js';
import { isReportFormat, RENDERERS, type ReportFormat } from '../../render/index.js';
import { resolveSigning, SIGNING_KEY_ENV } from '../../store/signing-key.js';
import { EXIT_OK, EXIT_PROBLEMS, UsageError, writeRefusal } from '../errors.js';
import { PROGRESS_MIN_SERVICES, type Progress, terminalProgress } from '../progress.js';
import { visible } from '../../render/visible.js';
import { renderReport } from '../report.js';
import type { Command } from '../types.js';
import { renderCompileSummary } from './compile-summary.js';
import { checkSpecFromArgs } from './checked-spec.js';
import { PARSE_CACHE_OPTIONS, parseCacheHelp } from './parse-cache-flags.js';

const FORMATS = Object.keys(RENDERERS).join('|');

export const compileCommand: Command = {
  name: 'compile',
  summary: 'Compile a mesh spec into the signed per-service bundle store',
  synopsis: `meshc compile [PATH] --out DIR [--ref REF] [--signing-key FILE | --unsigned] [--target LIST] [--format ${FORMATS}] [--cache-dir DIR | --no-cache]`,
  help: `Arguments:
  PATH                spec directory or single spec file (default: .)

Options:
  --out DIR           the bundle store to write (created if missing); see docs/bundle-format.md
  --ref REF           compile the spec at git ref REF without checking it out (in a
                      bare repository PATH is the spec's path from the repository's top)
  --signing-key FILE  Ed25519 private key (PEM, from \`meshc keys init\`) signing every bundle
                      and manifest; default: $${SIGNING_KEY_ENV} (a path or the PEM text)
  --unsigned          write no signatures (proxies refuse unsigned bundles unless told to)
  --target LIST       comma-separated, repeatable: ${defaultTargetNames().join(', ')}, template:FILE.hbs
                      (rendered per service into templates/<svc>/<FILE without .hbs>; FILE is
                      read from the working directory, also with --ref);
                      default: ${defaultTargetNames().join(',')}. The native bundles are always written.
  --format FORMAT     how validation problems are reported: text (default), json, github, sarif;
                      json, github and sarif always write their document to stdout, also when
                      nothing is wrong (json: "diagnostics": [], sarif: "results": [], github:
                      only its summary line), and the summary table to stderr; github and
                      sarif name files from the git repository's top level
${parseCacheHelp(22)}
  -h, --help          show this help

When stderr is a terminal, a mesh of ${PROGRESS_MIN_SERVICES} services or more shows a progress line
there while it validates and compiles; the line is erased before the summary is printed.
When ${POOL_MIN_SERVICES} services or more are compiled and a core is idle, the Envoy files are made
on a worker thread beside the one planning the bundles (not with a template target).
A target directory an earlier compile wrote (envoy/, templates/) that this compile's --target does
not include is left as it was, with a note on stderr: it may describe an earlier spec.
For a service removed from the spec, each target this compile writes removes its files
(envoy/<svc>/envoy.yaml, templates/<svc>/<name>) and the summary says which; services/<svc>/
(old bundles, the manifest) stays.

Exit status:
  0  store written (or already up to date)
  1  the spec or a template has errors; nothing was written
  2  usage error, unreadable input, bad signing key, or a store that cannot be written
     (nothing was written)
  70 internal error`,
  options: {
    out: { type: 'string' },
    ref: { type: 'string' },
    'signing-key': { type: 'string' },
    unsigned: { type: 'boolean' },
    target: { type: 'string', multiple: true },
    format: { type: 'string', default: 'text' },
    ...PARSE_CACHE_OPTIONS,
  },
  maxPositionals: 1,
  async run({ values, positionals }, ctx) {
    const progress = terminalProgress(ctx.io);
    try {
      return await runCompile(values, positionals, ctx, progress);
    } catch (error) {
      progress.clear();
      if (!isCompileError(error)) throw error;
      return writeRefusal(error, ctx.io);
    }
  },
};

type RunArgs = Parameters<Command['run']>;

async function runCompile(
  values: RunArgs[0]['values'],
  positionals: string[],
  ctx: RunArgs[1],
  progress: Progress,
): Promise<number> {
  const { io, version } = ctx;
  const format = String(values['format']);
  if (!isReportFormat(format)) throw new UsageError(`unknown format '${format}' (expected ${FORMATS})`);
  const out = values['out'];
  if (typeof out !== 'string' || out === '') throw new UsageError('--out DIR is required');
  const keyFile = values['signing-key'];
  const requests = parseTemplateTargets(values['target']);

  const signing = await resolveSigning({
    ...(typeof keyFile === 'string' ? { keyFile } : {}),
    unsigned: values['unsigned'] === true,
    env: io.env,
    cwd: io.cwd,
  });
  const templates = await readTemplates(requests, io.cwd);
  // A template that is not UTF-8 is not parsed: its U+FFFDs would be rendered as if written.
  const decoded = decodeTemplates(templates);
  const resolved = resolveTargets(
    requests.filter((r) => r.file === undefined || decoded.texts.has(r.file)),
    decoded.texts,
  );
  const templateProblems = [...decoded.diagnostics, ...resolved.diagnostics];

  progress.status('validating the spec');
  const { source, checked, cacheDir, flushCache } = await checkSpecFromArgs(values, positionals, ctx);
  const rootDir = await source.rootDir();
  // `templateProblems`: a template's errors found while compiling, in the same document as the spec's.
  const specReport = (templateProblems?: TemplateProblems) =>
    renderReport(
      {
        format,
        diagnostics: templateProblems
          ? sortDiagnostics([...checked.diagnostics, ...templateProblems.diagnostics])
          : checked.diagnostics,
        summary: checked.summary,
        files: templateProblems ? [...checked.files, ...templateProblems.files] : checked.files,
        rootDir,
        withoutWorkTree: source.withoutWorkTree === true,
        version,
      },
      io,
    );
  const spec = checked.result?.spec;
  progress.clear();
  // A machine format (json, sarif, github) is a document for a tool, on stdout whatever the outcome
  // (`> results.sarif` is one even when there is nothing to report), and the summary table then goes
  // to stderr; as text, warnings go to stderr so that stdout stays the summary table.
  const machine = format !== 'text';
  if (hasErrors(checked.diagnostics) || !spec) {
    io.stdout.write(specReport());
    io.stderr.write('meshc compile: the spec has errors; nothing was written\n');
    return EXIT_PROBLEMS;
  }
  // A template's errors, with the spec's summary: for a machine format in the one document with the
  // spec's diagnostics (two on stdout were no JSON, SARIF or summary).
  const templateFailure = (diagnostics: readonly Diagnostic[]): number => {
    if (!machine) return reportTemplateProblems(diagnostics, templates, format, ctx, checked.summary);
    io.stdout.write(specReport(absoluteTemplateProblems(diagnostics, templates, io.cwd)));
    io.stderr.write('meshc compile: a template has errors; nothing was written\n');
    return EXIT_PROBLEMS;
  };
  // Otherwise a machine format's document is written once the outcome is known.
  if (!machine && checked.diagnostics.length > 0) io.stderr.write(specReport());
  // A template that is not UTF-8 or does not parse is reported once the spec is known good, with the
  // spec's summary (before, its report said "0 services, 0 routes").
  if (templateProblems.length > 0) return templateFailure(templateProblems);

  const commit = (await source.commit()) ?? null;
  const outDir = resolve(io.cwd, out);
  let result: Awaited<ReturnType<typeof compileToStore>>;
  try {
    // The store's envoy/<svc>/envoy.yaml are YAML: written over the spec root they would be read as
    // spec by the next validate, which skips a store only in a directory of its own (spec-paths.ts).
    if (outDir === rootDir) {
      throw new CompileError(
        'MC5002',
        `output path ${out} is the spec directory: the store's files would be read as spec from then on`,
        'write the store to a directory of its own, e.g. --out dist (a store below the spec directory is skipped when the spec is read)',
      );
    }
    result = await compileToStore({
      spec,
      commit,
      outDir,
      targets: resolved.targets,
      ...(signing.kind === 'signed' ? { signingKey: signing.key } : {}),
      // Beside the parse cache: services whose inputs did not change since the last compile are skipped.
      ...(cacheDir ? { fingerprintFile: fingerprintFileFor(cacheDir, outDir) } : {}),
      // Small meshes compile before a progress line could be read: none is drawn for them.
      ...(spec.services.length >= PROGRESS_MIN_SERVICES
        ? { onProgress: (done: number, total: number) => progress.update('compiling services', done, total) }
        : {}),
    });
  } catch (error) {
    // The store could not be written (MC5xxx, said on stderr): the spec's document still goes out.
    if (machine) io.stdout.write(specReport());
    throw error;
  }
  progress.clear();
  await flushCache();
  if (result.replacedLock)
    io.stderr.write(`meshc compile: note: ${describeReplacedLock(result.replacedLock)}\n`);
  if (!result.report) return templateFailure(result.diagnostics);
  if (machine) io.stdout.write(specReport());
  (machine ? io.stderr : io.stdout).write(
    renderCompileSummary({
      report: result.report,
      outLabel: visible(out),
      commit,
      signed: signing.kind === 'signed',
      targets: resolved.targets.map((t) => t.name).filter((n) => n !== 'native'),
    }),
  );
  for (const note of leftTargetDirs(outDir, out, resolved.targets))
    io.stderr.write(`meshc compile: note: ${visible(note)}\n`);
  for (const path of result.report.gone.flatMap((g) => g.left))
    io.stderr.write(
      `meshc compile: note: ${visible(join(out, path))} of a service gone from the spec was not written by this compile's targets (an earlier template's output?), so it was left; remove it if nothing reads it\n`,
    );
  return EXIT_OK;
}

/**
 * The target directories of the store that this compile's targets do not write (`--target native`
 * after compiles with envoy): left as they were, so they may describe an earlier spec. Removing
 * them is the operator's call (a deployment may still read them); saying so is meshc's.
 */
function leftTargetDirs(outDir: string, outLabel: string, targets: readonly NamedTarget[]): string[] {
  const names = targets.map((t) => t.name);
  const unwritten: [dir: string, target: string][] = [];
  if (!names.includes('envoy')) unwritten.push(['envoy', 'envoy']);
  if (!names.some((n) => n.startsWith(TEMPLATE_PREFIX))) unwritten.push(['templates', 'template:FILE']);
  return unwritten
    .filter(([dir]) => existsSync(join(outDir, dir)))
    .map(
      ([dir, target]) =>
        `${join(outLabel, dir)}/ was not written by this compile (no ${target} target), so its files may describe an earlier spec; compile with that target again, or remove the directory`,
    );
}

/** The --target list; a template name that cannot work is a usage error, found before anything is read. */
function parseTemplateTargets(raw: unknown): TargetRequest[] {
  try {
    return parseTargetList(targetValues(raw));
  } catch (error) {
    if (error instanceof TemplateNameError) throw new UsageError(error.message);
    throw error;
  }
}

function targetValues(raw: unknown): string[] {
  if (raw === undefined) return defaultTargetNames();
  return (Array.isArray(raw) ? raw : [raw]).map(String);
}

/** Template files by the path the user wrote; an unreadable one is a one-line refusal. */
async function readTemplates(
  requests: readonly TargetRequest[],
  cwd: string,
): Promise<Map<string, SourceFile>> {
  const out = new Map<string, SourceFile>();
  for (const file of templateFiles(requests)) {
    const bytes = await readFile(resolve(cwd, file)).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(
        `cannot read template ${file} (${err.code === 'ENOENT' ? 'no such file' : err.code})`,
      );
    });
    out.set(file, { path: file, bytes });
  }
  return out;
}

/**
 * Template diagnostics carry paths relative to the working directory, so render them from there.
 * `summary` is the spec's, which validated.
 */
function reportTemplateProblems(
  diagnostics: readonly Diagnostic[],
  templates: ReadonlyMap<string, SourceFile>,
  format: ReportFormat,
  { io, version }: RunArgs[1],
  summary: { readonly services: number; readonly routes: number },
): number {
  const rendered = renderReport(
    {
      format,
      diagnostics: sortDiagnostics(diagnostics),
      summary,
      files: [...templates.values()],
      rootDir: io.cwd,
      version,
    },
    io,
  );
  io.stdout.write(rendered);
  io.stderr.write('meshc compile: a template has errors; nothing was written\n');
  return EXIT_PROBLEMS;
}

interface TemplateProblems {
  readonly diagnostics: readonly Diagnostic[];
  readonly files: readonly SourceFile[];
}

/**
 * Template diagnostics (and their files, for code frames) with absolute paths, which the spec's report
 * shows from the same place as the spec's own (load/spec-paths-shown.ts).
 */
function absoluteTemplateProblems(
  diagnostics: readonly Diagnostic[],
  templates: ReadonlyMap<string, SourceFile>,
  cwd: string,
): TemplateProblems {
  const rebase = (file: string) => resolve(cwd, file);
  return {
    diagnostics: diagnostics.map((d) => ({
      ...d,
      file: rebase(d.file),
      ...(d.related ? { related: d.related.map((r) => ({ ...r, file: rebase(r.file) })) } : {}),
    })),
    files: [...templates.values()].map((f) => ({ ...f, path: rebase(f.path) })),
  };
}
