// `meshc validate`: load and check a spec (working tree or git ref) and report every problem with its
// code and file:line:col, in the format a person, a script, GitHub Actions or code scanning wants.
import { hasErrors } from '../../diagnostics.js';
import { isReportFormat, RENDERERS } from '../../render/index.js';
import { EXIT_OK, EXIT_PROBLEMS, UsageError } from '../errors.js';
import { renderReport } from '../report.js';
import type { Command } from '../types.js';
import { checkSpecFromArgs } from './checked-spec.js';
import { PARSE_CACHE_OPTIONS, parseCacheHelp } from './parse-cache-flags.js';

const FORMATS = Object.keys(RENDERERS).join('|');

export const validateCommand: Command = {
  name: 'validate',
  summary: 'Check a mesh spec and report problems with file:line:col',
  synopsis: `meshc validate [PATH] [--ref REF] [--format ${FORMATS}] [--cache-dir DIR | --no-cache]`,
  help: `Arguments:
  PATH             spec directory or single spec file (default: .)

Options:
  --ref REF        read the spec from git ref REF (branch, tag, commit) instead of the
                   working tree; PATH is then the spec directory inside the repository
                   that contains it (in a bare repository, as in a pre-receive hook:
                   its path from the repository's top). Nothing is checked out.
  --format FORMAT  text (default; coloured on a terminal unless NO_COLOR is set),
                   json, github (workflow annotations) or sarif (SARIF 2.1.0); github
                   and sarif name files from the git repository's top level, the
                   others from the working directory
${parseCacheHelp(19)}
  -h, --help       show this help

Exit status:
  0  no errors (warnings allowed)
  1  the spec has errors
  2  usage error, or the spec cannot be read (missing path, unknown ref)
  70 internal error`,
  options: {
    ref: { type: 'string' },
    format: { type: 'string', default: 'text' },
    ...PARSE_CACHE_OPTIONS,
  },
  maxPositionals: 1,
  async run({ values, positionals }, { io, overrides, version }) {
    const format = String(values['format']);
    if (!isReportFormat(format)) throw new UsageError(`unknown format '${format}' (expected ${FORMATS})`);
    const { source, checked } = await checkSpecFromArgs(values, positionals, { io, overrides });
    const report = renderReport(
      {
        format,
        diagnostics: checked.diagnostics,
        summary: checked.summary,
        files: checked.files,
        rootDir: await source.rootDir(),
        withoutWorkTree: source.withoutWorkTree === true,
        version,
      },
      io,
    );
    io.stdout.write(report);
    return hasErrors(checked.diagnostics) ? EXIT_PROBLEMS : EXIT_OK;
  },
};
