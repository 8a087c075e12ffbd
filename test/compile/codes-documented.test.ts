// The compile/store codes (MC5xxx) each have a section in docs/diagnostics.md titled as in the registry.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CODES, type DiagnosticCode } from '../../compiler/codes.js';

const DOC = readFileSync(new URL('../../docs/diagnostics.md', import.meta.url), 'utf8');
const COMPILE_CODES = (Object.keys(CODES) as DiagnosticCode[]).filter((code) => code.startsWith('MC5'));

describe('docs/diagnostics.md for MC5xxx', () => {
  it('has compile codes to check', () => expect(COMPILE_CODES.length).toBeGreaterThan(0));
  it.each(COMPILE_CODES)('documents %s under its registry title', (code) => {
    const start = DOC.indexOf(`## ${code} — `);
    expect(start).toBeGreaterThan(-1);
    expect(DOC.slice(start).split('\n')[0]).toBe(`## ${code} — ${CODES[code].title}`);
  });
});
