// Renders a checked spec's diagnostics in the chosen format, fetching code-frame text lazily. Paths are
// shown relative to the working directory (what editors and terminals expect), but for GitHub
// annotations and SARIF relative to the git repository's top level: GitHub places both by their path
// in the repository, wherever the command ran (a CI step's `working-directory:`).
import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from '../diagnostics.js';
import { pathInWorkTree } from '../load/work-tree-top.js';
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

/**
 * How a spec path (relative to `rootDir`; '' for the root itself; absolute for a file outside the
 * spec, such as a template) is shown: from the working directory, or from the git repository's top
 * level when `fromRepoTop` (and the spec is in a work tree; from the working directory otherwise:
 * `fromCwd`). `withoutWorkTree`: a ref read in a bare repository (RootedSpecSource.withoutWorkTree),
 * whose rootDir is already its place from the top.
 */
export function specPathsShown(
  rootDir: string,
  cwd: string,
  how: { readonly fromRepoTop: boolean; readonly withoutWorkTree: boolean },
): { readonly shown: (file: string) => string; readonly fromCwd: boolean } {
  // Without a working tree, the cwd-relative path already is the path from the repository's top.
  const fromRepo = how.fromRepoTop && !how.withoutWorkTree ? pathInWorkTree(rootDir) : undefined;
  const fromCwd = fromRepo === undefined && !how.withoutWorkTree;
  const prefix = fromRepo ?? relative(cwd, rootDir).split(sep).join('/');
  const fromRoot = (file: string) => (file === '' ? prefix || '.' : prefix ? `${prefix}/${file}` : file);
  // An absolute path is a file outside the spec (a template): shown from the same place as the spec's.
  const elsewhere = (file: string) => {
    const inRepo = how.fromRepoTop && !how.withoutWorkTree ? pathInWorkTree(file) : undefined;
    return inRepo ?? relative(cwd, file).split(sep).join('/');
  };
  return { shown: (file) => (isAbsolute(file) ? elsewhere(file) : fromRoot(file)), fromCwd };
}

/** Colour on a terminal, unless NO_COLOR is set to anything non-empty (https://no-color.org). */
export function useColour(io: CliIo): boolean {
  const noColor = io.env['NO_COLOR'];
  return io.isTTY && (noColor === undefined || noColor === '');
}
