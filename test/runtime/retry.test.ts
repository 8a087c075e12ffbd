// Retry decisions, back-off and budget as pure functions with injected clock and random source,
// then the retry and timeout layers composed over fake handlers on a manual clock.
import { describe, expect, it } from 'vitest';
import {
  ProxyError,
  UpstreamConnectError,
  UpstreamResetError,
  UpstreamTimeoutError,
} from '../../runtime/errors.js';
import { retryLayer } from '../../runtime/layers/retry.js';
import { RetryBudget } from '../../runtime/layers/retry-budget.js';
import {
  backoffMs,
  isRequestRetryable,
  isRetryableOutcome,
  tryTimeoutMs,
} from '../../runtime/layers/retry-policy.js';
import { timeoutLayer } from '../../runtime/layers/timeout.js';
import { compose } from '../../runtime/stack/compose.js';
import { RequestContext } from '../../runtime/stack/context.js';
import type { Handler, ProxyResponse } from '../../runtime/stack/types.js';
import { retries } from './bundle-factory.js';
import { fixedRandom, ManualClock } from './fakes.js';

const on = retries({ on: { connectFailure: true, reset: false, gatewayError: true, statuses: [429] } }).on;

describe('isRetryableOutcome', () => {
  it('follows retries.on for statuses', () => {
    expect(isRetryableOutcome(on, { status: 503 })).toBe(true);
    expect(isRetryableOutcome(on, { status: 502 })).toBe(true);
    expect(isRetryableOutcome(on, { status: 429 })).toBe(true);
    expect(isRetryableOutcome(on, { status: 500 })).toBe(false);
    expect(isRetryableOutcome(retries({ on: { any5xx: true } }).on, { status: 500 })).toBe(true);
    expect(isRetryableOutcome(on, { status: 200 })).toBe(false);
  });

  it('follows retries.on for errors; a route timeout is final, a per-try timeout counts as 504', () => {
    expect(isRetryableOutcome(on, { error: new UpstreamConnectError('x') })).toBe(true);
    expect(isRetryableOutcome(on, { error: new UpstreamResetError('x') })).toBe(true);
    expect(
      isRetryableOutcome(retries({ on: { reset: true } }).on, { error: new UpstreamResetError('x') }),
    ).toBe(true);
    expect(isRetryableOutcome(on, { error: new UpstreamTimeoutError('x', undefined, true) })).toBe(true);
    expect(isRetryableOutcome(on, { error: new UpstreamTimeoutError('x', undefined, false) })).toBe(false);
  });

  it("gives each name Envoy's reach: reset, 5xx and gateway-error cover no answer at all, a status only answers", () => {
    const connect = { error: new UpstreamConnectError('x') };
    const reset = { error: new UpstreamResetError('x') };
    const perTry = { error: new UpstreamTimeoutError('x', undefined, true) };
    const reach = (o: Parameters<typeof retries>[0]['on']) => {
      const list = retries({ on: o }).on;
      return [connect, reset, perTry].map((outcome) => isRetryableOutcome(list, outcome));
    };
    expect(reach({ connectFailure: true })).toEqual([true, false, false]);
    expect(reach({ reset: true })).toEqual([true, true, true]);
    expect(reach({ any5xx: true })).toEqual([true, true, true]);
    expect(reach({ gatewayError: true })).toEqual([true, true, true]);
    // retriable-status-codes: answers with those statuses only, never a per-try timeout (a "504").
    expect(reach({ statuses: [504] })).toEqual([false, false, false]);
    expect(reach({ refusedStream: true })).toEqual([false, false, false]);
  });
});

describe('isRequestRetryable', () => {
  const policy = retries({ attempts: 2 });
  it('only idempotent methods when idempotentOnly', () => {
    expect(isRequestRetryable(policy, 'GET', true)).toBe(true);
    expect(isRequestRetryable(policy, 'PUT', true)).toBe(true);
    expect(isRequestRetryable(policy, 'POST', true)).toBe(false);
    expect(isRequestRetryable({ ...policy, idempotentOnly: false }, 'POST', true)).toBe(true);
  });
  it('never a body that was streamed, never with zero attempts', () => {
    expect(isRequestRetryable(policy, 'GET', false)).toBe(false);
    expect(isRequestRetryable(retries({ attempts: 0 }), 'GET', true)).toBe(false);
  });
});

