// Renders the page model and its graph layout into the report's HTML with handlebars. The view
// adds only presentation (text positions, access words, weight strings); the decisions are the model's.
import Handlebars from 'handlebars';
import { describeWeights, type WeightView } from './describe.js';
import { GRAPH_FONT, GRAPH_SIZE_LIMIT, type GraphLayout } from './layout.js';
import type { ReportModel } from './model.js';
import { PAGE_TEMPLATE } from './templates.js';

export interface RenderReportInput {
  readonly model: ReportModel;
  /** Null when the graph is too large to lay out (layout.ts GRAPH_SIZE_LIMIT): the page says so. */
  readonly layout: GraphLayout | null;
  /** The meshc version, named in the page. */
  readonly version: string;
}

let compiled: ReturnType<typeof Handlebars.compile> | undefined;

/** Pure: the report page as one string. */
export function renderReportHtml({ model, layout, version }: RenderReportInput): string {
  compiled ??= Handlebars.create().compile(PAGE_TEMPLATE, { strict: true, knownHelpersOnly: true });
  const admitted = model.edges.filter((e) => e.admitted).length;
  return compiled({
    version,
    mesh: model.mesh,
    counts: {
      services: model.services.length,
      edges: model.edges.length,
      admitted,
      denied: model.edges.length - admitted,
    },
    graph: layout ? graphView(layout, model) : null,
    graphLimit: GRAPH_SIZE_LIMIT,
    edges: model.edges.map((e) => ({
      ...e,
      access: accessWord(e.admitted),
      routes: e.routes.map((r) => ({ name: r.name, weights: describeWeights(r.backends) })),
    })),
    warnings: model.warnings,
    services: model.services,
  });
}

function graphView(layout: GraphLayout, model: ReportModel) {
  const edgeInfo = new Map(model.edges.map((e) => [`${e.from} ${e.to}`, e]));
  return {
    width: layout.width,
    height: layout.height,
    nodes: layout.nodes.map((n) => ({
      ...n,
      textX: n.x + (n.width - textSpan(n)) / 2,
      nameY: n.y + n.height / 2 - 2,
      subtitleY: n.y + n.height / 2 + GRAPH_FONT.lineHeight - 2,
    })),
    edges: layout.edges.map((e) => {
      const info = edgeInfo.get(`${e.from} ${e.to}`);
      const last = e.label.lines.length - 1;
      return {
        from: e.from,
        to: e.to,
        d: e.d,
        access: accessWord(e.admitted),
        reason: info?.reason ?? '',
        decidedBy: info?.decidedBy ?? '',
        weights: info ? weightsAttribute(info.routes) : '',
        label: {
          x: e.label.x,
          y: e.label.y,
          width: e.label.width,
          height: e.label.height,
          lines: e.label.lines.map((text, i) => ({
            text,
            cls: i === last ? 'mark' : 'weights',
            x: e.label.x + 4,
            y: e.label.y + (i + 1) * GRAPH_FONT.lineHeight - 2,
          })),
        },
      };
    }),
  };
}

/** Machine-readable weights on each edge: `canary:v1=90,v2=10;default:v1=100`. */
function weightsAttribute(routes: readonly { name: string; backends: readonly WeightView[] }[]): string {
  return routes
    .map((r) => `${r.name}:${r.backends.map((b) => `${b.version}=${b.weight}`).join(',')}`)
    .join(';');
}

/** Node text is left-aligned at a computed x so the box's width (from character counts) fits. */
function textSpan(n: { name: string; subtitle: string }): number {
  const name = [...n.name].length * GRAPH_FONT.nameSize * GRAPH_FONT.charWidth;
  const subtitle = [...n.subtitle].length * GRAPH_FONT.textSize * GRAPH_FONT.charWidth;
  return Math.max(name, subtitle);
}

function accessWord(admitted: boolean): 'admitted' | 'denied' {
  return admitted ? 'admitted' : 'denied';
}
