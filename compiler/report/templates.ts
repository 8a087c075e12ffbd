// The report page as handlebars templates: one self-contained HTML document with inline CSS and
// SVG and no script. `{{ }}` escapes everything (spec text included); nothing uses `{{{ }}}`.
// The Content-Security-Policy forbids every fetch, so a page that tried one would say so in the console.

/** Sizes of SVG text match GRAPH_FONT in layout.ts, which sized the boxes. */
const PAGE_CSS = `:root { --admitted: #2e7d32; --denied: #c62828; --ink: #1d2433; --muted: #5b6478; --line: #d5dae3; }
body { font: 14px/1.45 system-ui, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1200px; padding: 16px 24px; }
code, svg text { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 14px 0 6px; } small { color: var(--muted); font-weight: normal; }
.facts { color: var(--muted); margin: 4px 0; }
table { border-collapse: collapse; width: 100%; margin-bottom: 8px; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--line); }
th { font-weight: 600; background: #f4f6f9; }
tr.admitted td.access { color: var(--admitted); font-weight: 600; }
tr.denied td.access { color: var(--denied); font-weight: 600; }
.legend .key { margin-right: 12px; } .key.admitted { color: var(--admitted); } .key.denied { color: var(--denied); }
.label { background: #eef1f6; border-radius: 3px; padding: 0 4px; }
.graph-frame svg { display: block; margin: 0 auto; }
.graph-frame { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; background: #fbfcfe; }
svg .node rect { fill: #fff; stroke: #44506a; stroke-width: 1.5; }
svg .node .name { font-size: 14px; font-weight: 700; fill: var(--ink); }
svg .node .subtitle, svg text { font-size: 12px; fill: var(--muted); }
svg .edge path { fill: none; stroke-width: 1.8; }
svg .edge.admitted path { stroke: var(--admitted); } svg .edge.denied path { stroke: var(--denied); stroke-dasharray: 6 4; }
svg .arrow.admitted { fill: var(--admitted); stroke: none; } svg .arrow.denied { fill: var(--denied); stroke: none; }
svg .edge-label { fill: #fff; stroke: var(--line); }
svg .edge.admitted .mark { fill: var(--admitted); font-weight: 700; } svg .edge.denied .mark { fill: var(--denied); font-weight: 700; }
footer { color: var(--muted); margin: 32px 0 8px; font-size: 12px; }`;

