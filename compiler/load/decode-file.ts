// Turns the raw bytes of a spec file into text, refusing what YAML parsing should never see: huge
// files, binary files and bytes that are not UTF-8. Each refusal is a diagnostic, never a throw.
import type { Diagnostic } from '../diagnostics.js';
import type { SourceFile } from './types.js';
import { makeDiagnostic, positionOf } from './make-diagnostic.js';
import { firstNonUtf8Byte, startsAsUtf16 } from './utf8-check.js';

/** Spec files above this size are refused before parsing (a spec file is a few KiB). */
export const MAX_SPEC_FILE_BYTES = 1024 * 1024;

export type DecodeResult = { readonly text: string } | { readonly diagnostic: Diagnostic };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8');

/** Decodes a spec file as UTF-8 (a leading BOM is dropped), or explains why it cannot be read. */
export function decodeSpecFile(file: SourceFile): DecodeResult {
  const { bytes, path } = file;
  if (bytes.byteLength > MAX_SPEC_FILE_BYTES) {
    return {
      diagnostic: makeDiagnostic(
        'MC1005',
        { file: path, line: 1, col: 1 },
        // Sources read one byte past the limit and no more (dir-source.ts): the length is a floor.
        'file is larger than 1 MiB; a spec file may be at most 1 MiB',
        { hint: 'split the spec into one file per service, or move this file out of the spec directory' },
      ),
    };
  }
  // UTF-16 text is full of NUL bytes; name the real problem rather than calling it binary.
  if (startsAsUtf16(bytes)) {
    return {
      diagnostic: makeDiagnostic('MC1006', { file: path, line: 1, col: 1 }, 'file is UTF-16, not UTF-8', {
        hint: 're-save the file as UTF-8 (for example with `iconv -f utf-16 -t utf-8`)',
      }),
    };
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    const before = utf8Lenient.decode(bytes.subarray(0, nul));
    return {
      diagnostic: makeDiagnostic(
        'MC1007',
        { file: path, ...positionOf(before, before.length) },
        'file contains a NUL byte: it looks binary, not YAML',
        { hint: 'keep only YAML spec files under the spec directory, or save the file as UTF-8 text' },
      ),
    };
  }
  try {
    return { text: loneCrAsLf(utf8.decode(bytes)) };
  } catch {
    return { diagnostic: invalidUtf8(file) };
  }
}

/**
 * A lone CR written as LF: it is a line break (YAML 1.2, old Mac files), but the parser reads only LF
 * and CRLF, and a CR-only file with a leading comment was one comment line whose documents vanished
 * unreported. One character for one, so every offset stays where it was; code frames count lines the
 * same way (render/code-frame.ts).
 */
export function loneCrAsLf(text: string): string {
  return text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
}

/** Points at the first byte that is not UTF-8. */
function invalidUtf8(file: SourceFile): Diagnostic {
  return makeDiagnostic(
    'MC1006',
    { file: file.path, ...nonUtf8Position(file.bytes) },
    'file is not valid UTF-8',
    {
      hint: 're-save the file as UTF-8 (for example with `iconv -f latin1 -t utf-8`)',
    },
  );
}

/**
 * Line and column of the first byte of `bytes` that is not UTF-8 (1:1 when all are), counted as in
 * the decoded text: a leading BOM takes no column, and a lone CR ends a line.
 */
export function nonUtf8Position(bytes: Uint8Array): { line: number; col: number } {
  const before = utf8.decode(bytes.subarray(0, Math.max(0, firstNonUtf8Byte(bytes))));
  return positionOf(loneCrAsLf(before), before.length);
}
