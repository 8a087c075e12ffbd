// Renders a checked spec's diagnostics in the chosen format, fetching code-frame text lazily. Paths are
// shown relative to the working directory (what editors and terminals expect), but for GitHub
// annotations and SARIF relative to the git repository's top level: GitHub places both by their path
// in the repository, wherever the command ran (a CI step's `working-directory:`).
import { sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from '../diagnostics.js';
import { specPathsShown } from '../load/spec-paths-shown.js';
import type { SourceFile } from '../load/types.js';
import { RENDERERS, type ReportFormat } from '../render/index.js';
import type { CliIo } from './types.js';

export interface ReportInput {
  readonly format: ReportFormat;
  readonly diagnostics: readonly Diagnostic[];
  readonly summary: { readonly services: number; readonly routes: number };
  readonly files: readonly SourceFile[];
  /** Absolute directory the spec paths are relative to. */
  readonly rootDir: string;
  /** The spec was read in a repository without a working tree: rootDir is its place from the top. */
  readonly withoutWorkTree?: boolean;
  readonly version: string;
}

/** Formats whose paths are from the repository's top level (outside a git work tree: from the cwd). */
const REPO_RELATIVE: ReadonlySet<ReportFormat> = new Set(['github', 'sarif']);

/** The rendered report, ready to write. */
export function renderReport(input: ReportInput, io: CliIo): string {
  const fromRepoTop = REPO_RELATIVE.has(input.format);
  const { shown, fromCwd } = specPathsShown(input.rootDir, io.cwd, {
    fromRepoTop,
    withoutWorkTree: input.withoutWorkTree === true,
  });
  const byShownPath = new Map(input.files.map((f) => [shown(f.path), f]));
  const decoder = new TextDecoder();
  const texts = new Map<string, string | undefined>();
  const diagnostics = input.diagnostics.map((d) => ({
    ...d,
    file: shown(d.file),
    ...(d.related ? { related: d.related.map((r) => ({ ...r, file: shown(r.file) })) } : {}),
  }));
  return RENDERERS[input.format]({
    diagnostics,
    summary: input.summary,
    sourceOf: (file) => {
      if (!texts.has(file)) {
        const source = byShownPath.get(file);
        texts.set(file, source ? decoder.decode(source.bytes) : undefined);
      }
      return texts.get(file);
    },
    color: input.format === 'text' && useColour(io),
    tool: { name: 'meshc', version: input.version },
    // A spec outside any work tree: its paths (maybe `../`) are from the working directory, which SARIF
    // then names, so a viewer resolves them without a repository to place them in.
    ...(fromRepoTop && fromCwd
      ? { srcRoot: pathToFileURL(io.cwd.endsWith(sep) ? io.cwd : io.cwd + sep).href }
      : {}),
  });
}

/** Colour on a terminal, unless NO_COLOR is set to anything non-empty (https://no-color.org). */
export function useColour(io: CliIo): boolean {
  const noColor = io.env['NO_COLOR'];
  return io.isTTY && (noColor === undefined || noColor === '');
}