export const PAGE_TEMPLATE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="generator" content="meshc {{version}}">
<title>meshc report: {{mesh.name}}</title>
<style>
${PAGE_CSS}
</style>
</head>
<body>
<header>
<h1>Mesh <code>{{mesh.name}}</code></h1>
<p class="facts">trust domain <code>{{mesh.trustDomain}}</code> · mTLS {{mesh.mtls}} ·
{{#if mesh.commit}}commit <code>{{mesh.commit}}</code>{{else}}working tree{{/if}} ·
{{counts.services}} services · {{counts.edges}} calls ({{counts.admitted}} admitted, {{counts.denied}} denied) ·
spec <code>{{mesh.source}}</code></p>
</header>
<main>
<section id="graph">
<h2>Service graph</h2>
{{#if graph}}
<p class="legend"><span class="key admitted">&#8594; admitted by the callee's authorization</span>
<span class="key denied">&#8594; denied (default deny)</span> · edge labels: the callee's routes with their weights</p>
<div class="graph-frame">
<svg xmlns="http://www.w3.org/2000/svg" width="{{graph.width}}" height="{{graph.height}}" viewBox="0 0 {{graph.width}} {{graph.height}}" role="img" aria-label="service graph of {{mesh.name}}">
<defs>
<marker id="arrow-admitted" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" class="arrow admitted"/></marker>
<marker id="arrow-denied" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" class="arrow denied"/></marker>
</defs>
{{#each graph.edges}}
<g class="edge {{access}}" data-from="{{from}}" data-to="{{to}}" data-access="{{access}}" data-weights="{{weights}}">
<title>{{from}} &#8594; {{to}}: {{access}} ({{reason}}, {{decidedBy}})</title>
<path d="{{d}}" marker-end="url(#arrow-{{access}})"/>
<rect class="edge-label" x="{{label.x}}" y="{{label.y}}" width="{{label.width}}" height="{{label.height}}" rx="3"/>
{{#each label.lines}}<text class="{{cls}}" x="{{x}}" y="{{y}}">{{text}}</text>
{{/each}}
</g>
{{/each}}
{{#each graph.nodes}}
<a href="#svc-{{name}}"><g class="node" data-service="{{name}}">
<rect x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}" rx="6"/>
<text class="name" x="{{textX}}" y="{{nameY}}">{{name}}</text>
<text class="subtitle" x="{{textX}}" y="{{subtitleY}}">{{subtitle}}</text>
</g></a>
{{/each}}
</svg>
</div>
{{else}}
<p class="graph-omitted">The graph is left out: {{counts.services}} services and {{counts.edges}} calls are more than
this page lays out ({{graphLimit}} together). The tables below list every call and every service.</p>
{{/if}}
</section>
<section id="calls">
<h2>Calls</h2>
<table>
<thead><tr><th>caller</th><th>callee</th><th>authorization</th><th>decided by</th><th>routes and weights</th></tr></thead>
<tbody>
{{#each edges}}
<tr class="{{access}}"><td><a href="#svc-{{from}}">{{from}}</a></td><td><a href="#svc-{{to}}">{{to}}</a></td>
<td class="access">{{access}}</td><td><code>{{decidedBy}}</code> {{reason}}</td>
<td>{{#each routes}}<div>{{name}}: {{weights}}</div>{{/each}}</td></tr>
{{/each}}
</tbody>
</table>
</section>
{{#if warnings.length}}
<section id="warnings">
<h2>Warnings</h2>
<table>
<thead><tr><th>code</th><th>where</th><th>message</th></tr></thead>
<tbody>
{{#each warnings}}<tr><td>{{code}}</td><td><code>{{at}}</code></td><td>{{message}}</td></tr>
{{/each}}
</tbody>
</table>
</section>
{{/if}}
{{#each services}}
<section class="service" id="svc-{{name}}">
<h2>{{name}}</h2>
<p class="facts">{{protocol}} on port {{port}} · mTLS {{mtls}} · spec <code>{{source}}</code>{{#each labels}} · <span class="label">{{name}}={{value}}</span>{{/each}}<br>
calls: {{#each calls}}<a href="#svc-{{this}}">{{this}}</a> {{else}}none{{/each}} ·
called by: {{#each calledBy}}<a href="#svc-{{this}}">{{this}}</a> {{else}}none{{/each}}</p>
<h3>Versions</h3>
<table class="versions">
<thead><tr><th>version</th><th>endpoints</th></tr></thead>
<tbody>
{{#each versions}}<tr><td>{{name}}</td><td><code>{{endpoints}}</code></td></tr>
{{/each}}
</tbody>
</table>
<h3>Routes <small>(used by every caller's proxy; first match wins)</small></h3>
<table class="routes">
<thead><tr><th>route</th><th>match</th><th>backends</th><th>timeout, retries</th><th>also</th><th>source</th></tr></thead>
<tbody>
{{#each routes}}<tr><td>{{name}}</td><td>{{match}}</td><td>{{weights}}</td><td>{{resilience}}</td>
<td>{{#each extras}}<div>{{this}}</div>{{/each}}</td><td><code>{{source}}</code></td></tr>
{{/each}}
</tbody>
</table>
<h3>Authorization <small>(enforced by this service's own proxy; default {{authorization.default}}, <code>{{authorization.source}}</code>)</small></h3>
<table class="policies">
<thead><tr><th>allow from</th><th>methods</th><th>paths</th><th>source</th></tr></thead>
<tbody>
{{#each authorization.rules}}<tr><td>{{from}}</td><td>{{methods}}</td><td>{{paths}}</td><td><code>{{source}}</code></td></tr>
{{else}}<tr><td colspan="4">no allow rules: every caller gets the default ({{authorization.default}})</td></tr>
{{/each}}
</tbody>
</table>
</section>
{{/each}}
</main>
<footer>Made by meshc {{version}} from the compiled plan: the routes, weights and authorization decisions are those the proxies get.</footer>
</body>
</html>
`;
