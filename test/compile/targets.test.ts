// Compile targets: parsing `--target`, the template target's per-service output, a failing target
// reported once (not once per service), and the store refusing target paths it owns.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { isCompileError } from '../../compiler/compile-error.js';
import type { Diagnostic } from '../../compiler/diagnostics.js';
import { emitArtifacts } from '../../compiler/emit/index.js';
import { parseTargetList, resolveTargets, TemplateNameError } from '../../compiler/emit/resolve-targets.js';
import { TargetError } from '../../compiler/emit/targets.js';
import { normalizeSpec } from '../../compiler/normalize/index.js';
import { layoutStore } from '../../compiler/store/layout.js';
import { SHOP_FILES, specFrom } from './helpers.js';

const model = normalizeSpec(specFrom(SHOP_FILES));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isCompileError(err) ? err.code : `not a CompileError: ${String(err)}`;
  }
  return undefined;
}

describe('parseTargetList', () => {
  it('accepts repeated and comma-separated values, once each, in order', () => {
    expect(parseTargetList(['native,template:a.hbs', 'native', ' template:b.hbs '])).toEqual([
      { name: 'native' },
      { name: 'template', file: 'a.hbs' },
      { name: 'template', file: 'b.hbs' },
    ]);
  });

  it('refuses unknown names and a template without a file', () => {
    expect(codeOf(() => parseTargetList(['nginx']))).toBe('MC5006');
    expect(codeOf(() => parseTargetList(['template:']))).toBe('MC5006');
  });

  // These reached the store as "two outputs ... write the same file" or a path of "..", reported as
  // a bug in the target (MC5009).
  it.each([
    [
      ['native,template:d1/x.yaml.hbs,template:d2/x.yaml.hbs'],
      'template:d1/x.yaml.hbs and template:d2/x.yaml.hbs would both render templates/<service>/x.yaml: rename one of them',
    ],
    [
      ['template:tpl/a.hbs', 'template:./tpl/a.hbs'],
      'template:tpl/a.hbs and template:./tpl/a.hbs are the same file: name it once',
    ],
    [
      ['template:a.yaml.hbs,template:b/A.YAML.HBS,template:c/a.yaml.HBS'],
      'template:a.yaml.hbs and template:c/a.yaml.HBS would both render templates/<service>/a.yaml: rename one of them',
    ],
    [
      ['template:.hbs'],
      'template:.hbs would render a file named "": name the template after the file it renders, like configmap.yaml.hbs',
    ],
    [
      ['template:..hbs'],
      'template:..hbs would render a file named ".": name the template after the file it renders, like configmap.yaml.hbs',
    ],
    [
      ['template:t/...hbs'],
      'template:t/...hbs would render a file named "..": name the template after the file it renders, like configmap.yaml.hbs',
    ],
    [
      ['template:a\u001b[2J.hbs'],
      'template file name a\u001b[2J.hbs holds a control character: rename the file',
    ],
  ])('refuses template names that cannot render: %j', (values, message) => {
    expect(() => parseTargetList(values)).toThrow(new TemplateNameError(message));
  });

  it('renders X.HBS into X, as x.hbs into x', () => {
    const { targets } = resolveTargets(
      parseTargetList(['template:T.YAML.HBS']),
      new Map([['T.YAML.HBS', '{{service}}']]),
    );
    const { artifacts } = emitArtifacts(model, { commit: null, targets });
    expect(artifacts?.services[0]?.files.map((f) => f.path)).toEqual(['templates/details/T.YAML']);
  });
});

