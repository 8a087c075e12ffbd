// A service removed from the spec (decision 0062): the compile that writes a target removes what that
// target wrote for it, under the same rollback as every other write; its native files stay; a target
// this compile does not write leaves its files; the report says what went; the fingerprint cache
// compiles a re-added service again.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCompileError } from '../../compiler/compile-error.js';
import { emitArtifacts } from '../../compiler/emit/index.js';
import { parseTargetList, resolveTargets } from '../../compiler/emit/resolve-targets.js';
import { TARGET_PATHS, TARGETS } from '../../compiler/emit/targets.js';
import { normalizeSpec } from '../../compiler/normalize/index.js';
import { fingerprintFileFor } from '../../compiler/store/fingerprints.js';
import { SHOP_FILES, specFrom, testSigningKey } from './helpers.js';
import { compileFixture, hashTree, snapshotTree, tempDirsPerTest } from './store-helpers.js';

const key = testSigningKey();
const tempDir = tempDirsPerTest();

/** The shop with an edge service nothing calls or names: removing it leaves a valid spec. */
const WITH_GATEWAY: Record<string, string> = {
  ...SHOP_FILES,
  'services/gateway.yaml': `apiVersion: meshc/v1
kind: Service
metadata: { name: gateway }
spec:
  port: 8080
  endpoints: ["10.0.9.1:15006"]
  calls: [productpage]
`,
};

const GATEWAY_OUTPUTS = ['envoy/gateway/envoy.yaml', 'templates/gateway/cm.yaml'];

/** `--target` as the CLI resolves it; templates named `<name>.hbs` render the service name. */
function targets(...names: string[]) {
  const texts = new Map(
    names.filter((n) => n.startsWith('template:')).map((n) => [n.slice(9), '{{service}}\n']),
  );
  return resolveTargets(parseTargetList(names), texts).targets;
}

const ALL = targets('native', 'envoy', 'template:cm.yaml.hbs');

const files = async (dir: string) => Object.keys(await hashTree(dir));

