// The methods a route with `retries.idempotentOnly` retries: those whose repetition has no further
// effect (RFC 9110 §9.2.2). Shared by the proxy's retry policy, the Envoy target's
// retriable_request_headers and the MC3015 check, which must all mean the same set.

export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'OPTIONS',
  'PUT',
  'DELETE',
  'TRACE',
]);
