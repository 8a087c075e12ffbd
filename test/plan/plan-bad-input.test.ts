// `meshc plan` on input it cannot plan: unknown refs, refs without a spec, a base or head that does
// not validate, bad options and templates. Each gets a clear message and a non-zero exit, never a stack.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../compiler/cli/main.js';
import type { PlanReport } from '../../compiler/diff/types.js';
import { FIXED_NOW } from '../compile/helpers.js';
import { captureIo } from '../helpers/cli-io.js';
import { git, makeTempDir } from '../helpers/spec-fixtures.js';
import { applyEdits } from './plan-repo.js';

const SHOP = fileURLToPath(new URL('../../examples/shop', import.meta.url));
let dir: string;
let cleanup: () => void;

function commit(tag: string): void {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', tag);
  git(dir, 'tag', tag);
}

beforeAll(() => {
  ({ dir, cleanup } = makeTempDir('meshc-plan-bad-'));
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'README.md'), 'spec repo\n');
  commit('empty');
  mkdirSync(join(dir, 'mesh'));
  writeFileSync(join(dir, 'mesh', 'notes.txt'), 'the spec will live here\n');
  commit('nospec');
  cpSync(SHOP, join(dir, 'mesh'), { recursive: true });
  commit('good');
  applyEdits(join(dir, 'mesh'), { 'services/ratings.yaml': [['weight: 20 }', 'weight: 30 }']] });
  commit('broken');
  applyEdits(join(dir, 'mesh'), {
    'services/ratings.yaml': [['weight: 30 }', 'weight: 20 }']],
    'services/details.yaml': [['  port: 9081\n', '  port: 9081\n  calls: [ratings]\n']],
  });
  commit('warned');
});
afterAll(() => cleanup());

