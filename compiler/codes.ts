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
  MC1002: { severity: 'error', title: 'Duplicate key' },
  MC1003: { severity: 'error', title: 'Too many aliases' },
  MC1004: { severity: 'error', title: 'Document nested too deeply' },
  MC1005: { severity: 'error', title: 'File too large' },
  MC1006: { severity: 'error', title: 'File is not valid UTF-8' },
  MC1007: { severity: 'error', title: 'Binary file' },
  MC1008: { severity: 'error', title: 'Document is not a mapping' },
  MC1009: { severity: 'error', title: 'Unknown apiVersion' },
  MC1010: { severity: 'error', title: 'Unknown kind' },
  MC1011: { severity: 'error', title: 'No spec files' },
  MC1012: { severity: 'warning', title: 'YAML warning' },
  MC1013: { severity: 'error', title: 'Backslash in a spec file name' },
  MC1014: { severity: 'warning', title: 'Spec file link leads to no file' },
  MC1015: { severity: 'warning', title: 'Linked directory not followed' },
  // MC2xxx: schema (compiler/validate/schema-errors.ts)
  MC2001: { severity: 'error', title: 'Unknown field' },
  MC2002: { severity: 'error', title: 'Missing required field' },
  MC2003: { severity: 'error', title: 'Wrong type of value' },
  MC2004: { severity: 'error', title: 'Value not allowed' },
  MC2005: { severity: 'error', title: 'Invalid duration' },
  MC2006: { severity: 'error', title: 'Invalid endpoint address' },
  MC2007: { severity: 'error', title: 'Invalid name' },
  MC2008: { severity: 'error', title: 'Number out of range' },
  MC2009: {
    severity: 'error',
    title: 'Service needs exactly one of endpoints or versions',
  },
  MC2010: { severity: 'error', title: 'Invalid value format' },
  MC2011: { severity: 'error', title: 'Item listed twice' },
  MC2012: { severity: 'error', title: 'Empty or wrongly sized value' },
  // MC3xxx: semantic checks (compiler/validate/checks/)
  MC3001: { severity: 'error', title: 'No Mesh document' },
  MC3002: { severity: 'error', title: 'More than one Mesh document' },
  MC3003: { severity: 'error', title: 'Duplicate service name' },
  MC3004: { severity: 'error', title: 'Unknown service in calls' },
  MC3005: { severity: 'error', title: 'Unknown service in authorization' },
  MC3006: { severity: 'error', title: 'Unknown version in route backend' },
  MC3007: { severity: 'error', title: 'Unknown version in mirror' },
  MC3008: { severity: 'error', title: 'Backend weights do not sum to 100' },
  MC3009: { severity: 'error', title: 'Backend weight missing' },
  MC3010: {
    severity: 'error',
    title: 'Route without backends on a service with several versions',
  },
  MC3011: { severity: 'error', title: 'Duplicate route name' },
  MC3012: { severity: 'error', title: 'Route shadowed by an earlier route' },
  MC3013: { severity: 'error', title: 'Duplicate endpoint address' },
  MC3014: {
    severity: 'warning',
    title: "Caller not admitted by the callee's authorization",
  },
  MC3015: { severity: 'warning', title: 'Retries outlast the timeout' },
  MC3016: { severity: 'error', title: 'Unsafe regular expression' },
  MC3017: { severity: 'error', title: 'Invalid regular expression' },
  MC3018: { severity: 'error', title: 'Permissive mTLS in a strict mesh' },
  MC3019: { severity: 'error', title: 'ring-hash without hashOn' },
  MC3020: { severity: 'error', title: 'Service calls itself' },
  MC3021: { severity: 'error', title: 'Unreachable authorization rule' },
  MC3022: { severity: 'error', title: 'Trust root file missing' },
  MC3023: { severity: 'error', title: 'Trust root is not a PEM certificate' },
  MC3024: { severity: 'error', title: 'Version listed twice in backends' },
  MC3025: { severity: 'warning', title: 'hashOn without ring-hash' },
  MC3026: { severity: 'error', title: 'HTTP-only setting on a tcp service' },
  MC3027: { severity: 'error', title: 'Sidecar ports collide' },
  MC3028: { severity: 'error', title: 'Path never matches a normalised request path' },
  MC3029: { severity: 'error', title: 'Header mutation of a framing or connection header' },
  MC3030: { severity: 'warning', title: 'Authorization prefix not at a path segment' },
  MC3031: { severity: 'error', title: 'Header named twice in one route' },
  MC3032: { severity: 'warning', title: 'Allow rules under default allow' },
  // MC4xxx: certificate lint (compiler/validate/checks/cert-*.ts) and `meshc certs issue`
  MC4001: { severity: 'error', title: 'Trust root expired or not yet valid' },
  MC4002: { severity: 'warning', title: 'Trust root expires within 30 days' },
  MC4003: { severity: 'error', title: 'Trust root is not a CA certificate' },
  MC4006: { severity: 'error', title: 'Trust root chains to no listed self-signed root' },
  MC4004: {
    severity: 'warning',
    title: 'Workload certificate lifetime over 7 days',
  },
  MC4005: {
    severity: 'warning',
    title: 'CA rotation overlap shorter than twice the workload certificate lifetime',
  },
  // MC5xxx: compile, emit and store (compiler/store/, compiler/emit/, compiler/cli/commands/compile.ts)
  MC5001: {
    severity: 'error',
    title: 'Bundle version already holds different bytes',
  },
  MC5002: { severity: 'error', title: 'Output path unusable' },
  MC5003: { severity: 'error', title: 'Signing key not found' },
  MC5004: { severity: 'error', title: 'Signing key invalid' },
  MC5005: { severity: 'error', title: 'Template error' },
  MC5006: { severity: 'error', title: 'Unknown compile target' },
  MC5007: { severity: 'error', title: 'Store write failed' },
  MC5008: { severity: 'error', title: 'Signing not decided' },
  MC5009: { severity: 'error', title: 'Target file path invalid' },
  MC5010: { severity: 'error', title: 'Store locked by another writer' },
  // MC505x: the Envoy target (compiler/emit/envoy/)
  MC5050: { severity: 'error', title: 'Not expressible as Envoy config' },
} as const satisfies Record<string, CodeInfo>;

export type DiagnosticCode = keyof typeof CODES;