describe('backoffMs (full jitter)', () => {
  const b = { baseMs: 25, maxMs: 250 };
  it("draws uniformly below min(max, base * (2^(retry+1) - 1)), Envoy's caps", () => {
    expect(backoffMs(0, b, () => 0.999)).toBe(24);
    expect(backoffMs(1, b, () => 0.999)).toBe(74);
    expect(backoffMs(2, b, () => 0.5)).toBe(87);
    expect(backoffMs(2, b, () => 0.999)).toBe(174);
    expect(backoffMs(3, b, () => 0.999)).toBe(249);
    expect(backoffMs(10, b, () => 0.999)).toBe(249);
    expect(backoffMs(60, b, () => 0.5)).toBe(125);
    expect(backoffMs(3, b, () => 0)).toBe(0);
  });
});

describe('tryTimeoutMs', () => {
  it('is the per-try timeout while the route deadline is further; else none: the route timer ends the attempt', () => {
    expect(tryTimeoutMs(100, 0, 1000)).toBe(100);
    // The route deadline comes first: its own timer ends the attempt, as the route timeout.
    expect(tryTimeoutMs(100, 950, 1000)).toBe(Number.POSITIVE_INFINITY);
    expect(tryTimeoutMs(100, 900, 1000)).toBe(Number.POSITIVE_INFINITY);
    expect(tryTimeoutMs(0, 0, 1000)).toBe(Number.POSITIVE_INFINITY);
    expect(tryTimeoutMs(0, 0, Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('RetryBudget', () => {
  it('allows percent of recent requests plus minPerSecond over the window', () => {
    const clock = new ManualClock();
    const budget = new RetryBudget({ percent: 20, minPerSecond: 1 }, clock, 10);
    for (let i = 0; i < 100; i++) budget.recordRequest();
    let granted = 0;
    while (budget.tryWithdraw()) granted++;
    // 20 % of 100 requests, plus 1/s over a 10 s window.
    expect(granted).toBe(30);
  });

  it('forgets deposits and withdrawals older than the window', async () => {
    const clock = new ManualClock();
    const budget = new RetryBudget({ percent: 50, minPerSecond: 0 }, clock, 10);
    for (let i = 0; i < 10; i++) budget.recordRequest();
    expect(budget.tryWithdraw()).toBe(true);
    await clock.advance(5000);
    for (let i = 0; i < 4; i++) expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
    await clock.advance(5000);
    // The first second's deposits and withdrawal expired; 4 withdrawals remain, no deposits.
    expect(budget.balance()).toBe(-400);
    await clock.advance(10_000);
    expect(budget.balance()).toBe(0);
  });

  it('with no traffic, only the floor remains', () => {
    const budget = new RetryBudget({ percent: 20, minPerSecond: 0 }, new ManualClock());
    expect(budget.tryWithdraw()).toBe(false);
  });
});

const reply = (status: number): ProxyResponse => ({ status, headers: {}, body: null });

function context(clock: ManualClock, method = 'GET') {
  return new RequestContext(method, {}, clock, clock.now());
}

describe('retry layer', () => {
  const policy = retries({
    attempts: 3,
    perTryTimeoutMs: 100,
    on: { gatewayError: true, connectFailure: true },
    backoff: { baseMs: 10, maxMs: 40 },
    budget: { percent: 100, minPerSecond: 100 },
  });

  it('retries retryable outcomes until success, backing off between attempts', async () => {
    const clock = new ManualClock();
    const outcomes: (number | ProxyError)[] = [503, new UpstreamConnectError('refused'), 200];
    const seenTimeouts: number[] = [];
    const terminal: Handler = async (ctx) => {
      seenTimeouts.push(ctx.tryTimeoutMs);
      const o = outcomes.shift()!;
      if (o instanceof ProxyError) throw o;
      return reply(o);
    };
    const budget = new RetryBudget(policy.budget, clock);
    const handler = compose([retryLayer({ retries: policy, budget, random: fixedRandom(0.5) })], terminal);
    const ctx = context(clock);
    const done = handler(ctx);
    await clock.advance(1000);
    expect((await done).status).toBe(200);
    expect(ctx.attempts).toBe(3);
    expect(seenTimeouts).toEqual([100, 100, 100]);
  });

  it('returns the last retryable response once attempts are used up', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const terminal: Handler = async () => {
      calls++;
      return reply(503);
    };
    const handler = compose(
      [
        retryLayer({
          retries: policy,
          budget: new RetryBudget(policy.budget, clock),
          random: fixedRandom(0),
        }),
      ],
      terminal,
    );
    const done = handler(context(clock));
    await clock.advance(1000);
    expect((await done).status).toBe(503);
    expect(calls).toBe(4);
  });

  it('does not retry a POST when idempotentOnly, nor a status not listed', async () => {
    const clock = new ManualClock();
    const statuses = [503, 503, 500];
    let calls = 0;
    const handler = compose(
      [
        retryLayer({
          retries: policy,
          budget: new RetryBudget(policy.budget, clock),
          random: fixedRandom(0),
        }),
      ],
      async () => reply(statuses[calls++]!),
    );
    expect((await handler(context(clock, 'POST'))).status).toBe(503);
    expect(calls).toBe(1);
    // GET: 503 is retried, the 500 that follows is not listed and is returned.
    expect((await handler(context(clock, 'GET'))).status).toBe(500);
    expect(calls).toBe(3);
  });

  it('stops when the budget is spent', async () => {
    const clock = new ManualClock();
    const budget = new RetryBudget({ percent: 0, minPerSecond: 0.1 }, clock, 10);
    let calls = 0;
    const handler = compose([retryLayer({ retries: policy, budget, random: fixedRandom(0) })], async () => {
      calls++;
      return reply(503);
    });
    // The floor buys one retry in the window: the first request gets it, the second none.
    expect((await handler(context(clock))).status).toBe(503);
    expect(calls).toBe(2);
    expect((await handler(context(clock))).status).toBe(503);
    expect(calls).toBe(3);
  });
});

describe('timeout layer', () => {
  it('ends the request with 504 upstream-timeout naming the route, cancelling the attempt', async () => {
    const clock = new ManualClock();
    let cancelledWith: ProxyError | undefined;
    const terminal: Handler = (ctx) =>
      new Promise((_resolve, reject) => {
        ctx.onCancel((err) => {
          cancelledWith = err;
          reject(err);
        });
      });
    const handler = compose([timeoutLayer({ timeoutMs: 200, rule: 'services/r.yaml:9' })], terminal);
    const ctx = context(clock);
    ctx.routeSource = 'services/r.yaml:9';
    const done = handler(ctx).catch((e: unknown) => e);
    await clock.advance(199);
    expect(cancelledWith).toBeUndefined();
    await clock.advance(1);
    const err = (await done) as UpstreamTimeoutError;
    expect(err).toBeInstanceOf(UpstreamTimeoutError);
    expect(err.status).toBe(504);
    expect(err.rule).toBe('services/r.yaml:9');
    expect(err.perTry).toBe(false);
    expect(cancelledWith).toBe(err);
  });

  it('bounds retries and back-offs together, and clears its timer on success', async () => {
    const clock = new ManualClock();
    const policy = retries({ attempts: 100, on: { gatewayError: true }, backoff: { baseMs: 50, maxMs: 50 } });
    let calls = 0;
    const handler = compose(
      [
        timeoutLayer({ timeoutMs: 200, rule: 'r' }),
        retryLayer({
          retries: policy,
          budget: new RetryBudget({ percent: 100, minPerSecond: 1000 }, clock),
          random: fixedRandom(0.99),
        }),
      ],
      async () => {
        calls++;
        return reply(503);
      },
    );
    const done = handler(context(clock)).catch((e: unknown) => e);
    await clock.advance(1000);
    expect(await done).toBeInstanceOf(UpstreamTimeoutError);
    // Each back-off is 49 ms: attempts at 0, 49, 98, 147, 196.
    expect(calls).toBe(5);
    const ok = compose([timeoutLayer({ timeoutMs: 200, rule: 'r' })], async () => reply(200));
    await ok(context(clock));
    expect(clock.pendingTimers).toBe(0);
  });
});
