// Every diagnostic code meshc can emit, with its default severity and a one-line title. Codes are
// stable: never renumber or reuse one. Ranges: MC1xxx loading, MC2xxx schema, MC3xxx semantics,
// MC4xxx certificates, MC5xxx compile/emit/store. docs/diagnostics.md documents each (a test checks).
import type { Severity } from './diagnostics.js';

export interface CodeInfo {
  readonly severity: Severity;
  readonly title: string;
}

export const CODES = {
  MC1001: { severity: 'error', title: 'YAML syntax error' },
} as const satisfies Record<string, CodeInfo>;

export type DiagnosticCode = keyof typeof CODES;
