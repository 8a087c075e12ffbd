// Service outlines (compiler/load/outline.ts): the checks that compare services read only outlines,
// so an outline must hold every field they read (they find on outlines exactly what they find on
// whole documents, over every example), it must be plain data the cache stores as is, and a warm
// run must not decode the document of a service it neither validates again nor compiles.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Diagnostic } from '../../compiler/diagnostics.js';
import { compileToStore } from '../../compiler/compile.js';
import { dirSource } from '../../compiler/load/dir-source.js';
import { outlineOf } from '../../compiler/load/outline.js';
import { openParseCache } from '../../compiler/load/parse-cache.js';
import { fingerprintFileFor } from '../../compiler/store/fingerprints.js';
import { checkSpec } from '../../compiler/pipeline.js';
import type { CheckContext } from '../../compiler/validate/check-context.js';
import { MESH_CHECKS, RELATION_CHECKS } from '../../compiler/validate/checks/index.js';
import { validateAgainstSchema } from '../../compiler/validate/schema.js';
import type { Located } from '../../compiler/validate/types.js';
import type { MeshDocument, ServiceDocument } from '../../schema/mesh.types.generated.js';
import { ROOT_PEM } from '../compile/helpers.js';
import { makeTempDir, MESH_YAML, SERVICE_YAML, writeFiles } from '../helpers/spec-fixtures.js';
import { NOW, REPO_ROOT } from '../validate/support.js';

const FULL = {
  apiVersion: 'meshc/v1',
  kind: 'Service',
  metadata: { name: 'reviews', labels: { team: 'books' } },
  spec: {
    protocol: 'http',
    port: 9080,
    versions: { v1: { endpoints: ['10.0.0.1:15006'], labels: { track: 'stable' } } },
    calls: ['ratings'],
    timeout: '2s',
    loadBalancer: { policy: 'ring-hash', hashOn: { header: 'x-user' } },
    routes: [{ name: 'a' }, { name: 'b' }],
    authorization: {
      default: 'deny',
      allow: [{ from: ['productpage'], methods: ['GET'], paths: ['/reviews/*'] }],
    },
  },
};

describe('outlineOf', () => {
  it('keeps exactly the fields the checks comparing services read', () => {
    expect(outlineOf(FULL)).toEqual({
      name: 'reviews',
      calls: ['ratings'],
      routes: 2,
      digest: expect.stringMatching(/^[0-9a-f]{16}$/),
      service: {
        apiVersion: 'meshc/v1',
        kind: 'Service',
        metadata: { name: 'reviews' },
        spec: {
          protocol: 'http',
          port: 9080,
          calls: ['ratings'],
          versions: { v1: { endpoints: ['10.0.0.1:15006'] } },
          loadBalancer: { policy: 'ring-hash', hashOn: { header: 'x-user' } },
          authorization: { default: 'deny', allow: [{ from: ['productpage'] }] },
        },
      },
    });
  });

  it('leaves out what the document leaves out, so the outline stays plain JSON', () => {
    const outline = outlineOf({ apiVersion: 'meshc/v1', kind: 'Service', metadata: { name: 'a' }, spec: {} });
    expect(outline).toEqual({
      name: 'a',
      routes: 0,
      digest: expect.any(String),
      service: expect.objectContaining({ spec: {} }),
    });
    expect(JSON.parse(JSON.stringify(outline))).toStrictEqual(outline);
  });

  it('lists the calls as the model does: once each, sorted', () => {
    const outline = outlineOf({ ...FULL, spec: { ...FULL.spec, calls: ['ratings', 'details', 'ratings'] } });
    expect(outline?.calls).toEqual(['details', 'ratings']);
    expect(outline?.service.spec.calls).toEqual(['ratings', 'details', 'ratings']);
  });

  it('names its content: an edit outside the outline keeps the digest, one inside changes it', () => {
    const digest = (spec: object) => outlineOf({ ...FULL, spec: { ...FULL.spec, ...spec } })!.digest;
    expect(digest({ timeout: '9s', routes: [] })).toBe(outlineOf(FULL)!.digest);
    expect(digest({ calls: ['ratings', 'details'] })).not.toBe(outlineOf(FULL)!.digest);
    expect(digest({ port: 9081 })).not.toBe(outlineOf(FULL)!.digest);
  });

  it.each([
    ['a Mesh document', { ...FULL, kind: 'Mesh' }],
    ['another apiVersion', { ...FULL, apiVersion: 'meshc/v2' }],
    ['a service without a name', { ...FULL, metadata: {} }],
    ['a spec that is not a mapping', { ...FULL, spec: [] }],
    ['a list', [FULL]],
  ])('is undefined for %s', (_, value) => {
    expect(outlineOf(value)).toBeUndefined();
  });
});

const INVALID = join(REPO_ROOT, 'examples/invalid');
const examples = [
  'examples/shop',
  ...readdirSync(INVALID)
    .filter((d) => /^MC[0-9]{4}$/.test(d))
    .map((d) => `examples/invalid/${d}`),
];

