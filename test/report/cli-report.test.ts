// `meshc report` in-process through runCli: writes the page (also from a git ref), replaces it
// atomically, refuses a spec with errors, and answers bad arguments and unwritable paths in one line.
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../compiler/cli/main.js';
import { captureIo } from '../helpers/cli-io.js';
import { commitAll, git, makeTempDir } from '../helpers/spec-fixtures.js';
import { FIXED_NOW } from '../compile/helpers.js';
import { SHOP_DIR } from './fixtures.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir('meshc-report-');
});
afterEach(() => temp.cleanup());

async function meshc(args: string[], cwd = temp.dir) {
  const io = { ...captureIo({ cwd }), now: () => FIXED_NOW };
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

const serviceNodes = (html: string) =>
  [...html.matchAll(/<g class="node" data-service="([^"]+)">/g)].map((m) => m[1]);

describe('meshc report', () => {
  it('writes the page of examples/shop, creating the parent directory', async () => {
    const result = await meshc(['report', SHOP_DIR, '--out', 'out/shop.html']);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toBe('meshc report: wrote out/shop.html (6 services, 10 routes)\n');
    const html = readFileSync(join(temp.dir, 'out/shop.html'), 'utf8');
    expect(serviceNodes(html)).toEqual(['details', 'gateway', 'mysql', 'productpage', 'ratings', 'reviews']);
  });

  it('replaces an existing page atomically, leaving no temp file behind', async () => {
    writeFileSync(join(temp.dir, 'report.html'), 'old page');
    const result = await meshc(['report', SHOP_DIR, '--out', 'report.html']);
    expect(result.code).toBe(0);
    expect(readFileSync(join(temp.dir, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/);
    expect(readdirSync(temp.dir)).toEqual(['report.html']);
  });

  it('reports the spec at a git ref, naming its commit', async () => {
    const repo = join(temp.dir, 'repo');
    cpSync(SHOP_DIR, repo, { recursive: true });
    const first = commitAll(repo);
    // A later commit removes mysql; the report of the first commit still has it.
    const ratings = join(repo, 'services/ratings.yaml');
    writeFileSync(
      ratings,
      readFileSync(ratings, 'utf8').split('\n---\n')[0]!.replace('  calls: [mysql]\n', ''),
    );
    git(repo, 'commit', '-q', '-am', 'drop mysql');
    const result = await meshc(['report', 'repo', '--ref', first, '--out', 'then.html']);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const html = readFileSync(join(temp.dir, 'then.html'), 'utf8');
    expect(serviceNodes(html)).toContain('mysql');
    expect(html).toContain(`commit <code>${first}</code>`);
    const now = await meshc(['report', 'repo', '--out', 'now.html']);
    expect(now.code).toBe(0);
    expect(serviceNodes(readFileSync(join(temp.dir, 'now.html'), 'utf8'))).not.toContain('mysql');
  });

  it('refuses a spec with errors: prints them, exits 1, writes nothing', async () => {
    const spec = join(temp.dir, 'spec');
    cpSync(SHOP_DIR, spec, { recursive: true });
    const reviews = join(spec, 'services/reviews.yaml');
    writeFileSync(reviews, readFileSync(reviews, 'utf8').replace('calls: [ratings]', 'calls: [ratingz]'));
    const result = await meshc(['report', 'spec', '--out', 'page.html']);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/spec\/services\/reviews\.yaml:\d+:\d+/);
    expect(result.out).toContain('ratingz');
    expect(result.err).toBe('meshc report: the spec has errors; no report was written\n');
    expect(readdirSync(temp.dir)).toEqual(['spec']);
  });

  it('lists warnings on stderr and still writes the page', async () => {
    const spec = join(temp.dir, 'spec');
    cpSync(SHOP_DIR, spec, { recursive: true });
    // details admits only productpage: gateway calling it is a warning (MC3014), drawn as denied.
    const gateway = join(spec, 'services/gateway.yaml');
    writeFileSync(
      gateway,
      readFileSync(gateway, 'utf8').replace('calls: [productpage]', 'calls: [details, productpage]'),
    );
    const result = await meshc(['report', 'spec', '--out', 'page.html']);
    expect(result.code).toBe(0);
    expect(result.err).toContain('MC3014');
    const html = readFileSync(join(temp.dir, 'page.html'), 'utf8');
    expect(html).toMatch(/<g class="edge denied" data-from="gateway" data-to="details"/);
    expect(html).toContain('<section id="warnings">');
  });

  it('needs --out', async () => {
    const result = await meshc(['report', SHOP_DIR]);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^meshc report: --out FILE\.html is required\n/);
  });

  it('answers an unwritable --out in one line with a code, exit 2', async () => {
    mkdirSync(join(temp.dir, 'taken'));
    const result = await meshc(['report', SHOP_DIR, '--out', 'taken']);
    expect(result.code).toBe(2);
    expect(result.err).toBe(
      'meshc: error[REPORT_WRITE_FAILED]: cannot write taken (it is a directory); nothing was written\n' +
        '  hint: pass --out with a file path in a writable directory\n',
    );
    expect(readdirSync(join(temp.dir, 'taken'))).toEqual([]);
    expect(readdirSync(temp.dir)).toEqual(['taken']);
  });

  it('answers a missing spec path in one line, exit 2', async () => {
    const result = await meshc(['report', 'nowhere', '--out', 'page.html']);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^meshc: error\[SOURCE_NOT_FOUND\]/);
    expect(result.err).not.toMatch(/\n\s+at /);
  });
});
