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
    // `Host: reviews.` is the service `reviews`, as the native outbound reads it.
    strip_trailing_host_dot: true,
    // The native listeners' limits (runtime/server/options.ts DEFAULT_LIMITS): a head over 16 KiB is
    // refused (431), a head not in within 10 s or a request not in within 5 min ends (408), and a
    // connection idle for 60 s between requests is closed. Envoy's defaults are 60 KiB and none.
    max_request_headers_kb: 16,
    request_headers_timeout: '10s',
    request_timeout: '300s',
    common_http_protocol_options: { idle_timeout: '60s' },
  };
  const accessLog = httpAccessLog(bundle.observability, direction);
  if (accessLog.length > 0) manager.access_log = accessLog;
  const tracing = httpTracing(bundle.observability, bundle.service);
  if (tracing) manager.tracing = tracing;
  return manager;
}
