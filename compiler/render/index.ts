// The report formats by name, so the CLI validates `--format` and dispatches from one table.
import { renderGithub } from './github.js';
import { renderJson } from './json.js';
import { renderSarif } from './sarif.js';
import { renderText } from './text.js';
import type { Renderer } from './types.js';

export const RENDERERS = {
  text: renderText,
  json: renderJson,
  github: renderGithub,
  sarif: renderSarif,
} as const satisfies Record<string, Renderer>;

export type ReportFormat = keyof typeof RENDERERS;

export function isReportFormat(name: string): name is ReportFormat {
  return Object.hasOwn(RENDERERS, name);
}

export type { RenderInput, Renderer } from './types.js';
