// docs/cli.md carries every command's `--help` text between generated markers: the block must be what
// the CLI prints today (dist/ is built by the test setup), every registered command must have its
// section, and a command that has been registered must no longer be described as "in progress". Every
// help says what cli.md's conventions promise: its usage line names each option, it lists -h, --help,
// and it ends with its own exit statuses.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../compiler/cli/registry.js';
import { makeTempDir } from '../helpers/spec-fixtures.js';
import { repoRoot, runGenerator } from './run-generator.js';

const doc = readFileSync(join(repoRoot, 'docs/cli.md'), 'utf8');

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir('meshc-docs-');
});
afterEach(() => temp.cleanup());

describe('docs/cli.md', () => {
  it("is current with every command's --help", () => {
    const result = runGenerator('gen-cli-reference.mjs', ['--check']);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
  });

  it('the check fails when a help text in the file differs from the CLI', () => {
    const stale = join(temp.dir, 'cli.md');
    writeFileSync(stale, doc.replace('show this help', 'show some help'));
    const result = runGenerator('gen-cli-reference.mjs', ['--check', '--out', stale]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/is stale: run npm run gen:docs/);
  });

  it('regenerates only the marked block and keeps the prose around it', () => {
    const file = join(temp.dir, 'cli.md');
    const begin = doc.indexOf('<!-- BEGIN GENERATED');
    const end = doc.indexOf('<!-- END GENERATED -->');
    const emptied = `${doc.slice(0, begin)}${doc.slice(begin, doc.indexOf('\n', begin) + 1)}${doc.slice(end)}`;
    writeFileSync(file, emptied);
    expect(runGenerator('gen-cli-reference.mjs', ['--out', file]).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(doc);
  });

  it('refuses a file without the markers, saying so', () => {
    const file = join(temp.dir, 'cli.md');
    writeFileSync(file, '# no markers here\n');
    const result = runGenerator('gen-cli-reference.mjs', ['--check', '--out', file]);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/must contain the BEGIN GENERATED and END GENERATED markers/);
  });

  it('has a section with the usage line for every registered command', () => {
    expect(COMMANDS.length).toBeGreaterThanOrEqual(6);
    const missing = COMMANDS.filter(
      (c) => !new RegExp(`^## meshc ${c.name}\\n\\n\`\`\`text\\nUsage: meshc ${c.name}\\b`, 'm').test(doc),
    );
    expect(missing.map((c) => c.name)).toEqual([]);
  });

  it('lists no registered command as in progress', () => {
    const at = doc.indexOf('\n## In progress');
    const inProgress = at < 0 ? '' : doc.slice(at);
    const stillListed = COMMANDS.filter((c) => inProgress.includes(`\`meshc ${c.name} `));
    expect(stillListed.map((c) => c.name)).toEqual([]);
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))(
    "meshc %s's help names every option in its usage, lists -h, --help and ends with its exit status",
    async (_name, entry) => {
      const command = await entry.load();
      const unnamed = Object.entries(command.options).filter(
        ([long, option]) =>
          !command.synopsis.includes(`--${long}`) &&
          !(option.short && command.synopsis.includes(`-${option.short} `)),
      );
      expect(unnamed.map(([long]) => long)).toEqual([]);
      expect(command.help).toMatch(/^  -h, --help +show this help$/m);
      expect(command.help).toMatch(/\n\nExit status:\n(  \d+ .*\n(     .*\n)*)*  70 internal error$/);
    },
  );

  it("names in a command's exit status only options it has", async () => {
    const strays: string[] = [];
    for (const entry of COMMANDS) {
      const command = await entry.load();
      const exit = command.help.slice(command.help.indexOf('Exit status:'));
      for (const [, word] of exit.matchAll(/\b(percent|--[a-z-]+)\b/g)) {
        const long = word!.replace(/^--/, '');
        if (!(long in command.options)) strays.push(`${entry.name}: ${word}`);
      }
    }
    expect(strays).toEqual([]);
  });
});
