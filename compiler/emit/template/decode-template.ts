// A template file's bytes as text, or why they are not: a template that was not UTF-8 was decoded
// with U+FFFD in place of its bad bytes and rendered so, exit 0. A leading BOM is dropped, as from
// spec files: it is never copied into a rendered file, and takes no column on line 1.
import type { Diagnostic } from '../../diagnostics.js';
import { nonUtf8Position } from '../../load/decode-file.js';
import type { SourceFile } from '../../load/types.js';
import { firstNonUtf8Byte, startsAsUtf16 } from '../../load/utf8-check.js';
import { templateDiagnostic } from './template-diagnostic.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of each template by the path the user wrote, and a diagnostic for each that is not UTF-8. */
export function decodeTemplates(files: ReadonlyMap<string, SourceFile>): {
  texts: Map<string, string>;
  diagnostics: Diagnostic[];
} {
  const texts = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  for (const [path, { bytes }] of files) {
    try {
      texts.set(path, utf8.decode(bytes));
    } catch {
      diagnostics.push(notUtf8(path, bytes));
    }
  }
  return { texts, diagnostics };
}

function notUtf8(path: string, bytes: Uint8Array): Diagnostic {
  if (startsAsUtf16(bytes))
    return templateDiagnostic(
      path,
      'template is UTF-16, not UTF-8',
      { line: 1, col: 1 },
      'save the template as UTF-8 (for example with `iconv -f utf-16 -t utf-8`)',
    );
  const byte = bytes[firstNonUtf8Byte(bytes)] ?? 0;
  return templateDiagnostic(
    path,
    `template is not valid UTF-8: byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} here is not part of a UTF-8 character`,
    nonUtf8Position(bytes),
    'save the template as UTF-8 (for example with `iconv -f latin1 -t utf-8`)',
  );
}
