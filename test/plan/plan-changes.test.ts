// `meshc plan` between consecutive commits of a real git repository, one commit per kind of change:
// each change must appear in text, markdown and JSON with exactly the expected risk flags, and the
// services a change does not touch must be counted, never listed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../compiler/cli/main.js';
import { escapeMarkdown } from '../../compiler/diff/render-markdown.js';
import type { PlanReport } from '../../compiler/diff/types.js';
import { FIXED_NOW } from '../compile/helpers.js';
import { captureIo } from '../helpers/cli-io.js';
import { buildPlanRepo, type PlanRepo } from './plan-repo.js';
import { SERVICES, STEPS } from './steps.js';

let repo: PlanRepo;
beforeAll(() => {
  repo = buildPlanRepo(STEPS);
});
afterAll(() => repo.cleanup());

async function plan(base: string, head: string, format: string, ...extra: string[]) {
  const io = { ...captureIo({ cwd: repo.dir }), now: () => FIXED_NOW };
  const code = await runCli(
    ['plan', '--base', base, '--head', head, 'mesh', '--format', format, ...extra],
    io,
  );
  return { code, out: io.out(), err: io.err() };
}

describe.each(STEPS.map((step, i) => ({ ...step, base: i === 0 ? 'base' : STEPS[i - 1]!.tag })))(
  'meshc plan for the commit "$tag"',
  ({ tag, base, expect: want }) => {
    let json: PlanReport;
    let text: string;
    let markdown: string;
    beforeAll(async () => {
      const [j, t, m] = [
        await plan(base, tag, 'json'),
        await plan(base, tag, 'text'),
        await plan(base, tag, 'markdown'),
      ];
      for (const r of [j, t, m]) expect(r, r.err).toMatchObject({ code: 0, err: '' });
      json = JSON.parse(j.out) as PlanReport;
      text = t.out;
      markdown = m.out;
    });

    it('lists exactly the affected services and counts the rest', () => {
      expect(json.status).toBe('ok');
      expect(json.services.map((s) => s.service)).toEqual(want.listed);
      expect(json.services.filter((s) => s.status === 'added').map((s) => s.service)).toEqual(
        want.added ?? [],
      );
      expect(json.services.filter((s) => s.status === 'removed').map((s) => s.service)).toEqual(
        want.removed ?? [],
      );
      const unchanged = SERVICES + (want.added?.length ?? 0) - want.listed.length;
      expect(json.summary.unchanged).toBe(unchanged);
      if (unchanged > 0) {
        expect(text).toContain(`${unchanged} service${unchanged === 1 ? '' : 's'} unchanged.`);
        expect(markdown).toContain(`${unchanged} service${unchanged === 1 ? '' : 's'} unchanged.`);
      }
      const all = ['details', 'gateway', 'mysql', 'productpage', 'ratings', 'reviews', 'search'];
      for (const name of all.filter((s) => !want.listed.includes(s))) {
        expect(text).not.toMatch(new RegExp(`^${name}: `, 'm'));
        expect(markdown).not.toContain(`<b>${name}</b>`);
      }
    });

    it('shows each change in every format', () => {
      for (const change of want.changes) {
        const service = json.services.find((s) => s.service === change.service);
        expect(service?.changes).toContainEqual(
          expect.objectContaining({ kind: change.kind, text: change.text }),
        );
        expect(text).toContain(change.text);
        expect(markdown).toContain(escapeMarkdown(change.text));
      }
    });

    it('raises exactly the expected risk flags', () => {
      const risks = json.risks.map((r) => `${r.kind}@${r.service}`).sort();
      expect(risks).toEqual([...want.risks].sort());
      expect(json.summary.risks).toBe(want.risks.length);
      for (const r of json.risks) {
        expect(text).toContain(`! ${r.kind}: ${r.text}`);
        expect(markdown).toContain(`**${r.kind}** (${r.service}): ${escapeMarkdown(r.text)}`);
      }
      expect(text).toContain(want.risks.length === 0 ? 'No risk flagged.' : `${want.risks.length} risk`);
    });

    it('reports bundle versions and the size delta', () => {
      for (const s of json.services) {
        expect(s.bundle.sizeDelta).toBe((s.bundle.to?.size ?? 0) - (s.bundle.from?.size ?? 0));
        if (s.status === 'changed') expect(s.bundle.from!.version).not.toBe(s.bundle.to!.version);
        const shown = s.bundle.from && s.bundle.to ? `${s.bundle.from.version} → ${s.bundle.to.version}` : '';
        if (s.status === 'changed') expect(text).toContain(shown);
      }
      expect(json.summary.sizeDelta).toBe(json.services.reduce((n, s) => n + s.bundle.sizeDelta, 0));
    });

    it('fails with --fail-on risk exactly when a risk is flagged', async () => {
      const { code, err } = await plan(base, tag, 'text', '--fail-on', 'risk');
      expect(code).toBe(want.risks.length > 0 ? 1 : 0);
      if (want.risks.length > 0) expect(err).toContain('risk flag(s) raised');
    });
  },
);

describe('markdown for a pull-request comment', () => {
  it('has a summary table and a collapsible section per listed service', async () => {
    const { out } = await plan('base', 'dependency', 'markdown');
    expect(out).toMatch(/^\| Service \| Status \| Bundle \| Size \| Risks \|$/m);
    const listed = ['details', 'productpage', 'reviews'];
    for (const name of listed) {
      expect(out).toMatch(new RegExp(`^\\| ${name} \\| `, 'm'));
      expect(out).toContain(`<summary><b>${name}</b>`);
    }
    expect(out.match(/<details/g)?.length).toBe(listed.length + 1 /* head warnings */);
    expect(out).toContain('MC3014');
  });

  it('is the same report whatever the format: JSON is stable across runs', async () => {
    const a = await plan('base', 'routes', 'json');
    const b = await plan('base', 'routes', 'json');
    expect(a.out).toBe(b.out);
  });
});

describe('a trust root added', () => {
  it('is a risk citing the line of mesh.yaml that lists it', async () => {
    const { out } = await plan('mtls', 'trust-root', 'json');
    const report = JSON.parse(out) as PlanReport;
    expect(report.risks).toEqual([
      {
        kind: 'trust-root-added',
        service: 'details',
        text: 'trust root added: all 6 proxies now accept a certificate it issues, for whatever service identity it names',
        source: 'mesh.yaml:16',
      },
    ]);
  });
});
