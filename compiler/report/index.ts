// `meshc report` as one pure function: validated spec in, the self-contained HTML page out.
// Stages: normalize -> page model (plan + authz decisions) -> graph layout -> render.
import type { Diagnostic } from '../diagnostics.js';
import { normalizeSpec } from '../normalize/index.js';
import type { ValidSpec } from '../validate/types.js';
import { graphFits, layoutGraph } from './layout.js';
import { buildReportModel } from './model.js';
import { renderReportHtml } from './render.js';

export interface BuildReportOptions {
  /** Git commit of the spec; null for a working tree. */
  readonly commit: string | null;
  /** The spec's diagnostics; warnings are listed in the page. */
  readonly diagnostics: readonly Diagnostic[];
  /** The meshc version, named in the page. */
  readonly version: string;
}

/** Pure: the report page of a spec that passed validation. */
export function buildReportHtml(spec: ValidSpec, options: BuildReportOptions): string {
  const model = buildReportModel(normalizeSpec(spec), {
    commit: options.commit,
    diagnostics: options.diagnostics,
  });
  // A graph too large to lay out in reasonable time is left out; the page says so.
  const layout = graphFits(model) ? layoutGraph(model) : null;
  return renderReportHtml({ model, layout, version: options.version });
}

export { buildReportModel, type EdgeView, type ReportModel, type ServiceView } from './model.js';
export { GRAPH_SIZE_LIMIT, graphFits, layoutGraph, type GraphLayout } from './layout.js';