describe('template targets', () => {
  it('render one file per service under templates/<svc>/', () => {
    const { targets, diagnostics } = resolveTargets(
      parseTargetList(['template:x/name.txt.hbs']),
      new Map([
        [
          'x/name.txt.hbs',
          '{{service}} {{version}} {{json bundle.identity}} {{#each bundle.outbound}}{{service}};{{/each}}\n',
        ],
      ]),
    );
    expect(diagnostics).toEqual([]);
    const { artifacts } = emitArtifacts(model, { commit: null, targets });
    const pp = artifacts?.services.find((s) => s.bundle.service === 'productpage');
    expect(pp?.files.map((f) => f.path)).toEqual(['templates/productpage/name.txt']);
    expect(new TextDecoder().decode(pp?.files[0]?.bytes)).toBe(
      `productpage ${pp?.bundle.version} {"spiffeId":"spiffe://shop.local/productpage","trustDomain":"shop.local"} details;reviews;\n`,
    );
  });

  it('the example ConfigMap gives labels that stay strings whatever the names (a mesh named null)', () => {
    const file = 'examples/templates/configmap.yaml.hbs';
    const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
    const { targets } = resolveTargets(parseTargetList([`template:${file}`]), new Map([[file, text]]));
    const nullMesh = normalizeSpec(
      specFrom({
        ...SHOP_FILES,
        'mesh.yaml': SHOP_FILES['mesh.yaml']!.replace('name: shop', 'name: "null"'),
      }),
    );
    const { artifacts } = emitArtifacts(nullMesh, { commit: null, targets });
    const doc = parseYaml(new TextDecoder().decode(artifacts!.services[0]!.files[0]!.bytes)) as {
      metadata: { labels: Record<string, unknown> };
    };
    expect(doc.metadata.labels['app.kubernetes.io/part-of']).toBe('null');
    expect(typeof doc.metadata.labels['app.kubernetes.io/name']).toBe('string');
  });
});

/** The diagnostics of template `text` (t.hbs) when parsed, or else when rendered for the shop; and productpage's output. */
function renderTemplate(text: string): { diagnostics: readonly Diagnostic[]; output?: string } {
  const resolved = resolveTargets(parseTargetList(['template:t.hbs']), new Map([['t.hbs', text]]));
  if (resolved.diagnostics.length > 0) return { diagnostics: resolved.diagnostics };
  const { artifacts, diagnostics } = emitArtifacts(model, { commit: null, targets: resolved.targets });
  const pp = artifacts?.services.find((s) => s.bundle.service === 'productpage');
  return { diagnostics, ...(pp ? { output: new TextDecoder().decode(pp.files[0]?.bytes) } : {}) };
}

/** The one diagnostic of `text`, as `line:col message`. */
function problemOf(text: string): string {
  const { diagnostics } = renderTemplate(text);
  expect(diagnostics).toHaveLength(1);
  expect(diagnostics[0]).toMatchObject({ code: 'MC5005', severity: 'error', file: 't.hbs' });
  return `${diagnostics[0]!.line}:${diagnostics[0]!.col} ${diagnostics[0]!.message}`;
}

