// meshc run in-process through runCli: exit codes, usage errors, help, the rescue of unexpected errors,
// and `meshc validate` on real directories and git refs (validation injected, so only the loader and
// the CLI are under test here).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../compiler/cli/main.js';
import type { ValidateFn } from '../../compiler/pipeline.js';
import { captureIo } from '../helpers/cli-io.js';
import { commitAll, MESH_YAML, makeTempDir, SERVICE_YAML, writeFiles } from '../helpers/spec-fixtures.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

const noProblems: ValidateFn = (input) => ({
  diagnostics: [],
  summary: { services: input.documents.length - 1, routes: 0 },
});
const oneWarning: ValidateFn = (input) => ({
  diagnostics: [
    {
      code: 'MC3015',
      severity: 'warning',
      message: 'retries outlast the timeout',
      ...input.documents[0]!.locate('/kind'),
    },
  ],
  summary: { services: 1, routes: 0 },
});

async function meshc(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; isTTY?: boolean; validate?: ValidateFn } = {},
) {
  const io = captureIo({
    cwd: options.cwd ?? temp.dir,
    env: options.env ?? {},
    isTTY: options.isTTY ?? false,
  });
  const code = await runCli(args, io, { validate: options.validate ?? noProblems });
  return { code, out: io.out(), err: io.err() };
}

const GOOD_SPEC = { 'spec/mesh.yaml': MESH_YAML, 'spec/services/reviews.yaml': SERVICE_YAML };
const BAD_SPEC = { ...GOOD_SPEC, 'spec/services/bad.yaml': 'apiVersion: meshc/v1\nkind: Servce\n' };

