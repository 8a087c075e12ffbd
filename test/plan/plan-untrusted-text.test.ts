// Text in a spec is data, whatever it holds: the text plan must not send its control characters to a
// terminal or CI log, and the markdown plan must not let them (or mentions and links) turn into markup
// in the pull-request comment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../compiler/cli/main.js';
import { FIXED_NOW } from '../compile/helpers.js';
import { captureIo } from '../helpers/cli-io.js';
import { buildPlanRepo, type PlanRepo } from './plan-repo.js';

/** Control characters but tab and line feed: what a plan may never print raw. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

let repo: PlanRepo;
beforeAll(() => {
  const escape = 'jason\\e[2J\\e]0;pwned\\a';
  const markup =
    'jason\\r\\r# PWNED heading\\r\\r    indented code\\r\\r1) injected list\\r---' +
    ' @octocat https://evil.example/login www.evil.example';
  const edit = (from: string, to: string) => ({ 'services/reviews.yaml': [[from, to]] as const });
  repo = buildPlanRepo([
    { tag: 'escape', edits: edit('end-user: { exact: jason }', `end-user: { exact: "${escape}" }`) },
    { tag: 'markup', edits: edit(escape, markup) },
  ]);
});
afterAll(() => repo.cleanup());

async function plan(head: string, format: string) {
  const io = { ...captureIo({ cwd: repo.dir }), now: () => FIXED_NOW };
  const code = await runCli(['plan', '--base', 'base', '--head', head, 'mesh', '--format', format], io);
  expect(io.err()).toBe('');
  expect(code).toBe(0);
  return io.out();
}

describe('control characters from the spec', () => {
  it('are written as escapes in the text plan, never sent raw', async () => {
    const out = await plan('escape', 'text');
    expect(out).not.toMatch(CONTROL);
    expect(out).toContain(
      'route testers: match header end-user = jason → header end-user = jason\\x1b[2J\\x1b]0;pwned\\x07',
    );
  });

  it('are written as escapes in the markdown plan, so a lone CR starts no block', async () => {
    const out = await plan('markup', 'markdown');
    expect(out).not.toMatch(CONTROL);
    const line = out.split('\n').find((l) => l.startsWith('- route testers: match'));
    expect(line).toContain(
      'jason\\\\r\\\\r\\# PWNED heading\\\\r\\\\r    indented code\\\\r\\\\r1) injected list\\\\r---',
    );
  });
});

describe('mentions and links from the spec in the markdown plan', () => {
  it('neither mention anyone nor become links', async () => {
    const out = await plan('markup', 'markdown');
    expect(out).toContain('@&#8203;octocat https:&#8203;//evil.example/login www&#8203;.evil.example');
    expect(out).not.toMatch(/@octocat|https:\/\/evil|www\.evil/);
  });
});
