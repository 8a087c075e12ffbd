// Pure retry decisions: is this outcome retryable under the route's `retries.on`, may this request
// be retried at all (method, body, attempts left), and how long to back off. No I/O, no clock reads:
// the retry layer feeds in what happened and a random source.
import type { BundleRetries } from '../../schema/bundle.types.generated.js';
import { IDEMPOTENT_METHODS } from '../../schema/idempotent-methods.js';
import type { Random } from '../clock.js';
import type { ProxyError } from '../errors.js';

/** What one attempt produced: a response status, or a typed error. */
export type AttemptOutcome = { readonly status: number } | { readonly error: ProxyError };

/**
 * True when `retries.on` names this outcome, with the reach Envoy's router gives each name (the
 * names are Envoy's, and so is the meaning operators read into them; decision 0036): `reset`, `5xx`
 * and `gateway-error` also cover an upstream that did not answer at all (a connect failure, a broken
 * connection, a per-try timeout); a listed status covers only answers with that status.
 */
export function isRetryableOutcome(on: BundleRetries['on'], outcome: AttemptOutcome): boolean {
  if ('status' in outcome) return isRetryableStatus(on, outcome.status);
  const err = outcome.error;
  const noAnswer = on.reset || on.any5xx || on.gatewayError;
  switch (err.code) {
    case 'upstream-connect-failure':
    case 'upstream-identity-mismatch':
      // Nothing reached the upstream application: always safe to try another endpoint.
      return on.connectFailure || noAnswer;
    case 'upstream-reset':
    case 'upstream-protocol-error':
      return noAnswer;
    case 'upstream-timeout':
      // Only a per-try timeout; the route timeout ends the request.
      return (err as ProxyError & { perTry?: boolean }).perTry === true && noAnswer;
    default:
      return false;
  }
}

export function isRetryableStatus(on: BundleRetries['on'], status: number): boolean {
  if (on.any5xx && status >= 500 && status <= 599) return true;
  if (on.gatewayError && (status === 502 || status === 503 || status === 504)) return true;
  return on.statuses.includes(status);
}

/** True when the request itself may be sent again: method allowed and body replayable. */
export function isRequestRetryable(policy: BundleRetries, method: string, bodyReplayable: boolean): boolean {
  if (policy.attempts <= 0 || !bodyReplayable) return false;
  return !policy.idempotentOnly || IDEMPOTENT_METHODS.has(method);
}

/**
 * Full-jitter exponential back-off (AWS architecture blog, "Exponential Backoff and Jitter") with
 * Envoy's caps: a uniform draw in [0, min(max, base * (2^(retry+1) - 1))), i.e. below 25, 75, 175,
 * 375 ms for a 25 ms base. `retry` counts from 0 for the first retry.
 */
export function backoffMs(retry: number, backoff: BundleRetries['backoff'], random: Random): number {
  const cap = Math.min(backoff.maxMs, backoff.baseMs * (2 ** (Math.min(retry, 30) + 1) - 1));
  return Math.floor(random() * cap);
}

/**
 * The per-try timeout of the next attempt, or Infinity when the route deadline comes first (or there
 * is none): then the route's own timer ends the attempt, as the route timeout, which is not retried
 * (outlier detection still counts an attempt it ended before the response head against the
 * endpoint, as Envoy does). Cut to what is left, a per-try timer fired a hair before the route's and
 * turned the route timeout into a per-try one: retried near the deadline, a retry budget token spent.
 * Judged at dispatch, while the timer starts later, once the attempt is connected (decision 0063): a
 * try the deadline beats now is beaten then too, and a try armed late may be ended by the route's.
 */
export function tryTimeoutMs(perTryTimeoutMs: number, now: number, deadline: number): number {
  return perTryTimeoutMs > 0 && perTryTimeoutMs < deadline - now ? perTryTimeoutMs : Number.POSITIVE_INFINITY;
}
