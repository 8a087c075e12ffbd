// The four report formats over the same diagnostics: the text frame and colour rules, GitHub's escaping
// rules for workflow commands, the SARIF 2.1.0 fields code scanning requires, and the JSON summary.
import { describe, expect, it } from 'vitest';
import { CODES } from '../../compiler/codes.js';
import type { Diagnostic } from '../../compiler/diagnostics.js';
import { escapeData, escapeProperty, renderGithub } from '../../compiler/render/github.js';
import { renderJson } from '../../compiler/render/json.js';
import { plainText, renderSarif } from '../../compiler/render/sarif.js';
import { formatSummaryLine } from '../../compiler/render/summary.js';
import { renderText } from '../../compiler/render/text.js';
import type { RenderInput } from '../../compiler/render/types.js';

const SOURCE = 'spec:\n  routes:\n    - name: canary\n      backends: [{ version: v3 }]\n';
const DIAGNOSTICS: Diagnostic[] = [
  {
    code: 'MC3006',
    severity: 'error',
    message: 'route "canary" sends to unknown version v3',
    file: 'services/reviews.yaml',
    line: 4,
    col: 29,
    endLine: 4,
    endCol: 31,
    hint: 'known versions: v1, v2',
    related: [{ file: 'services/reviews.yaml', line: 3, col: 13, message: 'the route' }],
  },
  {
    code: 'MC3015',
    severity: 'warning',
    message: 'retries: 100%, a:b, c\r\nnext',
    file: 'dir,with:odd%chars/x.yaml',
    line: 1,
    col: 1,
  },
  { code: 'MC1011', severity: 'error', message: 'no spec files', file: 'empty', line: 0, col: 0 },
];
const input = (extra: Partial<RenderInput> = {}): RenderInput => ({
  diagnostics: DIAGNOSTICS,
  summary: { services: 3, routes: 1 },
  sourceOf: (file) => (file === 'services/reviews.yaml' ? SOURCE : undefined),
  ...extra,
});

describe('summary line', () => {
  it('counts errors and warnings, singular where the count is 1', () => {
    expect(formatSummaryLine(input())).toBe('3 services, 1 route: 2 errors, 1 warning');
    expect(formatSummaryLine({ diagnostics: [], summary: { services: 1, routes: 0 } })).toBe(
      '1 service, 0 routes: 0 errors, 0 warnings',
    );
  });
});

describe('text', () => {
  it('shows the code, location, offending line with carets under the span, hint and related place', () => {
    const text = renderText(input());
    expect(text).toContain(
      [
        'error[MC3006]: route "canary" sends to unknown version v3',
        '  --> services/reviews.yaml:4:29',
        '    |',
        '  4 |       backends: [{ version: v3 }]',
        '    |                             ^^',
        '  = hint: known versions: v1, v2',
        '  = note: services/reviews.yaml:3:13: the route',
      ].join('\n'),
    );
    expect(text).toContain('error[MC1011]: no spec files\n  --> empty\n');
    expect(text.trimEnd().split('\n').at(-1)).toBe('3 services, 1 route: 2 errors, 1 warning');
  });

  it('uses ANSI colour only when asked', () => {
    expect(renderText(input({ color: true }))).toContain('\u001b[31m');
    expect(renderText(input({ color: false }))).not.toContain('\u001b[');
  });

  it('keeps tabs in the caret padding so the caret stays under the value', () => {
    const d: Diagnostic = { code: 'MC1012', severity: 'warning', message: 'w', file: 'f', line: 1, col: 3 };
    const text = renderText({
      diagnostics: [d],
      summary: { services: 0, routes: 0 },
      sourceOf: () => '\tx: y\n',
    });
    expect(text).toContain('1 | \tx: y\n    | \t ^\n');
  });
});