describe('meshc (usage)', () => {
  it('lists the commands with --help and exits 0', async () => {
    const { code, out } = await meshc(['--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/Usage: meshc <command>/);
    expect(out).toMatch(/validate\s+Check a mesh spec/);
  });

  it('prints usage to stderr and exits 2 with no command', async () => {
    const { code, out, err } = await meshc([]);
    expect([code, out]).toEqual([2, '']);
    expect(err).toMatch(/Usage: meshc <command>/);
  });

  it('rejects an unknown command with a suggestion and exits 2', async () => {
    const { code, err } = await meshc(['valdate']);
    expect(code).toBe(2);
    expect(err).toMatch(/^meshc: unknown command 'valdate' \(did you mean 'validate'\?\)/);
  });

  it('writes what the user typed visible, never a terminal sequence (command, option, ref)', async () => {
    const esc = 'x\u001b]0;PWN\u0007';
    const results = [
      await meshc([esc]),
      await meshc(['validate', `--${esc}`]),
      await meshc(['validate', '--ref', esc, '.']),
    ];
    for (const { code, err } of results) {
      expect(code).toBe(2);
      expect(err).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    }
    expect(results[0]!.err).toContain("unknown command 'x\\x1b]0;PWN\\x07'");
  });

  it('echoes the paths it wrote visible: the store, the report, the keys', async () => {
    const esc = 'o\u001b[31m';
    // Real validation of the bundled example: report and compile need a spec that holds together.
    const shop = fileURLToPath(new URL('../../examples/shop', import.meta.url));
    // Today's clock: the example's certificates are checked against it.
    const run = async (args: string[]) => {
      const io = { ...captureIo({ cwd: temp.dir, env: {}, isTTY: false }), now: () => Date.now() };
      const code = await runCli(args, io);
      return { code, out: io.out(), err: io.err() };
    };
    const results = [
      await run(['keys', 'init', '--out', `keys-${esc}`]),
      await run(['compile', shop, '--unsigned', '--no-cache', '--out', `store-${esc}`]),
      await run(['report', shop, '--no-cache', '--out', `report-${esc}.html`]),
    ];
    for (const { code, out, err } of results) {
      expect(code, out + err).toBe(0);
      expect(out + err).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    }
    expect(results[0]!.out).toContain('keys-o\\x1b[31m');
    expect(results[1]!.out).toContain('store: store-o\\x1b[31m');
    expect(results[2]!.out).toContain('meshc report: wrote report-o\\x1b[31m.html');
  });

  it('prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const { code, out } = await meshc(['--version']);
    expect([code, out]).toEqual([0, `${pkg.version}\n`]);
  });

  it('shows command help with --help and with `meshc help validate`', async () => {
    for (const args of [
      ['validate', '--help'],
      ['help', 'validate'],
      ['validate', '-h'],
    ]) {
      const { code, out } = await meshc(args);
      expect(code).toBe(0);
      expect(out).toMatch(
        /^Usage: meshc validate \[PATH\] \[--ref REF\] \[--format text\|json\|github\|sarif\]/,
      );
      expect(out).toMatch(/Exit status:/);
    }
  });

  it.each([
    [['validate', '--bogus'], "meshc validate: unknown option '--bogus'"],
    [['validate', 'a', 'b'], 'meshc validate: unexpected argument: b'],
    [
      ['validate', '--format', 'xml'],
      "meshc validate: unknown format 'xml' (expected text|json|github|sarif)",
    ],
    [['validate', '--ref'], "meshc validate: option '--ref <value>' argument missing"],
    // parseArgs reads a value starting with '-' as an option, and said only "argument is ambiguous".
    [
      ['validate', '--ref', '-x'],
      "meshc validate: option '--ref' needs a value; a value starting with '-' is written --ref=-VALUE",
    ],
  ])('rejects %j with a usage message and exits 2', async (args, message) => {
    const { code, out, err } = await meshc(args);
    expect([code, out]).toEqual([2, '']);
    expect(err).toBe(
      `${message}\nUsage: meshc validate [PATH] [--ref REF] [--format text|json|github|sarif] [--cache-dir DIR | --no-cache]\nRun 'meshc validate --help' for details.\n`,
    );
  });
});

describe('meshc validate', () => {
  it('exits 0 on a clean spec, with the summary line', async () => {
    writeFiles(temp.dir, GOOD_SPEC);
    const { code, out, err } = await meshc(['validate', 'spec']);
    expect([code, err]).toEqual([0, '']);
    expect(out).toBe('1 service, 0 routes: 0 errors, 0 warnings\n');
  });

  it('exits 0 when there are only warnings', async () => {
    writeFiles(temp.dir, GOOD_SPEC);
    const { code, out } = await meshc(['validate', 'spec'], { validate: oneWarning });
    expect(code).toBe(0);
    expect(out).toContain('warning[MC3015]: retries outlast the timeout\n  --> spec/mesh.yaml:2:7');
  });

  it('exits 1 on errors, showing paths relative to the working directory', async () => {
    writeFiles(temp.dir, BAD_SPEC);
    const { code, out } = await meshc(['validate', 'spec']);
    expect(code).toBe(1);
    expect(out).toContain('error[MC1010]: unknown kind "Servce"\n  --> spec/services/bad.yaml:2:7\n');
    expect(out).toContain('  2 | kind: Servce\n    |       ^^^^^^\n  = hint: did you mean Service?');
    const inside = await meshc(['validate'], { cwd: join(temp.dir, 'spec') });
    expect(inside.out).toContain('--> services/bad.yaml:2:7');
  });

  it('reports an empty directory as MC1011 and exits 1', async () => {
    writeFiles(temp.dir, { 'empty/readme.md': 'nothing\n' });
    const { code, out } = await meshc(['validate', 'empty']);
    expect(code).toBe(1);
    expect(out).toContain('error[MC1011]: no spec files (*.yaml, *.yml) found in empty\n  --> empty\n');
  });

  it('writes machine formats to stdout', async () => {
    writeFiles(temp.dir, BAD_SPEC);
    const json = JSON.parse((await meshc(['validate', 'spec', '--format', 'json'])).out);
    expect(json.diagnostics[0]).toMatchObject({
      code: 'MC1010',
      file: 'spec/services/bad.yaml',
      line: 2,
      col: 7,
    });
    expect(json.summary).toMatchObject({ errors: 1, warnings: 0 });
    const github = (await meshc(['validate', 'spec', '--format', 'github'])).out;
    expect(github).toMatch(
      /^::error file=spec\/services\/bad.yaml,line=2,col=7,endLine=2,endColumn=13,title=MC1010::/,
    );
    const sarif = JSON.parse((await meshc(['validate', 'spec', '--format', 'sarif'])).out);
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe(
      'spec/services/bad.yaml',
    );
  });

  it('colours the text report on a terminal, unless NO_COLOR is set', async () => {
    writeFiles(temp.dir, BAD_SPEC);
    expect((await meshc(['validate', 'spec'], { isTTY: true })).out).toContain('\u001b[');
    expect((await meshc(['validate', 'spec'], { isTTY: true, env: { NO_COLOR: '1' } })).out).not.toContain(
      '\u001b[',
    );
    expect((await meshc(['validate', 'spec'], { isTTY: false })).out).not.toContain('\u001b[');
  });

  it('fails with one line and exit 2 for a missing path', async () => {
    const { code, out, err } = await meshc(['validate', 'missing']);
    expect([code, out]).toEqual([2, '']);
    expect(err).toBe(
      'meshc: error[SOURCE_NOT_FOUND]: missing does not exist\n  hint: give the spec directory or a spec file\n',
    );
  });

  it('turns an unexpected error into one line, with the stack only under MESHC_DEBUG=1', async () => {
    writeFiles(temp.dir, GOOD_SPEC);
    const boom: ValidateFn = () => {
      throw new TypeError('boom');
    };
    const quiet = await meshc(['validate', 'spec'], { validate: boom });
    expect([quiet.code, quiet.err]).toEqual([70, 'meshc: internal error: boom\n']);
    const debug = await meshc(['validate', 'spec'], { validate: boom, env: { MESHC_DEBUG: '1' } });
    expect(debug.err).toMatch(/^meshc: internal error: boom\nTypeError: boom\n\s+at /);
  });
});

describe('meshc validate --ref', () => {
  it('reports the same as the working tree for the committed spec', async () => {
    writeFiles(temp.dir, BAD_SPEC);
    commitAll(temp.dir);
    for (const format of ['text', 'json', 'github', 'sarif']) {
      const tree = await meshc(['validate', 'spec', '--format', format]);
      const ref = await meshc(['validate', 'spec', '--ref', 'main', '--format', format]);
      expect(ref).toEqual(tree);
      expect(ref.code).toBe(1);
    }
  });

  it('resolves PATH inside the repository that contains the working directory', async () => {
    writeFiles(temp.dir, BAD_SPEC);
    commitAll(temp.dir);
    const { code, out } = await meshc(['validate', '--ref', 'HEAD'], {
      cwd: join(temp.dir, 'spec/services'),
    });
    expect(code).toBe(1);
    expect(out).toContain('--> bad.yaml:2:7');
  });

  it('reads a spec deleted from the working tree but present in the ref', async () => {
    writeFiles(temp.dir, GOOD_SPEC);
    commitAll(temp.dir);
    rmSync(join(temp.dir, 'spec'), { recursive: true });
    expect((await meshc(['validate', 'spec'])).code).toBe(2);
    const { code, out } = await meshc(['validate', 'spec', '--ref', 'main']);
    expect([code, out]).toEqual([0, '1 service, 0 routes: 0 errors, 0 warnings\n']);
  });

  it('fails with one line and exit 2 for an unknown ref or outside a repository', async () => {
    writeFiles(temp.dir, GOOD_SPEC);
    const outside = await meshc(['validate', 'spec', '--ref', 'main']);
    expect([outside.code, outside.out]).toEqual([2, '']);
    expect(outside.err).toMatch(/^meshc: error\[SOURCE_NOT_A_REPO\]: .* is not inside a git work tree\n/);
    commitAll(temp.dir);
    const unknown = await meshc(['validate', 'spec', '--ref', 'nope']);
    expect([unknown.code, unknown.out]).toEqual([2, '']);
    expect(unknown.err).toMatch(/^meshc: error\[SOURCE_UNKNOWN_REF\]: unknown git ref "nope"\n  hint: /);
  });
});
