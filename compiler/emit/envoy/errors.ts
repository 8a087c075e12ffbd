// The one kind of user error the Envoy target reports: a spec feature Envoy cannot express. It is
// a diagnostic at the spec line that asked for it (MC5050), never a silently different config.
import type { Diagnostic } from '../../diagnostics.js';
import { TargetError } from '../targets.js';

/** `source` is bundle provenance, `file:line`. */
export function notExpressible(source: string, message: string, hint: string): TargetError {
  const at = source.lastIndexOf(':');
  const file = at > 0 ? source.slice(0, at) : source;
  const line = at > 0 ? Number(source.slice(at + 1)) || 0 : 0;
  const diagnostic: Diagnostic = {
    code: 'MC5050',
    severity: 'error',
    file,
    line,
    col: line > 0 ? 1 : 0,
    message: `${message}: not expressible as Envoy config`,
    hint,
  };
  return new TargetError(diagnostic);
}
