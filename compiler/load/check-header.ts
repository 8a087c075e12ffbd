// Checks the two fields that say what a document is (apiVersion, kind) before schema validation, so a
// foreign YAML file (a CI workflow, a Kubernetes manifest) gets one clear message instead of dozens.
import type { Diagnostic } from '../diagnostics.js';
import { closestMatch } from './did-you-mean.js';
import type { Locator } from './locate-nodes.js';
import { makeDiagnostic } from './make-diagnostic.js';

export const API_VERSION = 'meshc/v1';
export const KINDS = ['Mesh', 'Service'] as const;

/**
 * Diagnostics for an unknown apiVersion or kind. A missing field is left to the schema, which reports
 * it as a required property; a present but wrong one means the document is not ours to validate.
 */
export function checkHeader(value: Record<string, unknown>, where: Locator): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const { apiVersion, kind } = value;
  if (apiVersion !== undefined && apiVersion !== API_VERSION) {
    const shown = typeof apiVersion === 'string' ? `"${apiVersion}"` : String(JSON.stringify(apiVersion));
    const near = typeof apiVersion === 'string' ? closestMatch(apiVersion, [API_VERSION]) : undefined;
    diagnostics.push(
      makeDiagnostic('MC1009', where.locate('/apiVersion'), `unknown apiVersion ${shown}`, {
        hint: near ? `did you mean ${API_VERSION}?` : `this meshc reads apiVersion ${API_VERSION}`,
      }),
    );
  }
  if (kind !== undefined && !(KINDS as readonly unknown[]).includes(kind)) {
    const shown = typeof kind === 'string' ? `"${kind}"` : String(JSON.stringify(kind));
    const near = typeof kind === 'string' ? closestMatch(kind, KINDS) : undefined;
    diagnostics.push(
      makeDiagnostic('MC1010', where.locate('/kind'), `unknown kind ${shown}`, {
        hint: near ? `did you mean ${near}?` : `kind must be one of ${KINDS.join(', ')}`,
      }),
    );
  }
  return diagnostics;
}
