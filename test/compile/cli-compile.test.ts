// `meshc compile` in-process through runCli, on the example shop and on real git repositories:
// exit codes, the summary table, signing choices, --ref, clones, template targets and refusals.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runCli } from '../../compiler/cli/main.js';
import { storePaths } from '../../schema/store-format.js';
import { captureIo } from '../helpers/cli-io.js';
import { commitAll, git, makeTempDir } from '../helpers/spec-fixtures.js';
import { FIXED_NOW, testSigningKey } from './helpers.js';
import { hashTree, snapshotTree } from './store-helpers.js';

const SHOP = fileURLToPath(new URL('../../examples/shop', import.meta.url));
const CONFIGMAP = fileURLToPath(new URL('../../examples/templates/configmap.yaml.hbs', import.meta.url));
const KEY_PEM = testSigningKey().export({ format: 'pem', type: 'pkcs8' }).toString();

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir('meshc-compile-');
  writeFileSync(join(temp.dir, 'signing.pem'), KEY_PEM, { mode: 0o600 });
});
afterEach(() => temp.cleanup());

async function meshc(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const io = {
    ...captureIo({ cwd: options.cwd ?? temp.dir, env: options.env ?? {} }),
    now: () => FIXED_NOW,
  };
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

/** A copy of examples/shop at `dir`, committed to a fresh git repository; returns the commit. */
function shopRepo(dir: string): string {
  cpSync(SHOP, dir, { recursive: true });
  return commitAll(dir);
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('meshc compile', () => {
  it('writes a signed store of examples/shop and prints one line per service', async () => {
    const out = join(temp.dir, 'dist');
    const first = await meshc(['compile', SHOP, '--out', out, '--signing-key', 'signing.pem']);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    const index = readJson(join(out, 'index.json'));
    const services = Object.keys(index.services);
    expect(services.length).toBeGreaterThanOrEqual(4);
    for (const svc of services) {
      expect(first.out).toMatch(
        new RegExp(`^${svc}\\s+${index.services[svc]}\\s+[0-9.]+ (B|KiB)\\s+new$`, 'm'),
      );
      expect(existsSync(join(out, storePaths.manifestSig(svc)))).toBe(true);
    }
    expect(first.out).toMatch(
      new RegExp(`${services.length} services: ${services.length} new, 0 changed, 0 unchanged`),
    );
    expect(first.out).toMatch(/, signed, /);
    const again = await meshc(['compile', SHOP, '--out', out, '--signing-key', 'signing.pem']);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/0 new, 0 changed, \d+ unchanged, [0-9.]+ KiB of bundles, 0 files written/);
  });

  it('takes the key from MESHC_SIGNING_KEY, as PEM text', async () => {
    const out = join(temp.dir, 'dist');
    const { code } = await meshc(['compile', SHOP, '--out', out], {
      env: { MESHC_SIGNING_KEY: KEY_PEM },
    });
    expect(code).toBe(0);
    expect(existsSync(join(out, storePaths.manifestSig('reviews')))).toBe(true);
  });

  it('refuses to write an unsigned store unless told, and writes no .sig files when told', async () => {
    const out = join(temp.dir, 'dist');
    const refused = await meshc(['compile', SHOP, '--out', out]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/error\[MC5008\]: no signing key/);
    expect(refused.err).toMatch(/hint: .*--unsigned/);
    expect(existsSync(out)).toBe(false);
    const unsigned = await meshc(['compile', SHOP, '--out', out, '--unsigned']);
    expect(unsigned.code).toBe(0);
    expect(unsigned.out).toMatch(/UNSIGNED/);
    expect(Object.keys(await hashTree(out)).filter((p) => p.endsWith('.sig'))).toEqual([]);
  });

  it('refuses a spec with errors, prints them, and writes nothing', async () => {
    const spec = join(temp.dir, 'spec');
    cpSync(SHOP, spec, { recursive: true });
    const reviews = join(spec, 'services', 'reviews.yaml');
    writeFileSync(reviews, readFileSync(reviews, 'utf8').replace(/calls: \[[^\]]*\]/, 'calls: [nowhere]'));
    const out = join(temp.dir, 'dist');
    const {
      code,
      out: stdout,
      err,
    } = await meshc(['compile', 'spec', '--out', out, '--signing-key', 'signing.pem']);
    expect(code).toBe(1);
    expect(stdout).toMatch(/spec\/services\/reviews\.yaml:\d+:\d+/);
    expect(stdout).toMatch(/MC3004/);
    expect(err).toMatch(/nothing was written/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an out path that is a file, and an unknown target', async () => {
    writeFileSync(join(temp.dir, 'dist'), 'x');
    const file = await meshc(['compile', SHOP, '--out', 'dist', '--unsigned']);
    expect([file.code, file.err]).toEqual([
      2,
      expect.stringMatching(/error\[MC5002\]: output path .*dist is a file/),
    ]);
    const target = await meshc(['compile', SHOP, '--out', 'dist2', '--unsigned', '--target', 'native,nginx']);
    expect([target.code, target.err]).toEqual([
      2,
      expect.stringMatching(/error\[MC5006\]: unknown target 'nginx'/),
    ]);
    expect(existsSync(join(temp.dir, 'dist2'))).toBe(false);
  });

  it('refuses the spec directory itself as --out, whose store files the next validate would read as spec', async () => {
    const spec = join(temp.dir, 'spec');
    cpSync(SHOP, spec, { recursive: true });
    const same = await meshc(['compile', 'spec', '--out', 'spec/', '--unsigned']);
    expect([same.code, same.err]).toEqual([
      2,
      expect.stringMatching(
        /error\[MC5002\]: output path spec\/ is the spec directory[^]*hint: .*--out dist/,
      ),
    ]);
    expect(existsSync(join(spec, 'index.json'))).toBe(false);
    expect((await meshc(['validate', 'spec', '--no-cache'])).code).toBe(0);
    // A directory of its own below the spec is fine: it is skipped when the spec is read.
    expect((await meshc(['compile', 'spec', '--out', 'spec/dist', '--unsigned'])).code).toBe(0);
    expect((await meshc(['validate', 'spec', '--no-cache'])).code).toBe(0);
  });

  it('writes a json, sarif or github report to stdout whatever the outcome, the summary table to stderr', async () => {
    const spec = join(temp.dir, 'spec');
    cpSync(SHOP, spec, { recursive: true });
    for (const format of ['json', 'sarif']) {
      const ok = await meshc([
        'compile',
        'spec',
        '--out',
        `dist-${format}`,
        '--unsigned',
        '--format',
        format,
      ]);
      expect(ok.code).toBe(0);
      // A document even with nothing to report (the shop compiles without errors), as --help says.
      const report = JSON.parse(ok.out) as { diagnostics?: unknown; runs?: { results: unknown }[] };
      expect(format === 'json' ? report.diagnostics : report.runs?.[0]?.results).toEqual([]);
      expect(ok.err).toMatch(/SERVICE\s+VERSION/);
      expect(ok.out).not.toMatch(/SERVICE\s+VERSION/);
    }
    const clean = await meshc(['compile', 'spec', '--out', 'dist-clean', '--unsigned', '--format', 'github']);
    expect([clean.code, clean.out]).toEqual([0, '6 services, 10 routes: 0 errors, 0 warnings\n']);
    const help = (await meshc(['compile', '--help'])).out.replace(/\s+/g, ' ');
    expect(help).toContain(
      'also when nothing is wrong (json: "diagnostics": [], sarif: "results": [], github: only its summary line)',
    );
    // A warning (a hash header without ring-hash, MC3025) reaches GitHub from stdout.
    const reviews = join(spec, 'services', 'reviews.yaml');
    writeFileSync(reviews, readFileSync(reviews, 'utf8').replace('policy: ring-hash', 'policy: round-robin'));
    const github = await meshc(['compile', 'spec', '--out', 'dist-gh', '--unsigned', '--format', 'github']);
    expect([github.code, github.out]).toEqual([0, expect.stringMatching(/^::warning /m)]);
    const text = await meshc(['compile', 'spec', '--out', 'dist-text', '--unsigned']);
    expect([text.out, text.err]).toEqual([
      expect.stringMatching(/SERVICE\s+VERSION/),
      expect.stringMatching(/warning\[/),
    ]);
  });

  it('notes the target directories an earlier compile wrote and this one did not', async () => {
    // `--target native` after a default compile left envoy/ describing the earlier spec, in silence.
    const first = await meshc(['compile', SHOP, '--out', 'dist', '--unsigned']);
    expect([first.code, first.err]).toEqual([0, '']);
    const native = await meshc(['compile', SHOP, '--out', 'dist', '--unsigned', '--target', 'native']);
    expect(native.code).toBe(0);
    expect(native.err).toBe(
      'meshc compile: note: dist/envoy/ was not written by this compile (no envoy target), so its files may describe an earlier spec; compile with that target again, or remove the directory\n',
    );
    expect(existsSync(join(temp.dir, 'dist', 'envoy'))).toBe(true);
    const templated = await meshc([
      'compile',
      SHOP,
      '--out',
      'dist',
      '--unsigned',
      '--target',
      `template:${CONFIGMAP}`,
    ]);
    expect([templated.code, templated.err]).toEqual([
      0,
      expect.stringContaining('dist/envoy/ was not written'),
    ]);
    const again = await meshc(['compile', SHOP, '--out', 'dist', '--unsigned']);
    expect(again.err).toBe(
      'meshc compile: note: dist/templates/ was not written by this compile (no template:FILE target), so its files may describe an earlier spec; compile with that target again, or remove the directory\n',
    );
  });

  it("removes a gone service's envoy and template files, says so, and notes an earlier template's output", async () => {
    // The review's case: gateway removed, its ConfigMap stayed under templates/ for `kubectl apply`.
    const spec = join(temp.dir, 'spec');
    cpSync(SHOP, spec, { recursive: true });
    const other = join(temp.dir, 'other.yaml.hbs');
    writeFileSync(other, readFileSync(CONFIGMAP));
    const args = (template: string) => [
      'compile',
      'spec',
      '--out',
      'dist',
      '--unsigned',
      '--target',
      `native,envoy,template:${template}`,
    ];
    expect((await meshc(args(CONFIGMAP))).code).toBe(0);
    rmSync(join(spec, 'services/gateway.yaml'));
    const page = join(spec, 'services/productpage.yaml');
    writeFileSync(page, readFileSync(page, 'utf8').replace('from: [gateway]', 'from: ["*"]'));
    const removed = await meshc(args(other));
    expect([removed.code, removed.err]).toEqual([
      0,
      "meshc compile: note: dist/templates/gateway/configmap.yaml of a service gone from the spec was not written by this compile's targets (an earlier template's output?), so it was left; remove it if nothing reads it\n",
    ]);
    expect(removed.out).toContain(
      'removed from the spec: gateway: taken out of index.json; removed envoy/gateway/envoy.yaml; kept services/gateway/ (its bundles for rollback, its manifest for proxies still running)\n',
    );
    const again = await meshc(args(CONFIGMAP));
    expect([again.code, again.err]).toEqual([0, '']);
    expect(again.out).toContain(
      'removed from the spec: gateway: removed templates/gateway/configmap.yaml; kept',
    );
    expect(existsSync(join(temp.dir, 'dist/templates/gateway'))).toBe(false);
    expect(existsSync(join(temp.dir, 'dist/envoy/gateway'))).toBe(false);
    expect(existsSync(join(temp.dir, 'dist', storePaths.manifest('gateway')))).toBe(true);
  });

  it("refuses a store another writer holds (MC5010, naming it) and notes a dead writer's lock it replaced", async () => {
    expect((await meshc(['compile', SHOP, '--out', 'dist', '--unsigned'])).code).toBe(0);
    const lock = join(temp.dir, 'dist', '.meshc-lock');
    const owner = { pid: process.pid, host: 'ci-7', command: 'rollout', since: '2026-12-07T06:10:00.000Z' };
    writeFileSync(lock, JSON.stringify(owner));
    const held = await meshc(['compile', SHOP, '--out', 'dist', '--unsigned']);
    expect([held.code, held.err]).toEqual([
      2,
      expect.stringContaining(
        `error[MC5010]: dist is being written by meshc rollout (pid ${process.pid} on ci-7, since 2026-12-07T06:10:00.000Z); nothing was written`,
      ),
    ]);
    // Paths under the working directory are named relative to it, in the hint too.
    expect(held.err).toContain(`hint: one writer at a time`);
    expect(held.err).toContain('remove dist/.meshc-lock\n');
    expect(held.err).not.toContain(temp.dir);
    expect(held.err).not.toMatch(/\n\s+at /);
    // The same file from a process that has gone, on this host: replaced, and said so.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(lock, JSON.stringify({ ...owner, pid: gone, host: hostname() }));
    const replaced = await meshc(['compile', SHOP, '--out', 'dist', '--unsigned']);
    expect(replaced.code).toBe(0);
    expect(replaced.err).toContain(`note: replaced the store's lock left by meshc rollout (pid ${gone} on`);
    expect(existsSync(lock)).toBe(false);
  });

  it('keeps compile fingerprints beside the parse cache, and a store equal to one compiled without them', async () => {
    const spec = join(temp.dir, 'spec');
    cpSync(SHOP, spec, { recursive: true });
    const args = (out: string, cache: string[]) => [
      'compile',
      'spec',
      '--out',
      out,
      '--signing-key',
      'signing.pem',
      ...cache,
    ];
    const cached = ['--cache-dir', 'cache'];
    expect((await meshc(args('with', cached))).code).toBe(0);
    expect((await meshc(args('without', ['--no-cache']))).code).toBe(0);
    const fingerprints = join(temp.dir, 'cache', 'compile');
    expect(existsSync(fingerprints)).toBe(true);
    // No cache file inside the store: it is exactly what a compile without a cache writes.
    expect(await hashTree(join(temp.dir, 'with'))).toEqual(await hashTree(join(temp.dir, 'without')));

    const reviews = join(spec, 'services', 'reviews.yaml');
    const text = readFileSync(reviews, 'utf8');
    const edited = text.replace(/timeout: (\d+)s/, (_m, n: string) => `timeout: ${Number(n) + 1}s`);
    expect(edited).not.toBe(text);
    writeFileSync(reviews, edited);
    const again = await meshc(args('with', cached));
    await meshc(args('without', ['--no-cache']));
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/\d+ changed/);
    expect(await hashTree(join(temp.dir, 'with'))).toEqual(await hashTree(join(temp.dir, 'without')));
  });
});

describe('meshc compile from git', () => {
  it('compiles a ref without a checkout and records its commit', async () => {
    const repo = join(temp.dir, 'repo');
    const sha = shopRepo(repo);
    // Uncommitted edits in the working tree must not reach a --ref compile.
    const mesh = join(repo, 'mesh.yaml');
    writeFileSync(mesh, readFileSync(mesh, 'utf8').replace('timeout: 10s', 'timeout: 11s'));
    const fromRef = join(temp.dir, 'from-ref');
    const r = await meshc([
      'compile',
      repo,
      '--ref',
      'HEAD',
      '--out',
      fromRef,
      '--signing-key',
      'signing.pem',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`commit ${sha}`);
    const index = readJson(join(fromRef, 'index.json'));
    expect(index.commit).toBe(sha);
    const bundle = readJson(join(fromRef, storePaths.bundle('reviews', index.services.reviews)));
    expect(bundle.commit).toBe(sha);
    // The dirty working tree compiles with its edit and without a commit.
    const fromTree = join(temp.dir, 'from-tree');
    expect((await meshc(['compile', repo, '--out', fromTree, '--signing-key', 'signing.pem'])).code).toBe(0);
    expect(readJson(join(fromTree, 'index.json')).commit).toBeNull();
    expect(readJson(join(fromTree, 'index.json')).services).not.toEqual(index.services);
  });

  it('gives byte-identical stores from two clones in different paths', async () => {
    const origin = join(temp.dir, 'origin');
    const sha = shopRepo(origin);
    const a = join(temp.dir, 'one', 'clone');
    const b = join(temp.dir, 'two', 'deeper', 'clone');
    git(temp.dir, 'clone', '-q', origin, a);
    git(temp.dir, 'clone', '-q', origin, b);
    expect((await meshc(['compile', a, '--out', join(a, 'dist'), '--signing-key', 'signing.pem'])).code).toBe(
      0,
    );
    expect(
      (await meshc(['compile', '.', '--out', 'dist', '--signing-key', '../../../signing.pem'], { cwd: b }))
        .code,
    ).toBe(0);
    const ta = await hashTree(join(a, 'dist'));
    expect(Object.keys(ta).length).toBeGreaterThan(10);
    expect(await hashTree(join(b, 'dist'))).toEqual(ta);
    expect(readJson(join(a, 'dist', 'index.json')).commit).toBe(sha);
  });
});

describe('meshc compile --target template:FILE', () => {
  /** `meshc compile` of examples/shop into `out`, unsigned, for `target`. */
  const compileShop = (out: string, target: string, spec = SHOP) =>
    meshc(['compile', spec, '--out', out, '--unsigned', '--target', target]);

  it('renders the ConfigMap example per service, carrying each bundle byte for byte', async () => {
    const out = join(temp.dir, 'dist');
    const { code, out: stdout } = await compileShop(out, `native,template:${CONFIGMAP}`);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\(\+ template:.*configmap\.yaml\.hbs\)/);
    const index = readJson(join(out, 'index.json'));
    for (const [svc, version] of Object.entries(index.services as Record<string, string>)) {
      const cm = parseYaml(readFileSync(join(out, 'templates', svc, 'configmap.yaml'), 'utf8'));
      expect(cm.kind).toBe('ConfigMap');
      expect(cm.metadata.name).toBe(`meshc-bundle-${svc}`);
      expect(cm.metadata.annotations['meshc.dev/bundle-version']).toBe(version);
      expect(cm.data['bundle.json']).toBe(readFileSync(join(out, storePaths.bundle(svc, version)), 'utf8'));
    }
  });

  const WRITES = 'a {{...}} writes only text, numbers and true or false';

  it('refuses a {{...}} that would write an object, a list or null, and leaves the store as it was', async () => {
    const out = join(temp.dir, 'dist');
    expect((await compileShop(out, `native,template:${CONFIGMAP}`)).code).toBe(0);
    const before = await snapshotTree(out);
    const refused = async (name: string, text: string) => {
      writeFileSync(join(temp.dir, name), text);
      const run = await compileShop(out, `native,template:${name}`);
      expect([run.code, run.err]).toEqual([1, 'meshc compile: a template has errors; nothing was written\n']);
      return run.out;
    };
    // It rendered "outbound: " for details and "[object Object],[object Object]" for productpage.
    const list = await refused('list.yaml.hbs', 'data:\n  outbound: {{bundle.outbound}}\n');
    expect(list).toMatch(/list\.yaml\.hbs:2:13\n/);
    expect(list).toContain(
      `error[MC5005]: template failed for service details: bundle.outbound is an empty list: ${WRITES}\n`,
    );
    expect(list).toContain(
      'hint: write it as JSON with {{json bundle.outbound}} (under a YAML key, {{indent (json bundle.outbound 2) 4}}), or go through it with {{#each bundle.outbound}}...{{/each}}\n',
    );
    const object = await refused('object.yaml.hbs', 'a: 1\nid: "{{bundle.identity}}"\n');
    expect(object).toMatch(/object\.yaml\.hbs:2:6\n/);
    expect(object).toContain(
      `template failed for service details: bundle.identity is an object (spiffeId, trustDomain): ${WRITES}\n`,
    );
    expect(object).toContain(
      'hint: name one of its fields, like {{bundle.identity.spiffeId}}; write it as JSON',
    );
    expect(object).toMatch(/6 services, \d+ routes: 1 error/);
    expect(await snapshotTree(out)).toEqual(before);
  });

  it('refuses a {{...}} writing null: commit when the spec is at no commit', async () => {
    const spec = join(temp.dir, 'shop');
    cpSync(SHOP, spec, { recursive: true });
    writeFileSync(join(temp.dir, 'commit.yaml.hbs'), 'commit: "{{commit}}"\n');
    const out = join(temp.dir, 'dist');
    const run = await compileShop(out, 'template:commit.yaml.hbs', spec);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/commit\.yaml\.hbs:1:10\n/);
    expect(run.out).toContain(`template failed for service details: commit is null: ${WRITES}\n`);
    expect(run.out).toContain(
      'hint: test it first with {{#if commit}}...{{/if}}, or write {{json commit}}, which writes null\n',
    );
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a template that is not UTF-8 at its first bad byte, and leaves the store as it was', async () => {
    const out = join(temp.dir, 'dist');
    expect((await compileShop(out, `native,template:${CONFIGMAP}`)).code).toBe(0);
    const before = await snapshotTree(out);
    const bytes = (...parts: (string | number[])[]) =>
      Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
    // Latin-1 é: it was rendered as U+FFFD, exit 0.
    writeFileSync(join(temp.dir, 'latin1.yaml.hbs'), bytes('name: {{service}}\nowner: caf', [0xe9], '\n'));
    const latin1 = await compileShop(out, 'native,template:latin1.yaml.hbs');
    expect([latin1.code, latin1.err]).toEqual([
      1,
      'meshc compile: a template has errors; nothing was written\n',
    ]);
    expect(latin1.out).toMatch(/latin1\.yaml\.hbs:2:11\n/);
    expect(latin1.out).toContain(
      'error[MC5005]: template is not valid UTF-8: byte 0xE9 here is not part of a UTF-8 character\n',
    );
    expect(latin1.out).toContain(
      'hint: save the template as UTF-8 (for example with `iconv -f latin1 -t utf-8`)\n',
    );
    expect(latin1.out).toMatch(/6 services, \d+ routes: 1 error/);
    // Counted as Handlebars counts a template's positions: a leading BOM takes no column, a lone CR
    // ends a line; and at the bad byte, not at a U+FFFD written before it.
    writeFileSync(
      join(temp.dir, 'cut.yaml.hbs'),
      bytes([0xef, 0xbb, 0xbf], 'a: \uFFFD ok\rb: x ', [0xe2, 0x82], 'A\n'),
    );
    writeFileSync(join(temp.dir, 'unclosed.yaml.hbs'), 'a: 1\n{{#if commit}}\n');
    const both = await compileShop(out, 'template:cut.yaml.hbs,template:unclosed.yaml.hbs');
    expect(both.code).toBe(1);
    expect(both.out).toMatch(/cut\.yaml\.hbs:2:6\n/);
    expect(both.out).toContain('template is not valid UTF-8: byte 0xE2 here');
    expect(both.out).toMatch(/unclosed\.yaml\.hbs:2:1\n/);
    expect(both.out).toMatch(/6 services, \d+ routes: 2 errors/);
    writeFileSync(join(temp.dir, 'utf16.yaml.hbs'), Buffer.from('\ufeffname: {{service}}\n', 'utf16le'));
    const utf16 = await compileShop(out, 'template:utf16.yaml.hbs');
    expect(utf16.code).toBe(1);
    expect(utf16.out).toMatch(/utf16\.yaml\.hbs:1:1\n/);
    expect(utf16.out).toContain('error[MC5005]: template is UTF-16, not UTF-8\n');
    expect(utf16.out).toContain(
      'hint: save the template as UTF-8 (for example with `iconv -f utf-16 -t utf-8`)\n',
    );
    expect(await snapshotTree(out)).toEqual(before);
  });

  it('drops a UTF-8 BOM: not written into the rendered file, no column on line 1', async () => {
    const out = join(temp.dir, 'dist');
    writeFileSync(join(temp.dir, 'bom.yaml.hbs'), '\ufeffname: {{service}}\n');
    expect((await compileShop(out, 'template:bom.yaml.hbs')).code).toBe(0);
    expect(readFileSync(join(out, 'templates/details/bom.yaml'))).toEqual(Buffer.from('name: details\n'));
    writeFileSync(join(temp.dir, 'bom-bad.yaml.hbs'), '\ufeffname: {{bundle.nope}}\n');
    const bad = await compileShop(join(temp.dir, 'dist2'), 'template:bom-bad.yaml.hbs');
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/bom-bad\.yaml\.hbs:1:9\n/);
  });

  it.each([
    ['broken.yaml.hbs', Buffer.from('a: 1\nc: {{bundle.nope.deeper}}\n'), 2, 6, 'bundle.nope is not defined'],
    ['object.yaml.hbs', Buffer.from('a: 1\nid: {{bundle.identity}}\n'), 2, 5, 'bundle.identity is an object'],
    ['latin1.yaml.hbs', Buffer.from([...Buffer.from('a: 1\nb: caf'), 0xe9, 0x0a]), 2, 7, 'not valid UTF-8'],
  ])('puts %s in the one document a machine format writes', async (name, bytes, line, col, message) => {
    writeFileSync(join(temp.dir, name), bytes);
    const run = (format: string) =>
      meshc([
        'compile',
        SHOP,
        '--out',
        join(temp.dir, `dist-${format}`),
        '--unsigned',
        '--target',
        `template:${name}`,
        '--format',
        format,
      ]);
    const json = await run('json');
    expect([json.code, json.err]).toEqual([1, 'meshc compile: a template has errors; nothing was written\n']);
    const doc = JSON.parse(json.out) as {
      diagnostics: { code: string; file: string; line: number; col: number; message: string }[];
    };
    expect(doc.diagnostics).toEqual([
      expect.objectContaining({
        code: 'MC5005',
        file: name,
        line,
        col,
        message: expect.stringContaining(message),
      }),
    ]);
    const sarif = await run('sarif');
    const results = (JSON.parse(sarif.out) as { runs: { results: { ruleId: string }[] }[] }).runs[0]!.results;
    expect(results.map((r) => r.ruleId)).toEqual(['MC5005']);
    const github = await run('github');
    expect(
      github.out.match(new RegExp(`^::error file=${name.replace('.', '\\.')},line=${line},col=${col}`, 'gm')),
    ).toHaveLength(1);
    expect(github.out).not.toMatch(/0 errors/);
    expect(existsSync(join(temp.dir, 'dist-json'))).toBe(false);
  });

  it('refuses two templates rendering one file as a usage error, before reading anything', async () => {
    const out = join(temp.dir, 'dist');
    const clash = await compileShop(out, 'native,template:d1/x.yaml.hbs,template:d2/x.yaml.hbs');
    expect([clash.code, clash.out]).toEqual([2, '']);
    expect(clash.err).toMatch(
      /^meshc compile: template:d1\/x\.yaml\.hbs and template:d2\/x\.yaml\.hbs would both render templates\/<service>\/x\.yaml: rename one of them\n/,
    );
    expect(clash.err).toMatch(/Run 'meshc compile --help' for details/);
    // A control character in the name is shown escaped, never sent to the terminal.
    const control = await compileShop(out, 'template:a\u001b[2J.hbs');
    expect(control.code).toBe(2);
    expect(control.err).toContain('template file name a\\x1b[2J.hbs holds a control character');
    expect(control.err).not.toContain('\u001b');
    expect(existsSync(out)).toBe(false);
  });

  it('reports a template error at the template file:line and writes nothing', async () => {
    writeFileSync(
      join(temp.dir, 'broken.yaml.hbs'),
      'a: 1\nb: {{bundle.identity.spiffeId}}\nc: {{bundle.nope.deeper}}\n',
    );
    writeFileSync(join(temp.dir, 'unclosed.yaml.hbs'), 'a: 1\n{{#if commit}}\nb: 2\n');
    const out = join(temp.dir, 'dist');
    const render = await compileShop(out, 'template:broken.yaml.hbs');
    expect(render.code).toBe(1);
    // At the first name that is missing (bundle.nope), not at its last one; the summary counts the spec.
    expect(render.out).toMatch(/broken\.yaml\.hbs:3:6\n/);
    expect(render.out).toMatch(/MC5005/);
    expect(render.out).toMatch(
      /template failed for service \w+: bundle\.nope is not defined \(bundle has commit, /,
    );
    expect(render.out).toMatch(/6 services, \d+ routes: 1 error/);
    expect(existsSync(out)).toBe(false);
    // At the block left open, not past the end of the file; in words, not the parser's tokens; and
    // with the spec's summary (it said "0 services, 0 routes").
    const parse = await compileShop(out, 'template:unclosed.yaml.hbs');
    expect(parse.code).toBe(1);
    expect(parse.out).toMatch(/unclosed\.yaml\.hbs:2:1\n/);
    expect(parse.out).toMatch(/template does not parse: \{\{#if\}\} is never closed: add \{\{\/if\}\}\n/);
    expect(parse.out).not.toMatch(/Expecting|EOF/);
    expect(parse.out).toMatch(/6 services, \d+ routes: 1 error/);
    expect(existsSync(out)).toBe(false);
  });
});