describe('template strictness', () => {
  // Handlebars' strict mode checks neither a helper's arguments nor a name before the last.
  it.each([
    [
      'a\n{{indent bundlejson 4}}',
      '2:10 template failed for service details: bundlejson is not defined (the fields here: service, mesh, commit, version, sha256, bundle, bundleJson)',
    ],
    [
      '{{json bundle.nope}}',
      '1:8 template failed for service details: bundle.nope is not defined (bundle has commit, format, identity, inbound, mesh, observability, outbound, service, sidecar, trustRoots, unsupported)',
    ],
    [
      '{{#each bundle.outbund}}x{{/each}}',
      '1:9 template failed for service details: bundle.outbund is not defined',
    ],
    ['{{#with nope}}x{{/with}}', '1:9 template failed for service details: nope is not defined'],
    ['{{bundle.nope.deeper}}', '1:3 template failed for service details: bundle.nope is not defined'],
    [
      '{{#each bundle.outbound as |o|}}\n  {{o.nope}}{{/each}}',
      '2:5 template failed for service productpage: o.nope is not defined (o has policy, protocol, routes, service, spiffeId, versions)',
    ],
    ['{{@nope}}', '1:3 template failed for service details: @nope is not defined'],
  ])('refuses a missing value: %j', (text, problem) => {
    expect(problemOf(text)).toMatch(new RegExp(`^${escape(problem)}`));
  });

  it.each([
    ['{{bundle.constructor}}', '1:3 template failed for service details: bundle.constructor is not defined'],
    [
      '{{bundle.outbound.map}}',
      '1:3 template failed for service details: bundle.outbound.map is not defined',
    ],
    [
      '{{lookup bundle "constructor"}}',
      '1:1 template failed for service details: lookup: no field "constructor" in the value given',
    ],
    [
      '{{lookup bundle "nope"}}',
      '1:1 template failed for service details: lookup: no field "nope" in the value given',
    ],
  ])('never resolves a name the value does not hold itself: %j', (text, problem) => {
    expect(problemOf(text)).toMatch(new RegExp(`^${escape(problem)}`));
  });

  it.each([
    [
      '{{json}}',
      '1:1 template failed for service details: json takes 1 or 2 values, and was given 0: write {{json VALUE}} or {{json VALUE 2}}',
    ],
    [
      '{{indent}}',
      '1:1 template failed for service details: indent takes 1 or 2 values, and was given 0: write {{indent TEXT 4}}',
    ],
    [
      '{{indent bundleJson "4"}}',
      '1:1 template failed for service details: indent\'s count of spaces must be a whole number from 0 to 64, and was the text "4"',
    ],
    [
      'a\n{{indent bundleJson 99999999999}}',
      "2:1 template failed for service details: indent's count of spaces must be a whole number from 0 to 64, and was a number (99999999999)",
    ],
    [
      '{{indent bundle 2}}',
      '1:1 template failed for service details: indent takes text, and was given an object: for an object use (json VALUE 2)',
    ],
    [
      '{{json bundle "2"}}',
      '1:1 template failed for service details: json\'s count of spaces must be a whole number from 0 to 10, and was the text "2"',
    ],
    [
      '{{json bundle 2 3}}',
      '1:1 template failed for service details: json takes 1 or 2 values, and was given 3: write {{json VALUE}} or {{json VALUE 2}}',
    ],
    [
      '{{json bundle x=1}}',
      '1:1 template failed for service details: json takes no key=value options: write {{json VALUE}} or {{json VALUE 2}}',
    ],
    [
      '{{lookup bundle}}',
      '1:1 template failed for service details: lookup takes 2 values, and was given 1: write {{lookup VALUE KEY}}',
    ],
    [
      '{{#each service}}x{{/each}}',
      '1:1 template failed for service details: each takes a list or an object, and was given text',
    ],
    [
      '{{#each}}x{{/each}}',
      '1:1 template failed for service details: each takes 1 value, and was given 0: write {{#each LIST}}...{{/each}}',
    ],
    [
      '{{#if}}x{{/if}}',
      '1:1 template failed for service details: if takes 1 value, and was given 0: write {{#if VALUE}}...{{/if}}',
    ],
    [
      'a\n{{service.length.foo}}',
      '2:3 template failed for service details: service.length is a number (7), so it has no field "foo"',
    ],
  ])('refuses a helper argument missing or of the wrong type: %j', (text, problem) => {
    expect(problemOf(text)).toBe(problem);
  });

  it('lets {{#if}} and {{#unless}} test a field that may be absent, and renders what is there', () => {
    expect(
      renderTemplate(
        '{{#if bundle.nope.deeper}}x{{else}}none{{/if}} {{#unless bundle.nope}}no{{/unless}} ' +
          '{{#each bundle.outbound}}{{service}}@{{@index}}{{#if @first}}!{{/if}};{{/each}} {{lookup bundle.identity "trustDomain"}} ' +
          '{{json bundle.identity}} {{#with bundle.identity}}{{spiffeId}}{{/with}}\n',
      ),
    ).toEqual({
      diagnostics: [],
      output:
        'none no details@0!;reviews@1; shop.local {"spiffeId":"spiffe://shop.local/productpage","trustDomain":"shop.local"} spiffe://shop.local/productpage\n',
    });
  });
});

