// Text in a spec is data, whatever it holds: the text plan must not send its control characters to a
// terminal or CI log, and the markdown plan must not let them (or mentions and links) turn into markup
// in the pull-request comment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../compiler/cli/main.js';
import { escapeMarkdown } from '../../compiler/diff/render-markdown.js';
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
    ' @octocat https://evil.example/login www.evil.example fixes #1 and GH-2 and org/repo#3 $x^{2}$';
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
      'jason\\\\r\\\\r#&#8203; PWNED heading\\\\r\\\\r    indented code\\\\r\\\\r1) injected list\\\\r---',
    );
  });
});

describe('mentions, links and references from the spec in the markdown plan', () => {
  it('neither mention anyone nor become links', async () => {
    const out = await plan('markup', 'markdown');
    expect(out).toContain('@&#8203;octocat https:&#8203;//evil.example/login www&#8203;.evil.example');
    expect(out).not.toMatch(/@octocat|https:\/\/evil|www\.evil/);
  });

  it('link no issue and render no math', async () => {
    const out = await plan('markup', 'markdown');
    // GitHub links `#1` in the rendered text, so `\#1` (rendered `#1`) was still a link.
    expect(out).toContain('fixes #&#8203;1 and GH-&#8203;2 and org/repo#&#8203;3 &#36;x^{2}&#36;');
    // What the entities leave is the zero-width break each: no reference, no delimiter.
    expect(out.replace(/&#\d+;/g, ' ')).not.toMatch(/#\d|GH-\d|\$/i);
  });
});

describe('escapeMarkdown', () => {
  it('breaks every issue reference form, mention and math delimiter', () => {
    expect(escapeMarkdown('#12 gh-3 a/b#4 @x $5 and $6$ ## h')).toBe(
      '#&#8203;12 gh-&#8203;3 a/b#&#8203;4 @&#8203;x &#36;5 and &#36;6&#36; #&#8203;#&#8203; h',
    );
  });

  it('keeps its own entities whole (the breaks hold `#` and digits)', () => {
    expect(escapeMarkdown('&#@$')).toBe('&amp;#&#8203;@&#8203;&#36;');
  });
});
