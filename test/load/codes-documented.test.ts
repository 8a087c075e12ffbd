// The loader's codes (MC1xxx) each have a section in docs/diagnostics.md titled as in the registry, and
// the YAML examples there really produce the code they illustrate.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CODES, type DiagnosticCode } from '../../compiler/codes.js';
import { parseSpecFiles } from '../../compiler/load/parse-spec-files.js';
import { utf8 } from '../helpers/spec-fixtures.js';

const DOC = readFileSync(new URL('../../docs/diagnostics.md', import.meta.url), 'utf8');
const LOADER_CODES = (Object.keys(CODES) as DiagnosticCode[]).filter((code) => code.startsWith('MC1'));

/** The text of the `## CODE — title` section, up to the next heading. */
function section(code: string): string | undefined {
  const start = DOC.indexOf(`## ${code} — `);
  if (start === -1) return undefined;
  const next = DOC.indexOf('\n## ', start + 1);
  return DOC.slice(start, next === -1 ? undefined : next);
}

describe('docs/diagnostics.md for MC1xxx', () => {
  it.each(LOADER_CODES)('documents %s under its registry title', (code) => {
    expect(section(code)?.split('\n')[0]).toBe(`## ${code} — ${CODES[code].title}`);
  });

  // MC1004's example is abbreviated, the file-level codes have no YAML example.
  it.each(['MC1001', 'MC1002', 'MC1003', 'MC1008', 'MC1009', 'MC1010', 'MC1012'])(
    'has a YAML example for %s that produces it',
    (code) => {
      const example = /```yaml\n([\s\S]*?)```/.exec(section(code) ?? '')?.[1];
      expect(example).toBeDefined();
      const { diagnostics } = parseSpecFiles([{ path: 'example.yaml', bytes: utf8(example!) }]);
      expect(diagnostics.map((d) => d.code)).toContain(code);
    },
  );
});