describe('the checks comparing services', () => {
  /** The whole-spec checks over the schema-valid services of `rel`, as whole documents or as their outlines. */
  async function checksOf(rel: string, view: 'document' | 'outline'): Promise<Diagnostic[]> {
    const checked = await checkSpec(dirSource(join(REPO_ROOT, rel)), { now: NOW });
    const meshes: Located<MeshDocument>[] = [];
    const services: Located<ServiceDocument>[] = [];
    const meshDocuments = checked.documents.filter((d) => (d.value as { kind?: unknown }).kind === 'Mesh');
    for (const source of checked.documents) {
      const value = source.value as { kind?: unknown };
      if (
        (value.kind !== 'Mesh' && value.kind !== 'Service') ||
        validateAgainstSchema(value.kind, value).length
      )
        continue;
      if (value.kind === 'Mesh') meshes.push({ doc: value as unknown as MeshDocument, source });
      else {
        const doc = view === 'document' ? value : outlineOf(value)!.service;
        services.push({ doc: doc as ServiceDocument, source });
      }
    }
    const diagnostics: Diagnostic[] = [];
    const serviceByName = new Map<string, Located<ServiceDocument>>();
    for (const s of services)
      if (!serviceByName.has(s.doc.metadata.name)) serviceByName.set(s.doc.metadata.name, s);
    const ctx: CheckContext = {
      mesh: meshes[0],
      meshDocuments,
      services,
      serviceByName,
      declaredServiceNames: new Set(services.map((s) => s.doc.metadata.name)),
      unloadedFiles: [],
      assets: checked.result?.spec?.assets ?? new Map(),
      unreadableAssets: new Map(),
      now: NOW,
      add: (d) => diagnostics.push(d),
    };
    for (const check of [...MESH_CHECKS, ...RELATION_CHECKS]) check(ctx);
    return diagnostics;
  }

  it.each(examples)('find on outlines what they find on whole documents: %s', async (rel) => {
    expect(await checksOf(rel, 'outline')).toEqual(await checksOf(rel, 'document'));
  });

  it('find something in some example, so the comparison above can fail', async () => {
    const found = await Promise.all(examples.map((rel) => checksOf(rel, 'document')));
    expect(new Set(found.flat().map((d) => d.code)).size).toBeGreaterThanOrEqual(8);
  });
});

describe('a warm run', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    temp = makeTempDir();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    temp.cleanup();
  });

  // Each document says `connectTimeout`, which no outline holds: what tells the two apart below.
  const REVIEWS = `${SERVICE_YAML}  connectTimeout: 1s\n`;
  const RATINGS = REVIEWS.replace('reviews', 'ratings').replace('10.0.1.5', '10.0.1.6');
  const DETAILS = REVIEWS.replace('reviews', 'details').replace('10.0.1.5', '10.0.1.7');

  /**
   * What JSON.parse decoded during `work`: the names of whole Service documents (these fixtures all
   * say `connectTimeout`), and how many outlines of services (which never hold it).
   */
  async function decodedDuring(
    work: () => Promise<unknown>,
  ): Promise<{ documents: string[]; outlines: number }> {
    const parse = JSON.parse.bind(JSON);
    const documents: string[] = [];
    let outlines = 0;
    vi.spyOn(JSON, 'parse').mockImplementation((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
      const value = parse(text, reviver) as { kind?: unknown; metadata?: { name?: unknown }; spec?: object };
      if (value?.kind === 'Service' && typeof value.metadata?.name === 'string') {
        if (value.spec && 'connectTimeout' in value.spec) documents.push(value.metadata.name);
        else outlines++;
      }
      return value;
    });
    try {
      await work();
    } finally {
      vi.mocked(JSON.parse).mockRestore();
    }
    return { documents: documents.sort(), outlines };
  }

  it('decodes only the documents of the services it compiles, from validation to the store', async () => {
    // ratings calls details; reviews calls nobody. Editing details recompiles details and ratings.
    writeFiles(temp.dir, {
      'spec/mesh.yaml': MESH_YAML,
      'spec/services/reviews.yaml': REVIEWS,
      'spec/services/ratings.yaml': RATINGS.replace('spec:\n', 'spec:\n  calls: [details]\n'),
      'spec/services/details.yaml': DETAILS,
      'spec/pki/root.pem': ROOT_PEM,
    });
    const cacheDir = join(temp.dir, 'cache');
    const out = join(temp.dir, 'store');
    const compile = async () => {
      const checked = await checkSpec(dirSource(join(temp.dir, 'spec')), {
        now: NOW,
        cache: await openParseCache(cacheDir),
      });
      expect(checked.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      return compileToStore({
        spec: checked.result!.spec!,
        commit: null,
        outDir: out,
        targets: [],
        fingerprintFile: fingerprintFileFor(cacheDir, out),
      });
    };
    await compile();
    // A new port is in details' outline: the services are compared again, over the other outlines.
    writeFiles(temp.dir, { 'spec/services/details.yaml': DETAILS.replace('9080', '9081') });
    // details is parsed afresh, not decoded; ratings is decoded because it is compiled again.
    expect(await decodedDuring(compile)).toEqual({ documents: ['ratings'], outlines: 2 });
    // Nothing changed: nothing is decoded.
    expect(await decodedDuring(compile)).toEqual({ documents: [], outlines: 0 });
    // A timeout is in no outline: the services are not compared again.
    writeFiles(temp.dir, {
      'spec/services/details.yaml': `${DETAILS.replace('9080', '9081')}  timeout: 3s\n`,
    });
    expect(await decodedDuring(compile)).toEqual({ documents: ['ratings'], outlines: 0 });
  });
});
