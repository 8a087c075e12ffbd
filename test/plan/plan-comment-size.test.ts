// The markdown plan fits a GitHub comment (65,536 characters; a longer one is refused and the old plan
// stays on the pull request). Large plans are built as plain data and rendered through the default
// template, so the tests stay fast; one CLI run checks that `meshc plan` renders through the limit.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../compiler/cli/main.js';
import { PLAN_COMMENT_MAX_CHARS, renderPlanComment } from '../../compiler/diff/fit-comment.js';
import { planView, withDiagnostics } from '../../compiler/diff/plan-view.js';
import { compilePlanTemplate, shortenLongValues } from '../../compiler/diff/render-markdown.js';
import {
  PLAN_FORMAT,
  type PlanDiagnostic,
  type PlanReport,
  type PlanRisk,
  type ServicePlan,
} from '../../compiler/diff/types.js';
import { FIXED_NOW } from '../compile/helpers.js';
import { captureIo } from '../helpers/cli-io.js';
import { buildPlanRepo, type PlanRepo } from './plan-repo.js';

const TEMPLATE = compilePlanTemplate(
  readFileSync(fileURLToPath(new URL('../../compiler/diff/templates/plan.md.hbs', import.meta.url)), 'utf8'),
  'plan.md.hbs',
);
const SIDE = { ref: 'main', commit: 'a'.repeat(40), valid: true, errors: 0, warnings: 0 };

/** A service like big/gen.mjs makes: its route to the next service got a longer timeout. */
function changed(i: number, value = '3s'): ServicePlan {
  return {
    service: `s${String(i).padStart(4, '0')}`,
    status: 'changed',
    bundle: {
      from: { version: 'f'.repeat(16), size: 900 },
      to: { version: 'e'.repeat(16), size: 901 },
      sizeDelta: 1,
    },
    changes: [
      {
        kind: 'route-timeout',
        scope: `outbound:s${i + 1}`,
        direction: 'raised',
        text: `route default: timeout 2s → ${value} (raised)`,
        source: `services/s${i + 1}.yaml:9`,
      },
    ],
    risks: [],
  };
}

function report(parts: {
  services?: ServicePlan[];
  risks?: PlanRisk[];
  diagnostics?: PlanDiagnostic[];
  status?: PlanReport['status'];
}): PlanReport {
  const services = parts.services ?? [];
  const risks = parts.risks ?? [];
  const errors = (parts.diagnostics ?? []).filter((d) => d.severity === 'error').length;
  return {
    format: PLAN_FORMAT,
    status: parts.status ?? 'ok',
    base: SIDE,
    head: { ...SIDE, ref: null, commit: null, valid: errors === 0, errors },
    diagnostics: parts.diagnostics ?? [],
    summary: {
      added: 0,
      removed: 0,
      changed: services.length,
      unchanged: 1,
      risks: risks.length,
      sizeDelta: 0,
    },
    services,
    risks,
    options: { retryStormThreshold: 10 },
  };
}

const diagnostic = (i: number, severity: string): PlanDiagnostic => ({
  code: 'MC3015',
  severity,
  message: `service s${i}: retries may take up to 9s, beyond the timeout of 3s`,
  file: `mesh/services/s${i}.yaml`,
  line: 9,
  col: 12,
});
const risk = (i: number): PlanRisk => ({
  kind: 'timeout-exceeds-caller',
  service: `s${String(i).padStart(4, '0')}`,
  text: `s${i} waits 3s for s${i + 1}, its caller only 2s`,
  source: `services/s${i}.yaml:9`,
});

const detailsOf = (md: string) => md.match(/^<summary><b>(s\d+)<\/b>/gm)?.map((s) => s.slice(12, 17)) ?? [];

describe('a plan too long for one comment', () => {
  const services = Array.from({ length: 1000 }, (_, i) => changed(i));
  const risks = [risk(3), risk(500), risk(998)];
  const warnings = Array.from({ length: 40 }, (_, i) => diagnostic(i, 'warning'));
  const view = planView(report({ services, risks, diagnostics: warnings }));
  const md = renderPlanComment(TEMPLATE, view);

  it('is far over the limit whole, and within it shortened', () => {
    expect(TEMPLATE(view).length).toBeGreaterThan(200_000);
    expect(md.length).toBeLessThanOrEqual(PLAN_COMMENT_MAX_CHARS);
    expect(md.length).toBeGreaterThan(PLAN_COMMENT_MAX_CHARS - 1_000);
  });

  it('starts with the whole summary and every risk flag', () => {
    const lines = md.split('\n');
    expect(lines[2]).toBe('1000 services changed; bundles ±0 B. 1 service unchanged. **3 risks flagged.**');
    const at = (text: string) => md.indexOf(text);
    for (const r of risks) expect(at(`**timeout-exceeds-caller** (${r.service})`)).toBeGreaterThan(0);
    expect(at('#### ⚠️ Risks')).toBeLessThan(at('| Service |'));
  });

  it('leaves out the warnings, then services from the end, and says so last', () => {
    const shown = detailsOf(md);
    expect(shown.length).toBeGreaterThan(50);
    expect(shown).toEqual(services.slice(0, shown.length).map((s) => s.service));
    expect(md).not.toContain('warning(s) in the head');
    expect(md.trimEnd().split('\n').at(-1)).toBe(
      `**Plan shortened:** this comment leaves out 40 of 40 warnings and ${(1000 - shown.length).toLocaleString('en-US')} of 1,000 services ` +
        "to stay under GitHub's limit of 65,536 characters. The whole plan: `meshc plan --format json` " +
        "(or `--format text`); in CI, `plan.json` in the run's artifact.",
    );
  });

  it('keeps as many services as fit: one more would not', () => {
    const shown = detailsOf(md).length;
    const lastLine = md.slice(md.lastIndexOf('\n\n**Plan shortened'));
    const oneMore = { ...view, services: view.services.slice(0, shown + 1), ...withDiagnostics([]) };
    expect(TEMPLATE(oneMore).length + lastLine.length).toBeGreaterThan(PLAN_COMMENT_MAX_CHARS);
  });
});

