// `meshc report`: validate a spec (working tree or git ref) and write one self-contained HTML page
// with the service graph and per-service routes and policies. Refuses a spec with errors.
import { resolve } from 'node:path';
import { hasErrors } from '../../diagnostics.js';
import { EXIT_OK, EXIT_PROBLEMS, UsageError } from '../errors.js';
import { renderReport } from '../report.js';
import type { Command } from '../types.js';
import { visible } from '../../render/visible.js';
import { checkSpecFromArgs } from './checked-spec.js';
import { PARSE_CACHE_OPTIONS, parseCacheHelp } from './parse-cache-flags.js';

export const reportCommand: Command = {
  name: 'report',
  summary: 'Write a self-contained HTML report: service graph, routes and policies with provenance',
  synopsis: 'meshc report [PATH] [--ref REF] --out FILE.html [--cache-dir DIR | --no-cache]',
  help: `Arguments:
  PATH             spec directory or single spec file (default: .)

Options:
  --out FILE       the HTML page to write (replaced atomically; parent directories created; a
                   device or pipe such as /dev/null is written to, not replaced).
                   One file, no network at view time: CSS and the service graph (SVG) inline.
  --ref REF        read the spec from git ref REF without checking it out
${parseCacheHelp(19)}
  -h, --help       show this help

The graph shows who calls whom; each edge is marked admitted or denied by the callee's
authorization and labelled with the callee's routes and their weights. Each service has
tables of its versions, routes and authorization rules with their spec file:line.

Exit status:
  0  report written (validation warnings are listed in the page and on stderr)
  1  the spec has errors (printed); nothing was written
  2  usage error, unreadable spec, or the report cannot be written
  70 internal error`,
  options: {
    out: { type: 'string' },
    ref: { type: 'string' },
    ...PARSE_CACHE_OPTIONS,
  },
  maxPositionals: 1,
  async run({ values, positionals }, { io, overrides, version }) {
    const out = values['out'];
    if (typeof out !== 'string' || out === '') throw new UsageError('--out FILE.html is required');
    const { source, checked, flushCache } = await checkSpecFromArgs(values, positionals, { io, overrides });
    const specReport = async () =>
      renderReport(
        {
          format: 'text',
          diagnostics: checked.diagnostics,
          summary: checked.summary,
          files: checked.files,
          rootDir: await source.rootDir(),
          version,
        },
        io,
      );
    const spec = checked.result?.spec;
    if (hasErrors(checked.diagnostics) || !spec) {
      io.stdout.write(await specReport());
      io.stderr.write('meshc report: the spec has errors; no report was written\n');
      return EXIT_PROBLEMS;
    }
    if (checked.diagnostics.length > 0) io.stderr.write(await specReport());

    const { buildReportHtml } = await import('../../report/index.js');
    const { writeReportFile } = await import('../../report/write-report.js');
    const html = buildReportHtml(spec, {
      commit: (await source.commit()) ?? null,
      diagnostics: checked.diagnostics,
      version,
    });
    await flushCache();
    await writeReportFile(resolve(io.cwd, out), out, html);
    const { services, routes } = checked.summary;
    io.stdout.write(`meshc report: wrote ${visible(out)} (${services} services, ${routes} routes)\n`);
    return EXIT_OK;
  },
};