async function plan(...args: string[]) {
  const io = { ...captureIo({ cwd: dir }), now: () => FIXED_NOW };
  const code = await runCli(['plan', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

const NO_STACK = /^\s+at /m;

/** good -> warned as markdown through the template file `name` in the repository. */
const planWithTemplate = (name: string) =>
  plan('--base', 'good', '--head', 'warned', 'mesh', '--format', 'markdown', '--template', name);

describe('refs that cannot be read', () => {
  it('names an unknown base ref, with a hint, exit 2', async () => {
    const r = await plan('--base', 'nope', 'mesh');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('error[SOURCE_UNKNOWN_REF]: --base nope: unknown git ref "nope"');
    expect(r.err).toContain('hint: ');
    expect(r.err).not.toMatch(NO_STACK);
  });

  it('names an unknown head ref, exit 2', async () => {
    const r = await plan('--base', 'good', '--head', 'no-such-branch', 'mesh');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--head no-such-branch: unknown git ref "no-such-branch"');
  });

  it('says when the spec path does not exist at the base, exit 2', async () => {
    const r = await plan('--base', 'empty', '--head', 'good', 'mesh');
    expect(r.code).toBe(2);
    expect(r.err).toContain('error[SOURCE_NOT_FOUND]: --base empty: mesh does not exist in empty');
  });

  it('says when the base has no spec files, exit 2', async () => {
    const r = await plan('--base', 'nospec', '--head', 'good', 'mesh');
    expect(r.code).toBe(2);
    expect(r.err).toContain('error[PLAN_NO_SPEC]: --base nospec: no spec files (*.yaml, *.yml) at mesh');
    expect(r.err).not.toMatch(NO_STACK);
  });
});

describe('a side that does not validate', () => {
  it('a broken base: says so, still reports the head diagnostics, exit 1', async () => {
    const json = await plan('--base', 'broken', '--head', 'warned', 'mesh', '--format', 'json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.out) as PlanReport;
    expect(report.status).toBe('base-invalid');
    expect(report.base).toMatchObject({ ref: 'broken', valid: false, errors: 1 });
    expect(report.head).toMatchObject({ ref: 'warned', valid: true, warnings: 1 });
    expect(report.diagnostics).toEqual([
      expect.objectContaining({
        code: 'MC3014',
        severity: 'warning',
        file: 'mesh/services/details.yaml',
        line: 12,
      }),
    ]);
    expect(report.services).toEqual([]);
    expect(json.err).toContain('the base broken has errors; nothing was compared');

    const text = await plan('--base', 'broken', '--head', 'warned', 'mesh');
    expect(text.code).toBe(1);
    expect(text.out).toContain('The base broken does not validate (1 error)');
    expect(text.out).toContain('mesh/services/details.yaml:12:11');
    expect(text.out).toContain('warning[MC3014]');

    const md = await plan('--base', 'broken', '--head', 'warned', 'mesh', '--format', 'markdown');
    expect(md.code).toBe(1);
    expect(md.out).toContain('❌ The base broken does not validate');
    expect(md.out).toContain('**MC3014**');
  });

  it('names files from the repository top in a PR comment, from the working directory in text', async () => {
    // Run from below the spec, as a CI step with its own working-directory would.
    const io = { ...captureIo({ cwd: join(dir, 'mesh', 'services') }), now: () => FIXED_NOW };
    const run = async (...args: string[]) => {
      const before = io.out().length;
      await runCli(['plan', '--base', 'broken', '--head', 'warned', '..', ...args], io);
      return io.out().slice(before);
    };
    const text = await run();
    expect(text).toContain('../services/details.yaml:12:11');
    const md = await run('--format', 'markdown');
    expect(md).toContain('mesh/services/details.yaml');
    expect(md).not.toContain('../services/details.yaml');
  });

  it('a broken head: its errors are the report, exit 1', async () => {
    const r = await plan('--base', 'good', '--head', 'broken', 'mesh', '--format', 'json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as PlanReport;
    expect(report.status).toBe('head-invalid');
    expect(report.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'MC3008', severity: 'error', file: 'mesh/services/ratings.yaml' }),
    );
  });
});

describe('options', () => {
  it.each([
    [['mesh'], '--base REF is required'],
    [['--base', 'good', '--format', 'yaml'], "unknown format 'yaml'"],
    [['--base', 'good', '--fail-on', 'warnings'], "unknown --fail-on value 'warnings'"],
    [['--base', 'good', '--template', 'x.hbs'], '--template applies to --format markdown only'],
    [['--base', 'good', '--retry-storm-threshold', '0'], '--retry-storm-threshold must be a whole number'],
    [
      ['--base', 'good', '--format', 'markdown', '--template', 'missing.hbs'],
      'cannot read template missing.hbs (no such file)',
    ],
  ])('%j is a usage error', async (args, message) => {
    const r = await plan(...args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).not.toMatch(NO_STACK);
  });

  it('a template that does not parse is refused with its name, exit 2', async () => {
    writeFileSync(join(dir, 'bad.hbs'), '{{#each services}}unclosed');
    const r = await planWithTemplate('bad.hbs');
    expect(r.code).toBe(2);
    expect(r.err).toContain('error[PLAN_TEMPLATE_INVALID]: template bad.hbs does not parse');
  });

  it('renders a custom template over the plan view', async () => {
    writeFileSync(
      join(dir, 'mine.hbs'),
      '{{#each services}}{{service}}:{{status}}:{{changeCount}};{{/each}} unchanged={{report.summary.unchanged}}\n',
    );
    const r = await planWithTemplate('mine.hbs');
    expect(r).toMatchObject({ code: 0, err: '' });
    // The new call to ratings (whose policies the native proxy now implements: no unsupported entry).
    expect(r.out).toBe('details:changed:1; unchanged=5\n');
  });

  it('plans the working tree when --head is omitted', async () => {
    applyEdits(join(dir, 'mesh'), {
      'services/details.yaml': [['from: [productpage]', 'from: [productpage, gateway]']],
    });
    try {
      const r = await plan('--base', 'warned', 'mesh', '--format', 'json', '--fail-on', 'risk');
      expect(r.code).toBe(1);
      const report = JSON.parse(r.out) as PlanReport;
      expect(report.head.ref).toBeNull();
      expect(report.risks.map((x) => `${x.kind}@${x.service}`)).toEqual(['authz-widened@details']);
    } finally {
      git(dir, 'checkout', '--', 'mesh');
    }
  });
});
