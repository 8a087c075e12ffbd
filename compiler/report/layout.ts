// Lays out the service graph at build time with dagre (layered, left to right: callers before
// callees), so the page carries finished SVG coordinates and needs no script to draw (decision 0010).
// Text is monospace in the SVG, so box sizes computed here from character counts fit in any browser.
import dagre from '@dagrejs/dagre';
import type { ReportModel } from './model.js';
import { describeWeights } from './describe.js';

/** Monospace metrics of the SVG text (CSS in the page template uses the same sizes). */
export const GRAPH_FONT = { nameSize: 14, textSize: 12, charWidth: 0.62, lineHeight: 16 } as const;

export interface GraphLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly NodeBox[];
  readonly edges: readonly EdgePath[];
}

export interface NodeBox {
  readonly name: string;
  readonly subtitle: string;
  /** Top-left corner. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface EdgePath {
  readonly from: string;
  readonly to: string;
  readonly admitted: boolean;
  /** SVG path data through dagre's points. */
  readonly d: string;
  /** The label box (top-left corner) and its lines: routes with weights, then the admission mark. */
  readonly label: {
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
    readonly lines: readonly string[];
  };
}

const PAD = { x: 14, y: 10 };

/**
 * Services plus calls above which the page leaves the graph out: dagre's layout time grows steeply
 * with them (1,594 about 3 s, 3,194 over 2 minutes on a 2-core machine; decision 0010, addendum), and
 * such a graph is not readable anyway. The tables list every call either way.
 */
export const GRAPH_SIZE_LIMIT = 1_500;

/** Whether `model` is small enough to lay out (GRAPH_SIZE_LIMIT). */
export function graphFits(model: Pick<ReportModel, 'services' | 'edges'>): boolean {
  return model.services.length + model.edges.length <= GRAPH_SIZE_LIMIT;
}

/** Pure and deterministic: the same model gives the same coordinates. */
export function layoutGraph(model: ReportModel): GraphLayout {
  const g = new DAGRE.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 50, edgesep: 24, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  const subtitles = new Map<string, string>();
  for (const s of model.services) {
    const versions = s.versions.length === 1 ? '' : ` · ${s.versions.length} versions`;
    const subtitle = `${s.protocol}${versions}`;
    subtitles.set(s.name, subtitle);
    g.setNode(s.name, {
      width:
        Math.max(textWidth(s.name, GRAPH_FONT.nameSize), textWidth(subtitle, GRAPH_FONT.textSize)) +
        2 * PAD.x,
      height: GRAPH_FONT.nameSize + GRAPH_FONT.lineHeight + 2 * PAD.y,
    });
  }
  const labels = new Map<string, string[]>();
  for (const e of model.edges) {
    const lines = [
      ...e.routes.map((r) => `${r.name}: ${describeWeights(r.backends)}`),
      e.admitted ? '✓ admitted' : '✗ denied',
    ];
    labels.set(edgeKey(e.from, e.to), lines);
    g.setEdge(e.from, e.to, {
      width: Math.max(...lines.map((l) => textWidth(l, GRAPH_FONT.textSize))) + 8,
      height: lines.length * GRAPH_FONT.lineHeight + 4,
      labelpos: 'c',
    });
  }
  DAGRE.layout(g);

  const size = g.graph();
  return {
    width: Math.ceil(size.width ?? 0),
    height: Math.ceil(size.height ?? 0),
    nodes: model.services.map((s) => {
      const n = g.node(s.name);
      return {
        name: s.name,
        subtitle: subtitles.get(s.name) ?? '',
        x: round(n.x - n.width / 2),
        y: round(n.y - n.height / 2),
        width: n.width,
        height: n.height,
      };
    }),
    edges: model.edges.map((e) => {
      const laid = g.edge(e.from, e.to);
      const points = laid.points ?? [];
      return {
        from: e.from,
        to: e.to,
        admitted: e.admitted,
        d: points.map((p, i) => `${i === 0 ? 'M' : 'L'}${round(p.x)} ${round(p.y)}`).join(' '),
        label: {
          x: round((laid.x ?? 0) - laid.width / 2),
          y: round((laid.y ?? 0) - laid.height / 2),
          width: laid.width,
          height: laid.height,
          lines: labels.get(edgeKey(e.from, e.to)) ?? [],
        },
      };
    }),
  };
}

function textWidth(text: string, fontSize: number): number {
  return Math.ceil([...text].length * fontSize * GRAPH_FONT.charWidth);
}

function edgeKey(from: string, to: string): string {
  return `${from}\u0000${to}`;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

// dagre's bundled declarations import their own files without extensions, which NodeNext resolution
// cannot follow (everything would be `any`), so the small surface used here is typed by hand.
interface Box {
  width: number;
  height: number;
  x?: number;
  y?: number;
}
interface LaidNode extends Box {
  x: number;
  y: number;
}
interface LaidEdge extends Box {
  points?: { x: number; y: number }[];
}
interface DagreGraph {
  setGraph(label: Record<string, number | string>): void;
  graph(): { width?: number; height?: number };
  setDefaultEdgeLabel(make: () => object): void;
  setNode(name: string, label: Box): void;
  setEdge(from: string, to: string, label: Box & { labelpos: 'c' }): void;
  node(name: string): LaidNode;
  edge(from: string, to: string): LaidEdge;
}
interface DagreModule {
  graphlib: { Graph: new () => DagreGraph };
  layout(graph: DagreGraph): void;
}
const DAGRE = dagre as unknown as DagreModule;
