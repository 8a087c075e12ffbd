// The bundled CLI knows which build it is (BUILT_ID, a digest of the bundle written in by
// scripts/bundle-cli.mjs), and the caches that remember what meshc answered for an input name it: a
// parse cache (and with it the validation memo and file stamps) written by another build of the same
// version is not read, and neither are compile fingerprints, so a rebuilt meshc never reuses the
// verdicts or outputs of the code it replaced.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readFingerprints } from '../../compiler/store/fingerprints.js';
import { packStamp } from '../helpers/parse-cache-files.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHOP = join(ROOT, 'examples', 'shop');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const temp = mkdtempSync(join(tmpdir(), 'meshc-build-id-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** The build id written into a bundle, and the bundle's text as the build hashed it. */
function idOf(bundle: string): { id: string; hashed: string } {
  const text = readFileSync(bundle, 'latin1');
  const m = /BUILT_ID = "([0-9a-f]{16})"/.exec(text);
  if (!m) throw new Error('no build id in the bundle');
  // The file is the bundle wrapped in a function expression; the build hashed what is inside.
  const inner = text.slice(
    '(function (exports, require, module, __filename, __dirname) {'.length,
    -'\n})\n'.length,
  );
  return { id: m[1]!, hashed: inner.replace(`"${m[1]}"`, '"meshc-build-id-placeholder"') };
}

/** The stamp a parse cache pack was written under (its header, after the magic and length). */
function packStampIn(cacheDir: string): string {
  return packStamp(join(cacheDir, 'parse-cache.bin'));
}

/** Service -> fingerprint, from a compile fingerprint file. */
function fingerprintsOf(file: string): Map<string, string> {
  return new Map([...readFingerprints(file).entries].map(([service, e]) => [service, e.fingerprint]));
}

function meshc(bin: string, args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
}

describe('the build identity of the bundled CLI', () => {
  it('is the digest of the bundle it sits in', () => {
    const { id, hashed } = idOf(join(ROOT, 'dist', 'cli', 'meshc.cjs'));
    expect(createHash('sha256').update(hashed).digest('hex').slice(0, 16)).toBe(id);
  });

  it("names the parse cache and keeps another build's cache and fingerprints from being used", () => {
    const cache = join(temp, 'cache');
    const bin = join(ROOT, 'bin', 'meshc.js');
    const first = meshc(bin, ['validate', SHOP, '--cache-dir', cache]);
    expect(first.status, first.stderr).toBe(0);
    const { id } = idOf(join(ROOT, 'dist', 'cli', 'meshc.cjs'));
    expect(packStampIn(cache)).toContain(`meshc/${VERSION}+${id} `);

    // Another build of the same version: a copy of the CLI whose bundle names another id.
    const other = join(temp, 'other');
    cpSync(join(ROOT, 'bin'), join(other, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'dist'), join(other, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(other, 'package.json'));
    const bundle = join(other, 'dist', 'cli', 'meshc.cjs');
    writeFileSync(bundle, readFileSync(bundle, 'latin1').replace(`"${id}"`, '"0123456789abcdef"'), 'latin1');
    const store = join(temp, 'store');
    const compile = (b: string) =>
      meshc(b, ['compile', SHOP, '--out', store, '--unsigned', '--cache-dir', cache]);
    expect(compile(bin).status).toBe(0);
    const fingerprints = join(cache, 'compile', readdirSync(join(cache, 'compile'))[0]!);
    const byFirstBuild = fingerprintsOf(fingerprints);
    expect(compile(bin).status).toBe(0);
    expect(fingerprintsOf(fingerprints)).toEqual(byFirstBuild); // the same build keeps them
    // Same inputs, same store: the other build must neither read the first build's parses nor
    // trust its fingerprints (which would keep every service without compiling it).
    const again = compile(join(other, 'bin', 'meshc.js'));
    expect(again.status, again.stderr).toBe(0);
    expect(packStampIn(cache)).toContain(`meshc/${VERSION}+0123456789abcdef `);
    const byOtherBuild = fingerprintsOf(fingerprints);
    expect([...byOtherBuild.keys()].sort()).toEqual([...byFirstBuild.keys()].sort());
    for (const [service, fingerprint] of byOtherBuild)
      expect(fingerprint).not.toBe(byFirstBuild.get(service));
  });
});
