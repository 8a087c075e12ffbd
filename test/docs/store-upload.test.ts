// docs/operations.md's S3 upload, run against a real store (signed, with the envoy and a template
// target) with `aws s3 sync`'s filter rules: every file is uploaded, only bundles are cached as
// immutable (envoy/ and templates/ are rewritten by every compile), and the passes upload bundles,
// then manifest signatures, then manifests, then index.json, the order compile writes them in.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../compiler/cli/main.js';
import { captureIo } from '../helpers/cli-io.js';
import { makeTempDir } from '../helpers/spec-fixtures.js';
import { repoRoot } from './run-generator.js';

interface SyncPass {
  readonly filters: readonly { readonly include: boolean; readonly pattern: RegExp }[];
  readonly cacheControl: string;
}

/** The `aws s3 sync store ...` commands of the "S3 or a CDN" section, in order. */
function uploadPasses(): SyncPass[] {
  const page = readFileSync(join(repoRoot, 'docs/operations.md'), 'utf8');
  const section = page.slice(page.indexOf('### S3 or a CDN'));
  const block = /```sh\n([^]*?)```/.exec(section)![1]!.replace(/\\\n\s*/g, '');
  return block
    .split('\n')
    .filter((line) => line.startsWith('aws s3 sync store '))
    .map((line) => {
      const words = [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
      const filters: SyncPass['filters'][number][] = [];
      let cacheControl = '';
      for (let i = 0; i < words.length; i++) {
        const word = words[i]!;
        if (word === '--exclude' || word === '--include')
          filters.push({ include: word === '--include', pattern: globOf(words[++i]!) });
        else if (word === '--cache-control') cacheControl = words[++i]!;
      }
      return { filters, cacheControl };
    });
}

/** aws CLI filter patterns: `*` matches any characters, `/` included; `?` one character. */
function globOf(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** Whether a pass uploads a file: everything, unless a filter says otherwise; the last match wins. */
function uploads(pass: SyncPass, file: string): boolean {
  let included = true;
  for (const { include, pattern } of pass.filters) if (pattern.test(file)) included = include;
  return included;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

let temp: ReturnType<typeof makeTempDir>;
let files: string[];
beforeAll(async () => {
  temp = makeTempDir('meshc-upload-');
  const meshc = async (...args: string[]) => {
    const io = { ...captureIo({ cwd: temp.dir }), now: () => Date.now() };
    expect([await runCli(args, io), io.err()]).toEqual([0, '']);
  };
  await meshc('keys', 'init', '--out', 'keys');
  const template = join(repoRoot, 'examples/templates/configmap.yaml.hbs');
  await meshc(
    'compile',
    join(repoRoot, 'examples/shop'),
    '--out',
    'store',
    '--signing-key',
    'keys/bundle-signing.key',
    '--target',
    `native,envoy,template:${template}`,
  );
  const store = join(temp.dir, 'store');
  files = filesUnder(store).map((f) => relative(store, f).split('\\').join('/'));
});
afterAll(() => temp.cleanup());

describe('the S3 upload in docs/operations.md', () => {
  it('uploads every file of the store, each first by one pass', () => {
    const passes = uploadPasses();
    expect(passes.length).toBeGreaterThan(1);
    expect(files.filter((f) => !passes.some((p) => uploads(p, f)))).toEqual([]);
    expect(files.some((f) => f.startsWith('envoy/')) && files.some((f) => f.startsWith('templates/'))).toBe(
      true,
    );
  });

  it('marks only bundles immutable', () => {
    const passes = uploadPasses();
    const immutable = files.filter((f) =>
      passes.find((p) => uploads(p, f))!.cacheControl.includes('immutable'),
    );
    expect(immutable.sort()).toEqual(files.filter((f) => /^services\/[^/]+\/bundles\//.test(f)).sort());
  });

  it('uploads bundles, then manifest signatures, then manifests, then index.json, each in passes of its own', () => {
    const passes = uploadPasses();
    const passOf = (f: string) => passes.findIndex((p) => uploads(p, f));
    const kinds = [
      /^services\/[^/]+\/bundles\//,
      /^services\/[^/]+\/manifest\.sig$/,
      /^services\/[^/]+\/manifest\.json$/,
      /^index\.json$/,
    ];
    const passesOfKind = kinds.map((kind) => files.filter((f) => kind.test(f)).map(passOf));
    for (const [i, later] of passesOfKind.entries()) {
      expect(later.length).toBeGreaterThan(0);
      if (i > 0) expect(Math.min(...later)).toBeGreaterThan(Math.max(...passesOfKind[i - 1]!));
    }
  });
});
