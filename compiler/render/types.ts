// What every diagnostic renderer gets: the diagnostics, the spec's size for the summary line, and a way
// to fetch source text for code frames. Renderers are pure: they return the text, the CLI writes it.
import type { Diagnostic } from '../diagnostics.js';

export interface RenderInput {
  /**
   * Sorted, with file paths as they should be shown: relative to the user's working directory, or for
   * github and sarif to the git repository's top level (cli/report.ts).
   */
  readonly diagnostics: readonly Diagnostic[];
  readonly summary: { readonly services: number; readonly routes: number };
  /** Source text of a file, for code frames; undefined when it is not at hand. */
  readonly sourceOf?: (file: string) => string | undefined;
  /** ANSI colours (text format only): on for a terminal unless NO_COLOR is set. */
  readonly color?: boolean;
  /** Name and version of the tool, for SARIF's tool.driver. */
  readonly tool?: { readonly name: string; readonly version: string };
  /**
   * The directory the paths are relative to, as an absolute file URI ending in `/`, when it is not the
   * repository's top (a spec outside git): SARIF declares it as `%SRCROOT%` (originalUriBaseIds).
   */
  readonly srcRoot?: string;
}

/** Renders diagnostics to the full text of a report (ending with a newline). */
export type Renderer = (input: RenderInput) => string;
