// Where `meshc explain` gets bundles: a spec compiled in memory (exactly the bytes `meshc compile`
// would publish, parsed back as a proxy parses them), or a compiled store read from disk and checked
// with the proxy's own verification (signatures too when a --verify-key is given).
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { selectTarget, verifyBundle, verifyManifest } from '../../runtime/bundle/verify.js';
import type { Bundle } from '../../schema/bundle.types.generated.js';
import { loadPublicKey, storePaths, VerifyKeyError } from '../../schema/store-format.js';
import { hasErrors } from '../diagnostics.js';
import { emitArtifacts } from '../emit/index.js';
import { normalizeSpec } from '../normalize/index.js';
import type { ParseCache } from '../load/parse-cache.js';
import { checkSpec, type CheckedSpec } from '../pipeline.js';
import { openSpecSource } from '../cli/spec-source.js';
import { ExplainError } from './errors.js';

export interface BundleSet {
  /** Every service of the mesh (or store), sorted. */
  readonly services: readonly string[];
  /** Loads the bundles of `names` (unknown names are skipped) so `bundleOf` can answer them. */
  load(names: readonly string[]): Promise<void>;
  bundleOf(service: string): Bundle | undefined;
  /** The bundle version explained, per loaded service. */
  versions(): Record<string, string>;
  /** The loaded services whose bundle a rollout chose (--instance-id), not the manifest's main version. */
  rolledOut(): readonly string[];
}

export interface SpecBundlesInput {
  readonly path: string;
  readonly ref?: string;
  readonly cwd: string;
  readonly now: number;
  /** The parse cache of --cache-dir (absent with --no-cache), as validate and compile use it. */
  readonly cache?: ParseCache;
}

/** Compiles the spec in memory; returns the checked spec instead when it has errors. */
export async function bundlesFromSpec(
  input: SpecBundlesInput,
): Promise<{ ok: true; set: BundleSet } | { ok: false; checked: CheckedSpec; rootDir: string }> {
  const source = await openSpecSource(input);
  const checked = await checkSpec(source, { now: input.now, ...(input.cache ? { cache: input.cache } : {}) });
  const spec = checked.result?.spec;
  if (hasErrors(checked.diagnostics) || !spec || checked.files.length === 0)
    return { ok: false, checked, rootDir: await source.rootDir() };
  const model = normalizeSpec(spec);
  const emitted = emitArtifacts(model, { commit: (await source.commit()) ?? null, targets: [] });
  const decoder = new TextDecoder();
  const bundles = new Map<string, { bundle: Bundle; version: string }>();
  for (const { bundle } of emitted.artifacts?.services ?? [])
    bundles.set(bundle.service, {
      bundle: JSON.parse(decoder.decode(bundle.bytes)) as Bundle,
      version: bundle.version,
    });
  return {
    ok: true,
    set: {
      services: [...bundles.keys()].sort(),
      load: async () => undefined,
      bundleOf: (s) => bundles.get(s)?.bundle,
      versions: () => Object.fromEntries([...bundles].map(([s, b]) => [s, b.version])),
      rolledOut: () => [],
    },
  };
}

export interface StoreBundlesInput {
  readonly dir: string;
  readonly cwd: string;
  /** --verify-key FILE: check signatures as a proxy does; without it only hashes and shapes. */
  readonly verifyKeyFile?: string;
  /** --instance-id: pick the bundle a rollout gives this instance; default the manifest's main version. */
  readonly instanceId?: string;
}

export async function bundlesFromStore(input: StoreBundlesInput): Promise<BundleSet> {
  const dir = resolve(input.cwd, input.dir);
  const services = await listStoreServices(dir, input.dir);
  const verifyKey = input.verifyKeyFile ? await readVerifyKey(resolve(input.cwd, input.verifyKeyFile)) : null;
  const loaded = new Map<string, { bundle: Bundle; version: string; viaRollout: boolean }>();
  const read = async (rel: string) => readFile(join(dir, ...rel.split('/')));
  const readSig = (rel: string) => readFile(join(dir, ...rel.split('/')), 'utf8').catch(() => null);

  async function loadOne(service: string): Promise<void> {
    const opts = { service, verifyKey, allowUnsigned: verifyKey === null };
    try {
      const manifest = verifyManifest(
        await read(storePaths.manifest(service)),
        await readSig(storePaths.manifestSig(service)),
        opts,
      );
      const target =
        input.instanceId === undefined
          ? { version: manifest.version, sha256: manifest.sha256, size: manifest.size, viaRollout: false }
          : selectTarget(manifest, input.instanceId);
      const bytes = await read(storePaths.bundle(service, target.version));
      const bundle = verifyBundle(
        bytes,
        await readSig(storePaths.bundleSig(service, target.version)),
        target,
        opts,
      );
      loaded.set(service, { bundle, version: target.version, viaRollout: target.viaRollout });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const what = e.code === 'ENOENT' ? `${e.path ?? 'a file'} does not exist` : e.message;
      throw new ExplainError(
        'EXPLAIN_STORE_INVALID',
        `the store's bundle for ${service} cannot be used: ${what}`,
        'recompile the store with `meshc compile`, or pass the spec PATH instead of --store',
      );
    }
  }

  return {
    services,
    async load(names) {
      for (const name of new Set(names))
        if (services.includes(name) && !loaded.has(name)) await loadOne(name);
    },
    bundleOf: (s) => loaded.get(s)?.bundle,
    versions: () => Object.fromEntries([...loaded].map(([s, b]) => [s, b.version])),
    rolledOut: () => [...loaded].filter(([, b]) => b.viaRollout).map(([s]) => s),
  };
}

/** The services an index.json lists; a missing or unreadable index means this is not a store. */
async function listStoreServices(dir: string, label: string): Promise<string[]> {
  const text = await readFile(join(dir, storePaths.index), 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new ExplainError(
      'EXPLAIN_STORE_NOT_FOUND',
      err.code === 'ENOENT'
        ? `${label} is not a bundle store (no ${storePaths.index})`
        : `cannot read ${label}/${storePaths.index} (${err.code ?? err.message})`,
      'pass the directory `meshc compile --out` wrote',
    );
  });
  try {
    const services = (JSON.parse(text) as { services?: unknown }).services;
    if (services && typeof services === 'object') return Object.keys(services).sort();
  } catch {
    // falls through to the refusal below
  }
  throw new ExplainError('EXPLAIN_STORE_INVALID', `${label}/${storePaths.index} is not a meshc index`);
}

async function readVerifyKey(path: string) {
  const pem = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    throw new ExplainError(
      'EXPLAIN_STORE_INVALID',
      `verify key ${path} ${err.code === 'ENOENT' ? 'does not exist' : `cannot be read (${err.code})`}`,
    );
  });
  try {
    return loadPublicKey(pem);
  } catch (err) {
    if (!(err instanceof VerifyKeyError)) throw err;
    throw new ExplainError('EXPLAIN_STORE_INVALID', `verify key ${path} ${err.message}`, err.hint);
  }
}
