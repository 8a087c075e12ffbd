// The CI templates, run for real: examples/ci/recipe.sh (the commands the GitHub workflow runs too)
// with the built `meshc` on PATH, on a temporary git repository with a main branch and a feature
// branch of several commits. Checks exit codes, the plan files, annotations and the published store.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { PlanReport } from '../../compiler/diff/types.js';
import { git, makeTempDir } from '../helpers/spec-fixtures.js';
import { applyEdits } from './plan-repo.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RECIPE = join(ROOT, 'examples/ci/recipe.sh');
const WORKFLOW = join(ROOT, 'examples/ci/github-actions.yml');

let tmp: { dir: string; cleanup: () => void };
let repo: string;
let bin: string;

function commit(message: string): void {
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', message);
}

beforeAll(() => {
  tmp = makeTempDir('meshc-ci-');
  repo = join(tmp.dir, 'repo');
  bin = join(tmp.dir, 'bin');
  cpSync(join(ROOT, 'examples/shop'), join(repo, 'mesh'), { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  commit('the shop');
  git(repo, 'checkout', '-q', '-b', 'feature');
  applyEdits(join(repo, 'mesh'), {
    'services/reviews.yaml': [
      ['{ version: v1, weight: 90 }', '{ version: v1, weight: 75 }'],
      ['{ version: v2, weight: 10 }', '{ version: v2, weight: 25 }'],
    ],
  });
  commit('canary to 25%');
  applyEdits(join(repo, 'mesh'), {
    'services/details.yaml': [['from: [productpage]', 'from: [productpage, gateway]']],
  });
  commit('gateway reads details');
  // `meshc` on PATH is the package's own executable, as an installed CLI would be.
  cpSync(join(ROOT, 'examples/ci'), join(tmp.dir, 'ci'), { recursive: true });
  execFileSync('mkdir', ['-p', bin]);
  writeFileSync(
    join(bin, 'meshc'),
    `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin/meshc.js')}" "$@"\n`,
  );
  chmodSync(join(bin, 'meshc'), 0o755);
});
afterAll(() => tmp.cleanup());

function recipe(step: string, env: Record<string, string> = {}) {
  const result = spawnSync('sh', [RECIPE, step], {
    cwd: repo,
    encoding: 'utf8',
    env: {
      PATH: `${bin}${delimiter}${process.env['PATH'] ?? ''}`,
      HOME: tmp.dir,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      MESHC_SPEC: 'mesh',
      MESHC_BASE: 'main',
      ...env,
    },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('recipe.sh pr', () => {
  it('validates, then writes the plan as markdown and JSON', () => {
    const out = join(tmp.dir, 'plan-1');
    const r = recipe('pr', { MESHC_OUT: out });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('0 errors, 0 warnings');
    const md = readFileSync(join(out, 'plan.md'), 'utf8');
    expect(md).toMatch(/^\| productpage \| 1 change \| /m);
    expect(md).toContain('route canary: v1 90% → 75%, v2 10% → 25%');
    expect(md).toContain('**authz-widened** (details)');
    const json = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as PlanReport;
    expect(json.status).toBe('ok');
    expect(json.base.commit).toBe(git(repo, 'rev-parse', 'main'));
    expect(json.head.commit).toBe(git(repo, 'rev-parse', 'HEAD'));
    expect(json.services.map((s) => s.service)).toEqual(['details', 'productpage']);
    expect(json.summary.unchanged).toBe(4);
    expect(json.risks.map((x) => x.kind)).toEqual(['authz-widened']);
  });

  it('fails on a risk flag when asked, and still writes the plan', () => {
    const out = join(tmp.dir, 'plan-2');
    const r = recipe('pr', { MESHC_OUT: out, MESHC_FAIL_ON_RISK: '1' });
    expect(r.code).toBe(1);
    expect(r.err).toContain('1 risk flag(s) raised (--fail-on risk)');
    expect(readFileSync(join(out, 'plan.md'), 'utf8')).toContain('authz-widened');
    expect(existsSync(join(out, 'plan.json'))).toBe(true);
  });

  // Without a plan, the pull request would keep the comment about its previous head, which validated.
  it('turns problems into workflow annotations, fails, and writes a plan saying the head does not validate', () => {
    applyEdits(join(repo, 'mesh'), { 'services/ratings.yaml': [['weight: 20 }', 'weight: 30 }']] });
    try {
      const out = join(tmp.dir, 'plan-3');
      const r = recipe('pr', { MESHC_OUT: out, MESHC_VALIDATE_FORMAT: 'github' });
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/^::error file=mesh\/services\/ratings\.yaml,line=\d+/m);
      expect(r.out).toContain('MC3008');
      const md = readFileSync(join(out, 'plan.md'), 'utf8');
      expect(md).toContain('The head does not validate (1 error)');
      expect(md).toMatch(/^- mesh\/services\/ratings\.yaml:\d+:\d+ error \*\*MC3008\*\*/m);
      const json = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as PlanReport;
      expect(json.status).toBe('head-invalid');
    } finally {
      git(repo, 'checkout', '--', 'mesh');
    }
  });
});

describe('recipe.sh pr when nothing can be planned', () => {
  it('leaves no plan.md to post (an unfetched base ref) and fails with the reason', () => {
    const out = join(tmp.dir, 'plan-4');
    const r = recipe('pr', { MESHC_OUT: out, MESHC_BASE: 'origin/not-fetched' });
    expect(r.code).toBe(2);
    expect(r.err).toContain('origin/not-fetched');
    expect(existsSync(join(out, 'plan.md'))).toBe(false);
  });
});

describe('recipe.sh merge', () => {
  it('refuses to run without a signing key', () => {
    const r = recipe('merge', { MESHC_STORE: join(tmp.dir, 'store-0') });
    expect(r.code).toBe(2);
    expect(r.err).toContain('set MESHC_SIGNING_KEY');
  });

  it('compiles a signed store from HEAD and publishes it; a later merge keeps untouched versions', () => {
    const keys = join(tmp.dir, 'keys');
    execFileSync(process.execPath, [join(ROOT, 'bin/meshc.js'), 'keys', 'init', '--out', keys]);
    const store = join(tmp.dir, 'store');
    const published = join(tmp.dir, 'published');
    writeFileSync(join(tmp.dir, 'publish.sh'), `rm -rf "${published}" && cp -R "$1" "${published}"\n`);
    const env = {
      MESHC_STORE: store,
      MESHC_SIGNING_KEY: join(keys, 'bundle-signing.key'),
      MESHC_PUBLISH: `sh ${join(tmp.dir, 'publish.sh')}`,
    };
    const first = recipe('merge', env);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    const index = () =>
      JSON.parse(readFileSync(join(published, 'index.json'), 'utf8')) as {
        commit: string;
        services: Record<string, string>;
      };
    const before = index();
    expect(before.commit).toBe(git(repo, 'rev-parse', 'HEAD'));
    const services = readdirSync(join(published, 'services')).sort();
    expect(services).toEqual(['details', 'gateway', 'mysql', 'productpage', 'ratings', 'reviews']);
    for (const s of services) {
      expect(existsSync(join(published, 'services', s, 'manifest.json'))).toBe(true);
      expect(readdirSync(join(published, 'services', s, 'bundles')).some((f) => f.endsWith('.sig'))).toBe(
        true,
      );
    }

    applyEdits(join(repo, 'mesh'), { 'services/reviews.yaml': [['      timeout: 2s', '      timeout: 4s']] });
    commit('longer canary timeout');
    const second = recipe('merge', env);
    expect(second.code, second.out + second.err).toBe(0);
    const after = index();
    expect(after.commit).toBe(git(repo, 'rev-parse', 'HEAD'));
    // Only productpage calls reviews: the others keep their published version.
    for (const s of services) {
      expect(after.services[s]).toMatch(/^[0-9a-f]{16}$/);
      const same = after.services[s] === before.services[s];
      expect([s, same]).toEqual([s, s !== 'productpage']);
    }
  });
});

describe('the GitHub Actions workflow', () => {
  it('runs the same recipe steps, validates with annotations and keeps the plan comment', () => {
    const workflow = parse(readFileSync(WORKFLOW, 'utf8')) as {
      jobs: Record<
        string,
        { steps: { run?: string; env?: Record<string, string>; uses?: string; if?: string; with?: object }[] }
      >;
    };
    const runs = Object.values(workflow.jobs).flatMap((j) => j.steps.map((s) => s.run ?? ''));
    expect(runs).toContain('sh ci/recipe.sh pr');
    expect(runs).toContain('sh ci/recipe.sh merge');
    const plan = workflow.jobs['plan']!.steps.find((s) => s.run === 'sh ci/recipe.sh pr')!;
    expect(plan.env).toMatchObject({ MESHC_VALIDATE_FORMAT: 'github', MESHC_OUT: 'meshc-plan' });
    // The comment is posted when the recipe failed too: its plan then says the head does not validate.
    const comment = workflow.jobs['plan']!.steps.find((s) => s.uses?.startsWith('actions/github-script'));
    expect(comment?.if).toMatch(/^always\(\) && /);
    // A long plan's comment is shortened; the whole plan stays in the run's artifact.
    const upload = workflow.jobs['plan']!.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'));
    expect(upload).toMatchObject({ if: 'always()', with: { name: 'meshc-plan', path: 'meshc-plan/' } });
  });
});
