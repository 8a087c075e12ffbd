// SARIF 2.1.0, the format GitHub code scanning and most static-analysis dashboards import: one run whose
// driver lists every meshc code as a rule, one result per diagnostic with its location and related places.
import { CODES, type DiagnosticCode } from '../codes.js';
import type { Diagnostic, SourceLocation } from '../diagnostics.js';
import type { Renderer } from './types.js';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const LEVEL: Record<Diagnostic['severity'], string> = { error: 'error', warning: 'warning', info: 'note' };

/**
 * A message as SARIF plain text (§3.11.5): `[` and `]` escaped with a backslash, and a backslash before
 * one doubled, so `[see](0)` from a spec is text, not an embedded link to a related location or a URL.
 */
export function plainText(text: string): string {
  return text.replace(/\\(?=[[\]])/g, '\\\\').replace(/[[\]]/g, '\\$&');
}

export const renderSarif: Renderer = (input) => {
  const codes = Object.keys(CODES) as DiagnosticCode[];
  const ruleIndex = new Map(codes.map((code, i) => [code, i]));
  const rules = codes.map((code) => ({
    id: code,
    shortDescription: { text: CODES[code].title },
    defaultConfiguration: { level: LEVEL[CODES[code].severity] },
  }));
  const results = input.diagnostics.map((d) => ({
    ruleId: d.code,
    ruleIndex: ruleIndex.get(d.code),
    level: LEVEL[d.severity],
    message: { text: plainText(d.hint ? `${d.message}\nhint: ${d.hint}` : d.message) },
    locations: d.file ? [{ physicalLocation: physicalLocation(d) }] : [],
    ...(d.related?.length
      ? {
          relatedLocations: d.related.map((r, id) => ({
            id,
            message: { text: plainText(r.message) },
            physicalLocation: physicalLocation(r),
          })),
        }
      : {}),
  }));
  const tool = input.tool ?? { name: 'meshc', version: '0.0.0' };
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: { name: tool.name, version: tool.version, rules },
        },
        // Inside git, %SRCROOT% is the repository's top, which the uploader knows (GitHub's checkout);
        // outside it, the paths are from the working directory, said here so that `../` resolves.
        ...(input.srcRoot ? { originalUriBaseIds: { '%SRCROOT%': { uri: input.srcRoot } } } : {}),
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
};

function physicalLocation(at: SourceLocation): Record<string, unknown> {
  const artifactLocation = { uri: toUri(at.file), uriBaseId: '%SRCROOT%' };
  if (at.line < 1) return { artifactLocation };
  const region: Record<string, number> = { startLine: at.line, startColumn: at.col };
  if (at.endLine !== undefined && at.endCol !== undefined) {
    region['endLine'] = at.endLine;
    region['endColumn'] = at.endCol;
  }
  return { artifactLocation, region };
}

/** A relative URI reference for a slash-separated path: each segment percent-encoded. */
function toUri(path: string): string {
  return path.replaceAll('\\', '/').split('/').map(encodeURIComponent).join('/');
}