describe('a service removed from the spec', () => {
  it("loses the files this compile's targets write for it, keeps its native files, and is reported", async () => {
    const out = join(await tempDir(), 'store');
    const first = await compileFixture(out, WITH_GATEWAY, { signingKey: key, targets: ALL });
    expect(first.report?.gone).toEqual([]);
    const native = (await files(out)).filter((p) => p.startsWith('services/gateway/'));
    const { report } = await compileFixture(out, SHOP_FILES, { signingKey: key, targets: ALL });
    expect(report?.gone).toEqual([{ service: 'gateway', listed: true, removed: GATEWAY_OUTPUTS, left: [] }]);
    expect(report?.removed).toEqual(GATEWAY_OUTPUTS);
    const after = await files(out);
    expect(after.filter((p) => p.includes('gateway'))).toEqual(native);
    // Beyond gateway's native files, the store is what a compile from scratch writes.
    const scratch = join(await tempDir(), 'scratch');
    await compileFixture(scratch, SHOP_FILES, { signingKey: key, targets: ALL });
    const tree = await hashTree(out);
    for (const path of native) delete tree[path];
    expect(tree).toEqual(await hashTree(scratch));
  });

  it('keeps the files of a target this compile does not write, until a compile writes it', async () => {
    const out = join(await tempDir(), 'store');
    await compileFixture(out, WITH_GATEWAY, { signingKey: key, targets: ALL });
    const nativeOnly = await compileFixture(out, SHOP_FILES, { signingKey: key, targets: targets('native') });
    expect(nativeOnly.report?.gone).toEqual([{ service: 'gateway', listed: true, removed: [], left: [] }]);
    expect(existsSync(join(out, 'envoy/gateway/envoy.yaml'))).toBe(true);
    // index.json no longer names it; its directory under services/ still tells it was compiled here.
    const envoy = await compileFixture(out, SHOP_FILES, { signingKey: key, targets: targets('envoy') });
    expect(envoy.report?.gone).toEqual([
      { service: 'gateway', listed: false, removed: ['envoy/gateway/envoy.yaml'], left: [] },
    ]);
    expect(existsSync(join(out, 'envoy/gateway'))).toBe(false);
    expect(existsSync(join(out, 'templates/gateway/cm.yaml'))).toBe(true);
    // Nothing left to do: the next compile says nothing about it.
    const again = await compileFixture(out, SHOP_FILES, { signingKey: key, targets: targets('envoy') });
    expect(again.report?.gone).toEqual([]);
  });

  it('leaves an output of an earlier template name, and lists it', async () => {
    const out = join(await tempDir(), 'store');
    await compileFixture(out, WITH_GATEWAY, { signingKey: key, targets: ALL });
    const other = targets('native', 'envoy', 'template:other.yaml.hbs');
    const { report } = await compileFixture(out, SHOP_FILES, { signingKey: key, targets: other });
    expect(report?.gone).toEqual([
      {
        service: 'gateway',
        listed: true,
        removed: ['envoy/gateway/envoy.yaml'],
        left: ['templates/gateway/cm.yaml'],
      },
    ]);
    expect(existsSync(join(out, 'templates/gateway/cm.yaml'))).toBe(true);
  });

  it('leaves the store exactly as it was when a removal fails', async () => {
    const out = join(await tempDir(), 'store');
    await compileFixture(out, WITH_GATEWAY, { signingKey: key, targets: ALL });
    // A directory where the template file's backup must go fails its removal, after the Envoy
    // file's removal and every other write of the compile.
    await mkdir(join(out, 'templates/gateway', `.cm.yaml.${process.pid}.old`));
    const before = await snapshotTree(out);
    const err = await compileFixture(out, SHOP_FILES, { signingKey: key, targets: ALL }).catch(
      (e: unknown) => e,
    );
    expect(isCompileError(err) && err.code).toBe('MC5007');
    expect(await snapshotTree(out)).toEqual(before);
  });

  it('is compiled and written again when re-added, with the fingerprint cache as without it', async () => {
    const root = await tempDir();
    const cached = join(root, 'cached');
    const plain = join(root, 'plain');
    const fingerprintFile = fingerprintFileFor(join(root, 'cache'), cached);
    const steps = [WITH_GATEWAY, SHOP_FILES, WITH_GATEWAY];
    const reports = [];
    for (const spec of steps) {
      const result = await compileFixture(cached, spec, { signingKey: key, targets: ALL, fingerprintFile });
      await compileFixture(plain, spec, { signingKey: key, targets: ALL });
      expect(await hashTree(cached)).toEqual(await hashTree(plain));
      reports.push(result.report);
    }
    expect(reports[1]?.gone.map((g) => g.removed)).toEqual([GATEWAY_OUTPUTS]);
    expect(reports[2]?.written.filter((p) => p.includes('gateway'))).toEqual(GATEWAY_OUTPUTS);
    const scratch = join(root, 'scratch');
    await compileFixture(scratch, WITH_GATEWAY, { signingKey: key, targets: ALL });
    expect(await hashTree(cached)).toEqual(await hashTree(scratch));
  });
});

describe('the files a target declares it writes', () => {
  it('are the files it emits, for every built-in target and a template', () => {
    const model = normalizeSpec(specFrom(SHOP_FILES));
    const all = [...Object.keys(TARGETS), 'template:x/cm.yaml.hbs'];
    const resolved = targets(...all);
    expect(resolved.map((t) => t.name)).toEqual(all);
    expect(Object.keys(TARGET_PATHS).sort()).toEqual(Object.keys(TARGETS).sort());
    const { artifacts } = emitArtifacts(model, { commit: null, targets: resolved });
    for (const { bundle, files: emitted } of artifacts?.services ?? []) {
      const declared = resolved.flatMap((t) => t.paths?.(bundle.service) ?? ['(none)']);
      expect(emitted.map((f) => f.path)).toEqual(declared);
    }
  });
});
