// Compile targets: parsing `--target`, the template target's per-service output, a failing target
// reported once (not once per service), and the store refusing target paths it owns.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { isCompileError } from '../../compiler/compile-error.js';
import { emitArtifacts } from '../../compiler/emit/index.js';
import { parseTargetList, resolveTargets } from '../../compiler/emit/resolve-targets.js';
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

  it('has no {{log}}: Handlebars would print it on stdout, in the middle of the summary or --format json', () => {
    const { targets, diagnostics } = resolveTargets(
      parseTargetList(['template:t.hbs']),
      new Map([['t.hbs', 'x={{log "HELLO" service}}\n']]),
    );
    expect(diagnostics).toEqual([]);
    const emitted = emitArtifacts(model, { commit: null, targets });
    expect(emitted.artifacts).toBeUndefined();
    expect(emitted.diagnostics).toMatchObject([
      { code: 'MC5005', file: 't.hbs', message: expect.stringContaining('log') },
    ]);
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

  it('report a parse error with the template line', () => {
    const { targets, diagnostics } = resolveTargets(
      parseTargetList(['template:t.hbs']),
      new Map([['t.hbs', 'ok\n{{#each x}}\n']]),
    );
    expect(targets).toEqual([]);
    expect(diagnostics).toMatchObject([{ code: 'MC5005', file: 't.hbs', severity: 'error' }]);
  });
});

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
