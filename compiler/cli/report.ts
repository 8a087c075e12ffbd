// Renders a checked spec's diagnostics in the chosen format with paths shown relative to the working
// directory (what editors, terminals and GitHub annotations expect), fetching code-frame text lazily.
import { relative, sep } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
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
  readonly version: string;
}

/** The rendered report, ready to write. */
export function renderReport(input: ReportInput, io: CliIo): string {
  const prefix = relative(io.cwd, input.rootDir).split(sep).join('/');
  const shown = (file: string): string => (file === '' ? prefix || '.' : prefix ? `${prefix}/${file}` : file);
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
  });
}

/** Colour on a terminal, unless NO_COLOR is set to anything non-empty (https://no-color.org). */
export function useColour(io: CliIo): boolean {
  const noColor = io.env['NO_COLOR'];
  return io.isTTY && (noColor === undefined || noColor === '');
}