describe('control characters and long lines from a spec', () => {
  it('are written as escapes, never sent to the terminal (a key could clear the screen)', () => {
    const key = '\u001b[2J\u001b[31mFAKE\u0007';
    const d: Diagnostic = {
      code: 'MC2001',
      severity: 'error',
      message: `unknown field \`${key}\``,
      file: 'f.yaml',
      line: 1,
      col: 2,
      endLine: 1,
      endCol: 2 + key.length,
      hint: `remove ${key}`,
    };
    const input = { diagnostics: [d], summary: { services: 0, routes: 0 }, sourceOf: () => ` ${key}: 1\n` };
    const text = renderText(input);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(text).toContain('unknown field `\\x1b[2J\\x1b[31mFAKE\\x07`');
    // The caret spans the escaped key as printed.
    expect(text).toContain(`  1 |  \\x1b[2J\\x1b[31mFAKE\\x07: 1\n    |  ${'^'.repeat(23)}\n`);
    expect(renderGithub(input)).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });

  it('escapes what reorders a line, and breaks the runner commands a CI log obeys mid-line', () => {
    // GitHub's runner (and Azure's) act on `##[cmd]` and `##vso[cmd]` anywhere in a log line; a
    // right-to-left override shows a line in another order than it reads ("Trojan Source").
    const value = 'on ##[add-mask]secret ##VSO[task.setvariable] \u202eevif\u202c \u2028next';
    const d: Diagnostic = {
      code: 'MC3015',
      severity: 'warning',
      message: `header x-fault = ${value}`,
      file: 'f.yaml',
      line: 1,
      col: 1,
    };
    const input = { diagnostics: [d], summary: { services: 0, routes: 0 }, sourceOf: () => `x: ${value}\n` };
    const text = renderText(input);
    expect(text).not.toMatch(/##\[|##vso\[/i);
    expect(text).not.toMatch(/[\u202a-\u202e\u2028\u2029]/);
    expect(text).toContain(
      '#\u200b#[add-mask]secret #\u200b#VSO[task.setvariable] \\u{202e}evif\\u{202c} \\u{2028}next',
    );
  });

  it('frames a line of a file with CR-only line ends, counted as the loader counts them', () => {
    const d: Diagnostic = { code: 'MC2001', severity: 'error', message: 'm', file: 'f', line: 2, col: 1 };
    const text = renderText({
      diagnostics: [d],
      summary: { services: 0, routes: 0 },
      sourceOf: () => 'a: 1\rb: 2\r',
    });
    expect(text).toContain('2 | b: 2\n');
  });

  it('frames a window of a long line around the span, not the whole line', () => {
    const line = `${'a'.repeat(100_000)}BAD${'b'.repeat(100_000)}`;
    const d: Diagnostic = {
      code: 'MC1001',
      severity: 'error',
      message: 'm',
      file: 'f',
      line: 1,
      col: 100_001,
    };
    const text = renderText({ diagnostics: [d], summary: { services: 0, routes: 0 }, sourceOf: () => line });
    expect(text.length).toBeLessThan(1000);
    const [shown, caret] = text.split('\n').slice(3, 5);
    expect(shown).toBe(`  1 | …${'a'.repeat(120)}BAD${'b'.repeat(118)}…`);
    expect(caret!.indexOf('^')).toBe(shown!.indexOf('B'));
  });
});

describe('github', () => {
  it('escapes data and property values the way @actions/core does', () => {
    expect(escapeData('100% a:b, c\r\nd')).toBe('100%25 a:b, c%0D%0Ad');
    expect(escapeProperty('100% a:b, c\r\nd')).toBe('100%25 a%3Ab%2C c%0D%0Ad');
  });

  it('writes one workflow command per diagnostic, then the summary', () => {
    const lines = renderGithub(input()).trimEnd().split('\n');
    expect(lines).toEqual([
      '::error file=services/reviews.yaml,line=4,col=29,endLine=4,endColumn=31,title=MC3006::' +
        'route "canary" sends to unknown version v3%0Ahint: known versions: v1, v2' +
        '%0Anote: services/reviews.yaml:3:13: the route',
      '::warning file=dir%2Cwith%3Aodd%25chars/x.yaml,line=1,col=1,title=MC3015::retries: 100%25, a:b, c%0D%0Anext',
      '::error file=empty,title=MC1011::no spec files',
      '3 services, 1 route: 2 errors, 1 warning',
    ]);
  });
});

describe('sarif', () => {
  const log = JSON.parse(renderSarif(input({ tool: { name: 'meshc', version: '1.2.3' } })));

  it("writes brackets from a spec as text, not as a viewer's embedded link (SARIF §3.11.5)", () => {
    expect(plainText('/login#[see the fix](https://evil.example/x) [here](0)')).toBe(
      '/login#\\[see the fix\\](https://evil.example/x) \\[here\\](0)',
    );
    expect(plainText('a\\[b')).toBe('a\\\\\\[b');
    expect(plainText('no brackets \\ here')).toBe('no brackets \\ here');
  });

  it('is a SARIF 2.1.0 log whose driver lists every code as a rule', () => {
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    expect(log.runs).toHaveLength(1);
    const driver = log.runs[0].tool.driver;
    expect(driver).toMatchObject({ name: 'meshc', version: '1.2.3' });
    expect(driver.rules.map((r: { id: string }) => r.id)).toEqual(Object.keys(CODES));
    expect(driver.rules[0]).toEqual({
      id: 'MC1001',
      shortDescription: { text: CODES.MC1001.title },
      defaultConfiguration: { level: 'error' },
    });
  });

  it('gives each result its rule, level, message, region and related locations', () => {
    const [first, second, third] = log.runs[0].results;
    const rules = log.runs[0].tool.driver.rules;
    expect(rules[first.ruleIndex].id).toBe('MC3006');
    expect(first).toMatchObject({
      ruleId: 'MC3006',
      level: 'error',
      message: { text: 'route "canary" sends to unknown version v3\nhint: known versions: v1, v2' },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'services/reviews.yaml' },
            region: { startLine: 4, startColumn: 29, endLine: 4, endColumn: 31 },
          },
        },
      ],
      relatedLocations: [
        {
          id: 0,
          message: { text: 'the route' },
          physicalLocation: { region: { startLine: 3, startColumn: 13 } },
        },
      ],
    });
    expect(second.level).toBe('warning');
    expect(second.locations[0].physicalLocation.artifactLocation.uri).toBe('dir%2Cwith%3Aodd%25chars/x.yaml');
    // No position: the file alone, without a region (SARIF lines start at 1).
    expect(third.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'empty', uriBaseId: '%SRCROOT%' },
    });
  });
});

describe('json', () => {
  it('lists the diagnostics with their titles and a summary with counts', () => {
    const report = JSON.parse(renderJson(input()));
    expect(report.version).toBe(1);
    expect(report.diagnostics).toHaveLength(3);
    expect(report.diagnostics[0]).toMatchObject({
      code: 'MC3006',
      title: CODES.MC3006.title,
      line: 4,
      col: 29,
    });
    expect(report.summary).toEqual({ services: 3, routes: 1, errors: 2, warnings: 1, infos: 0 });
  });
});
