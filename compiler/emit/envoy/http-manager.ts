// The part of an HttpConnectionManager both listeners share: stats prefix, codec, the path hygiene
// that keeps Envoy's view of a path the native proxy's (decision 0011: normalised once, merged
// slashes, encoded slashes rejected, so RBAC path rules cannot be bypassed), access log and tracing.
import type { Bundle } from '../../../schema/bundle.types.generated.js';
import { httpAccessLog, httpTracing } from './observability.js';
import type { EnvoyJson } from './values.js';

export function httpManagerBase(
  bundle: Bundle,
  direction: 'inbound' | 'outbound',
  protocolOptions?: EnvoyJson,
): EnvoyJson {
  const manager: EnvoyJson = {
    stat_prefix: direction,
    codec_type: 'AUTO',
    ...(protocolOptions ? { http_protocol_options: protocolOptions } : {}),
    normalize_path: true,
    merge_slashes: true,
    path_with_escaped_slashes_action: 'REJECT_REQUEST',
  };
  const accessLog = httpAccessLog(bundle.observability, direction);
  if (accessLog.length > 0) manager.access_log = accessLog;
  const tracing = httpTracing(bundle.observability, bundle.service);
  if (tracing) manager.tracing = tracing;
  return manager;
}