describe('what a {{...}} writes', () => {
  const writes = 'a {{...}} writes only text, numbers and true or false';
  // Each rendered "[object Object]", a comma-joined list or "" into the output, exit 0.
  it.each([
    [
      'a\n{{bundle.identity}}',
      `2:1 template failed for service details: bundle.identity is an object (spiffeId, trustDomain): ${writes}`,
    ],
    [
      '{{bundle.outbound}}',
      `1:1 template failed for service details: bundle.outbound is an empty list: ${writes}`,
    ],
    [
      // One entry: it was written as that entry, as if the value were text.
      'x: {{bundle.inbound.authorization.rules.0.from}}',
      `1:4 template failed for service details: bundle.inbound.authorization.rules.0.from is a list of 1: ${writes}`,
    ],
    [
      // null for "any method": it was written as "".
      'x: {{bundle.inbound.authorization.rules.0.methods}}',
      `1:4 template failed for service details: bundle.inbound.authorization.rules.0.methods is null: ${writes}`,
    ],
    [
      '{{lookup bundle "identity"}}',
      `1:1 template failed for service details: {{lookup bundle "identity"}} is an object (spiffeId, trustDomain): ${writes}`,
    ],
    ['{{commit}}', `1:1 template failed for service details: commit is null: ${writes}`],
    [
      '{{#each bundle.outbound}}{{routes.0.fault}}{{/each}}',
      `1:26 template failed for service productpage: routes.0.fault is null: ${writes}`,
    ],
    [
      '{{#with bundle}}{{{identity}}}{{/with}}',
      `1:17 template failed for service details: identity is an object (spiffeId, trustDomain): ${writes}`,
    ],
    [
      '{{this}}',
      `1:1 template failed for service details: this is an object (service, mesh, commit, version, sha256, bundle, bundleJson): ${writes}`,
    ],
    [
      '{{"bundle"}}',
      `1:1 template failed for service details: bundle is an object (commit, format, identity, inbound, mesh, observability, outbound, service, sidecar, trustRoots, unsupported): ${writes}`,
    ],
  ])('refuses an object, a list or null: %j', (text, problem) => {
    expect(problemOf(text)).toBe(problem);
  });

  it('hints at the helpers that write the value, and at a field of an object', () => {
    const hintOf = (text: string) => renderTemplate(text).diagnostics[0]?.hint;
    expect(hintOf('{{bundle.identity}}')).toBe(
      'name one of its fields, like {{bundle.identity.spiffeId}}; write it as JSON with {{json bundle.identity}} ' +
        '(under a YAML key, {{indent (json bundle.identity 2) 4}}), or go through it with {{#each bundle.identity}}...{{/each}}',
    );
    expect(hintOf('{{bundle.outbound}}')).toBe(
      'write it as JSON with {{json bundle.outbound}} (under a YAML key, {{indent (json bundle.outbound 2) 4}}), ' +
        'or go through it with {{#each bundle.outbound}}...{{/each}}',
    );
    expect(hintOf('{{lookup bundle "identity"}}')).toBe(
      'write it as JSON with {{json (lookup bundle "identity")}} (under a YAML key, ' +
        '{{indent (json (lookup bundle "identity") 2) 4}}), or go through it with {{#each (lookup bundle "identity")}}...{{/each}}',
    );
    expect(hintOf('{{commit}}')).toBe(
      'test it first with {{#if commit}}...{{/if}}, or write {{json commit}}, which writes null',
    );
  });

  it('writes text, numbers and true/false as before, and blocks still take objects and lists', () => {
    expect(
      renderTemplate(
        '{{service}} {{bundle.inbound.appPort}} {{bundle.observability.tracing.sampling}} "{{bundle.observability.tracing.otlpEndpoint}}" ' +
          '{{#each bundle.outbound}}{{service}}:{{routes.0.retries.idempotentOnly}}:{{policy.connectTimeoutMs}};{{/each}} ' +
          '{{#with bundle.identity}}{{trustDomain}}{{/with}} {{#each bundle.identity}}{{@key}}={{this}},{{/each}} ' +
          '{{#if bundle.outbound}}has{{/if}} {{#if commit}}{{commit}}{{else}}no commit{{/if}} {{{mesh}}} {{json commit}} ' +
          '{{~#each bundle.sidecar as |port name|}} {{name}}:{{port}}{{/each}}\n',
      ),
    ).toEqual({
      diagnostics: [],
      output:
        'productpage 9080 0.01 "" details:true:5000;reviews:true:5000; shop.local ' +
        'spiffeId=spiffe://shop.local/productpage,trustDomain=shop.local, has no commit shop null ' +
        'admin:15000 inbound:15006 outbound:15001\n',
    });
  });
});

