// The report page without a browser: the dagre layout (every service a box, no overlaps, edges
// joining their boxes, deterministic), a self-contained page, and spec text always escaped.
import { describe, expect, it } from 'vitest';
import { normalizeSpec } from '../../compiler/normalize/index.js';
import {
  buildReportHtml,
  buildReportModel,
  GRAPH_SIZE_LIMIT,
  graphFits,
  layoutGraph,
} from '../../compiler/report/index.js';
import { specFrom } from '../compile/helpers.js';
import { generateMesh } from '../helpers/generated-mesh.js';
import { ACCESS_FILES, shopFiles } from './fixtures.js';

const shopSpec = specFrom(shopFiles());
const shopModel = buildReportModel(normalizeSpec(shopSpec));
const layout = layoutGraph(shopModel);
const OPTIONS = { commit: null, diagnostics: [], version: '0.0.0-test' };

describe('layoutGraph', () => {
  it('draws one box per service inside the canvas, no two overlapping', () => {
    expect(layout.nodes.map((n) => n.name)).toEqual(shopModel.services.map((s) => s.name));
    for (const n of layout.nodes) {
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.y).toBeGreaterThanOrEqual(0);
      expect(n.x + n.width).toBeLessThanOrEqual(layout.width);
      expect(n.y + n.height).toBeLessThanOrEqual(layout.height);
    }
    for (const [i, a] of layout.nodes.entries()) {
      for (const b of layout.nodes.slice(i + 1)) {
        const apart =
          a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        expect(apart, `${a.name} overlaps ${b.name}`).toBe(true);
      }
    }
  });

  it('runs each edge from its caller box to its callee box, labelled with weights and the mark', () => {
    const box = new Map(layout.nodes.map((n) => [n.name, n]));
    for (const e of layout.edges) {
      const points = [...e.d.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)].map((m) => ({
        x: Number(m[1]),
        y: Number(m[2]),
      }));
      expect(points.length).toBeGreaterThanOrEqual(2);
      expect(near(points[0]!, box.get(e.from)!), `${e.from}->${e.to} starts at its caller`).toBe(true);
      expect(near(points.at(-1)!, box.get(e.to)!), `${e.from}->${e.to} ends at its callee`).toBe(true);
      expect(e.label.lines.at(-1)).toBe(e.admitted ? '✓ admitted' : '✗ denied');
    }
    const reviews = layout.edges.find((e) => e.to === 'reviews');
    expect(reviews?.label.lines).toContain('canary: v1 90% · v2 10%');
  });

  it('gives the same coordinates for the same mesh', () => {
    expect(layoutGraph(buildReportModel(normalizeSpec(shopSpec)))).toEqual(layout);
  });
});

describe('buildReportHtml', () => {
  const html = buildReportHtml(specFrom(ACCESS_FILES), OPTIONS);

  it('is one self-contained page: no script, no external reference, fetches forbidden by CSP', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)="(?!#)/);
    expect(html).not.toMatch(/url\((?!#)/);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });

  it('draws one node per service and one edge per call with its access and weights', () => {
    const nodes = [...html.matchAll(/<g class="node" data-service="([^"]+)">/g)].map((m) => m[1]);
    expect(nodes).toEqual(['admin', 'api', 'ops', 'stats', 'web']);
    const edges = [
      ...html.matchAll(
        /<g class="edge (\w+)" data-from="(\w+)" data-to="(\w+)" data-access="(\w+)" data-weights="([^"]*)">/g,
      ),
    ].map((m) => `${m[2]}->${m[3]} ${m[1]} ${m[4]} ${m[5]}`);
    // Handlebars escapes `=` in attributes; the browser reads it back as `=`.
    expect(edges).toEqual([
      'ops->admin admitted admitted default:default&#x3D;100',
      'ops->api denied denied default:v1&#x3D;34,v2&#x3D;33,v3&#x3D;33',
      'web->admin denied denied default:default&#x3D;100',
      'web->api admitted admitted default:v1&#x3D;34,v2&#x3D;33,v3&#x3D;33',
      'web->stats admitted admitted pinned:blue&#x3D;100;shift:blue&#x3D;75,green&#x3D;25',
    ]);
    expect(html).toContain('5 calls (3 admitted, 2 denied)');
  });

  it('escapes every piece of spec text', () => {
    const hostile = '"><img src=x onerror=alert(1)><script>alert(2)</script>';
    const files = {
      ...ACCESS_FILES,
      'services/stats.yaml': ACCESS_FILES['services/stats.yaml']!.replace(
        'x-tester: { present: true }',
        `x-tester: { exact: ${JSON.stringify(hostile)} }`,
      ),
      'services/api.yaml': ACCESS_FILES['services/api.yaml']!.replace(
        '"/api/*"',
        JSON.stringify(`/api/${hostile}`),
      ),
    };
    const page = buildReportHtml(specFrom(files), OPTIONS);
    expect(page).not.toContain('<img');
    expect(page).not.toMatch(/<script/i);
    expect(page).toContain(
      'x-tester &#x3D; &quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;&lt;script&gt;',
    );
    expect(page).toContain('/api/&quot;&gt;&lt;img');
  });
});

describe('a mesh too large to lay out', () => {
  it('draws the graph up to the limit of services plus calls, not past it', () => {
    const sized = (services: number, edges: number) => ({
      services: Array.from({ length: services }, () => shopModel.services[0]!),
      edges: Array.from({ length: edges }, () => shopModel.edges[0]!),
    });
    expect(graphFits(sized(500, GRAPH_SIZE_LIMIT - 500))).toBe(true);
    expect(graphFits(sized(500, GRAPH_SIZE_LIMIT - 499))).toBe(false);
  });

  it('leaves the graph out, says so, and keeps every call and service in the tables', () => {
    // 251 services calling 5 each: 251 + 1255 is past the limit (dagre took minutes at twice that).
    const page = buildReportHtml(generateMesh(251, 5), OPTIONS);
    expect(page).not.toContain('<svg');
    expect(page).toContain('The graph is left out: 251 services and 1255 calls are more than');
    expect(page).toContain(`this page lays out (${GRAPH_SIZE_LIMIT} together)`);
    expect(page.match(/<tr class="(admitted|denied)">/g)?.length).toBe(1255);
    expect(page).toContain('id="svc-svc-00250"');
  });
});

/** A point on or just outside a box's border (dagre ends edges at the boundary). */
function near(
  p: { x: number; y: number },
  box: { x: number; y: number; width: number; height: number },
): boolean {
  const slack = 2;
  return (
    p.x >= box.x - slack &&
    p.x <= box.x + box.width + slack &&
    p.y >= box.y - slack &&
    p.y <= box.y + box.height + slack
  );
}
