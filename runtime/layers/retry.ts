// The retry layer: buffers a small body so it can be replayed, runs attempts with a per-try timeout,
// and retries only what `retries.on` names, for methods and bodies that allow it, with full-jitter
// back-off and within the retry budget. The decisions themselves are pure (retry-policy.ts).
import type { BundleRetries } from '../../schema/bundle.types.generated.js';
import type { Random } from '../clock.js';
import { ProxyError, toProxyError } from '../errors.js';
import { type RequestContext, sleep } from '../stack/context.js';
import { bufferRequestBody } from '../stack/request-body.js';
import { discardResponse } from '../stack/discard-response.js';
import type { Layer, ProxyResponse } from '../stack/types.js';
import type { RetryBudget } from './retry-budget.js';
import {
  backoffMs,
  isRequestRetryable,
  isRetryableOutcome,
  isRetryableStatus,
  tryTimeoutMs,
} from './retry-policy.js';

export interface RetryConfig {
  readonly retries: BundleRetries;
  /** Shared by every request of the route, so the budget sees the route's request rate. */
  readonly budget: RetryBudget;
  readonly random: Random;
}

export const retryLayer: Layer<RetryConfig> = (cfg) => (next) => async (ctx) => {
  const policy = cfg.retries;
  let retryable = isRequestRetryable(policy, ctx.method, true);
  if (retryable) {
    cfg.budget.recordRequest();
    await bufferRequestBody(ctx, policy.maxBodyBytes);
  }
  for (let retry = 0; ; retry++) {
    ctx.tryTimeoutMs = tryTimeoutMs(policy.perTryTimeoutMs, ctx.clock.now(), ctx.deadline);
    ctx.attempts++;
    let outcome: ProxyResponse | ProxyError;
    try {
      outcome = await next(ctx);
      if (!isRetryableStatus(policy.on, outcome.status)) return outcome;
    } catch (err) {
      if (ctx.cancelled) throw ctx.cancelled;
      outcome = toProxyError(err);
    }
    retryable =
      retryable && retry < policy.attempts && isRequestRetryable(policy, ctx.method, replayable(ctx));
    const retryableOutcome = isRetryableOutcome(
      policy.on,
      outcome instanceof ProxyError ? { error: outcome } : { status: outcome.status },
    );
    if (!retryable || !retryableOutcome || !cfg.budget.tryWithdraw()) {
      if (outcome instanceof ProxyError) throw outcome;
      return outcome;
    }
    if (!(outcome instanceof ProxyError)) await discardResponse(outcome);
    await sleep(ctx, backoffMs(retry, policy.backoff, cfg.random));
  }
};

function replayable(ctx: RequestContext): boolean {
  return ctx.body.kind !== 'stream';
}