describe('template problems found before rendering', () => {
  it.each([
    [
      'a\nb\n  {{log service}}',
      '3:5 {{log}} is not available in meshc templates: a template writes only its own file',
    ],
    [
      'a\nb\n  {{> part}}',
      '3:3 partials ({{> name}}) are not available in meshc templates: a template is one file',
    ],
    [
      'a\n  {{#> layout}}x{{/layout}}',
      '2:3 partials ({{> name}}) are not available in meshc templates: a template is one file',
    ],
    [
      'a\n {{upper service}}',
      '2:4 unknown helper "upper": the helpers are json, indent, lookup, each, with, if, unless',
    ],
    [
      '{{#json bundle}}x{{/json}}',
      '1:4 json is not a block helper: write {{json VALUE}} or {{json VALUE 2}}',
    ],
    ['{{each bundle.outbound}}', '1:3 each is a block helper: write {{#each LIST}}...{{/each}}'],
    [
      '{{json (__meshcLookupField bundle "x")}}',
      '1:9 unknown helper "__meshcLookupField": the helpers are json, indent, lookup, each, with, if, unless',
    ],
  ])('%j', (text, problem) => {
    expect(problemOf(text)).toBe(problem);
  });

  it.each([
    [
      'ok\n{{#each bundle.outbound}}\nx\n',
      '2:1 template does not parse: {{#each}} is never closed: add {{/each}}',
    ],
    [
      '{{#if commit}}\n  {{#with bundle}}{{/with}}\n  {{#each bundle.outbound}}\n{{/if}}',
      '3:6 template does not parse: {{#each}} is closed by {{/if}}: close it with {{/each}}',
    ],
    [
      'a\n{{#if @first}}{{/iff}}',
      '2:4 template does not parse: {{#if}} is closed by {{/iff}}: close it with {{/if}}',
    ],
    [
      '{{! {{#if}} }}\n{{#with bundle}}',
      '2:1 template does not parse: {{#with}} is never closed: add {{/with}}',
    ],
    [
      'a {{service',
      '1:5 template does not parse: cannot read "service" here: a {{...}} holds names, "quoted text" and numbers, and ends with "}}"',
    ],
    [
      'x\n {{json bundle!}}',
      '2:9 template does not parse: cannot read "bundle!" here: a {{...}} holds names, "quoted text" and numbers, and ends with "}}"',
    ],
    ['a {{', '1:5 template does not parse: the template ends inside a {{...}}: close it with "}}"'],
    ['x\n{{json (json bundle}}', '2:20 template does not parse: "}}" is out of place here'],
    [
      '{{#if commit}}\n{{else}}{{else}}{{/if}}',
      '2:9 template does not parse: {{else}} where no block can take one (a second {{else}}, or one outside {{#if}} / {{#each}})',
    ],
  ])('a template that does not parse: %j', (text, problem) => {
    expect(problemOf(text)).toBe(problem);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('emitArtifacts', () => {
  it('reports a failing target once and produces no artifacts', () => {
    let calls = 0;
    const failing = () => {
      calls++;
      throw new TargetError({
        code: 'MC5005',
        severity: 'error',
        message: 'boom',
        file: 't.hbs',
        line: 1,
        col: 1,
      });
    };
    const result = emitArtifacts(model, {
      commit: null,
      targets: [{ name: 'bad', emit: failing }],
    });
    expect(result.artifacts).toBeUndefined();
    expect(result.diagnostics).toHaveLength(1);
    expect(calls).toBe(1);
  });
});

describe('layoutStore', () => {
  it.each(['services/x/y', 'index.json', '/abs', 'a/../b', 'a//b', 'a\\b'])(
    'refuses a target path %j',
    (path) => {
      const { artifacts } = emitArtifacts(model, {
        commit: null,
        targets: [{ name: 't', emit: () => [{ path, bytes: new Uint8Array() }] }],
      });
      expect(codeOf(() => layoutStore(artifacts!))).toBe('MC5009');
    },
  );

  it('refuses two targets writing the same file', () => {
    const same = () => [{ path: 'same/file', bytes: new Uint8Array() }];
    const { artifacts } = emitArtifacts(model, {
      commit: null,
      targets: [{ name: 't', emit: same }],
    });
    expect(codeOf(() => layoutStore(artifacts!))).toBe('MC5009');
  });
});