describe('a plan that fits', () => {
  it('is the template output, unchanged', () => {
    const view = planView(
      report({ services: [changed(1), changed(2)], diagnostics: [diagnostic(1, 'warning')] }),
    );
    expect(renderPlanComment(TEMPLATE, view)).toBe(TEMPLATE(view));
    expect(TEMPLATE(view)).not.toContain('Plan shortened');
  });
});

describe('a head that does not validate', () => {
  it('lists its first diagnostics and counts the rest', () => {
    const diagnostics = Array.from({ length: 5000 }, (_, i) => diagnostic(i, 'error'));
    const md = renderPlanComment(TEMPLATE, planView(report({ status: 'head-invalid', diagnostics })));
    expect(md.length).toBeLessThanOrEqual(PLAN_COMMENT_MAX_CHARS);
    expect(md).toContain('❌ The head does not validate (5000 errors)');
    const listed = md.match(/^- mesh\/services\/s\d+\.yaml:9:12 error/gm)?.length ?? 0;
    expect(listed).toBeGreaterThan(100);
    expect(md).toContain(`leaves out ${(5000 - listed).toLocaleString('en-US')} of 5,000 diagnostics`);
  });
});

describe('a template of its own that writes more than the lists', () => {
  it('is cut at a line end, its open <details> closed before the last line', () => {
    const own = compilePlanTemplate(
      '<details>\n{{#each report.services}}\n- {{md service}}: {{md statusText}}\n{{/each}}\n</details>\n',
      'own.hbs',
    );
    // `report` is the whole JSON report, never shortened: only a cut brings this under the limit.
    const services = Array.from({ length: 5000 }, (_, i) => ({ ...changed(i), statusText: 'x'.repeat(20) }));
    const md = renderPlanComment(own, planView(report({ services })), 10_000);
    expect(md.length).toBeLessThanOrEqual(10_000);
    expect(md).toMatch(
      /- s\d{4}: \S+\n\n<\/details>\n\n\*\*Plan shortened:\*\* this comment leaves out 5,000 of 5,000 services and the rest of the text/,
    );
  });
});

describe('an overlong value', () => {
  it('is shown by its start, an ellipsis and its length', () => {
    const long = `on${'a'.repeat(70_000)}`;
    expect(shortenLongValues(`header x-fault = ${long}`)).toBe(
      `header x-fault = on${'a'.repeat(98)}… (70,002 characters)`,
    );
    // Many words: the whole is cut.
    expect(shortenLongValues('word '.repeat(2000))).toBe(`${'word '.repeat(400)}… (10,000 characters)`);
    expect(shortenLongValues('GET /a, GET /b')).toBe('GET /a, GET /b');
  });

  it('keeps a plan with a 70,000-character header value small', () => {
    const value = `fixes-${'z'.repeat(70_000)}`;
    const md = renderPlanComment(TEMPLATE, planView(report({ services: [changed(1, value)] })));
    expect(md.length).toBeLessThan(2_000);
    expect(md).toContain(`- route default: timeout 2s → fixes-${'z'.repeat(94)}… (70,006 characters)`);
    expect(md).not.toContain('Plan shortened');
  });
});

describe('meshc plan --format markdown', () => {
  let repo: PlanRepo;
  beforeAll(() => {
    // A head with 1,000 errors: each a line of the comment (~100 characters).
    const unknown = Array.from({ length: 1000 }, (_, i) => `  unknownField${i}: 1\n`).join('');
    repo = buildPlanRepo([
      { tag: 'broken', edits: { 'services/ratings.yaml': [['spec:\n', `spec:\n${unknown}`]] } },
    ]);
  });
  afterAll(() => repo.cleanup());

  it('writes a comment within the limit', async () => {
    const io = { ...captureIo({ cwd: repo.dir }), now: () => FIXED_NOW };
    const code = await runCli(
      ['plan', '--base', 'base', '--head', 'broken', 'mesh', '--format', 'markdown'],
      io,
    );
    expect(code).toBe(1);
    expect(io.out().length).toBeLessThanOrEqual(PLAN_COMMENT_MAX_CHARS);
    expect(io.out()).toContain('❌ The head does not validate (1000 errors)');
    expect(io.out()).toMatch(/leaves out \d+ of 1,000 diagnostics/);
  });
});
