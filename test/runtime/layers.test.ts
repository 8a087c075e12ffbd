// The small layers and the stack shape, on fake handlers: fault injection by percentage, header
// mutation order, the circuit breaker's slot accounting, and compose's outermost-first order.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CircuitOpenError, FaultAbortError } from '../../runtime/errors.js';
import { CircuitBreaker, circuitBreakerLayer } from '../../runtime/layers/circuit-breaker.js';
import { faultLayer } from '../../runtime/layers/fault.js';
import { applyHeaderMutation, headersLayer, withoutReservedHeaders } from '../../runtime/layers/headers.js';
import { compose } from '../../runtime/stack/compose.js';
import { RequestContext } from '../../runtime/stack/context.js';
import type { Handler, ProxyResponse, Wrap } from '../../runtime/stack/types.js';
import { fixedRandom, ManualClock, seededRandom, withinBinomial } from './fakes.js';

const ok: Handler = async () => ({ status: 200, headers: {}, body: null });
const ctxOf = (clock = new ManualClock()) => new RequestContext('GET', {}, clock, 0);

describe('compose', () => {
  it('runs layers outermost first', async () => {
    const order: string[] = [];
    const tag =
      (name: string): Wrap =>
      (next) =>
      async (ctx) => {
        order.push(`>${name}`);
        const r = await next(ctx);
        order.push(`<${name}`);
        return r;
      };
    await compose([tag('a'), tag('b')], ok)(ctxOf());
    expect(order).toEqual(['>a', '>b', '<b', '<a']);
  });
});

describe('fault layer', () => {
  const fault = { delay: { percent: 50, durationMs: 1000 }, abort: { percent: 10, status: 418 } };

  it('aborts about percent of requests with the configured status and the route as rule', async () => {
    const handler = compose(
      [faultLayer({ fault: { delay: null, abort: fault.abort }, rule: 'r:1', random: seededRandom(1) })],
      ok,
    );
    let aborted = 0;
    const n = 5000;
    for (let i = 0; i < n; i++) {
      try {
        await handler(ctxOf());
      } catch (err) {
        expect(err).toBeInstanceOf(FaultAbortError);
        expect((err as FaultAbortError).status).toBe(418);
        expect((err as FaultAbortError).rule).toBe('r:1');
        aborted++;
      }
    }
    expect(withinBinomial(aborted, n, 0.1)).toBe(true);
  });

  it('delays on the context clock when the draw falls under the percentage', async () => {
    const clock = new ManualClock();
    // Draws: delay 0.2 (< 50 %: delay), abort 0.9 (>= 10 %: no abort).
    const handler = compose([faultLayer({ fault, rule: 'r', random: fixedRandom(0.2, 0.9) })], ok);
    let done = false;
    const p = handler(ctxOf(clock)).then(() => {
      done = true;
    });
    await clock.advance(999);
    expect(done).toBe(false);
    await clock.advance(1);
    await p;
    expect(done).toBe(true);
  });
});

describe('header mutations', () => {
  it('applies remove, then set, then add', () => {
    const h: Record<string, string | string[] | number | undefined> = { a: '1', b: '2', c: '3' };
    applyHeaderMutation(h, {
      remove: ['a', 'b'],
      set: [{ name: 'b', value: 'set' }],
      add: [
        { name: 'c', value: 'more' },
        { name: 'd', value: 'new' },
        { name: 'b', value: 'added' },
      ],
    });
    expect(h).toEqual({ b: ['set', 'added'], c: ['3', 'more'], d: 'new' });
  });

  // Validation refuses them (MC3029); a bundle compiled before that check still has them.
  it('leaves framing, connection and host headers alone, in remove, set and add', () => {
    const reserved = ['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'te', 'trailer'];
    const more = ['upgrade', 'expect', 'http2-settings', 'proxy-connection', 'proxy-authenticate', 'host'];
    const h: Record<string, string | string[] | number | undefined> = {
      host: 'reviews',
      'content-length': '11',
      connection: 'x',
    };
    applyHeaderMutation(
      h,
      withoutReservedHeaders({
        remove: ['host', 'content-length', 'connection'],
        set: [...reserved, ...more]
          .map((name) => ({ name, value: '0' }))
          .concat({ name: 'x-set', value: '1' }),
        add: [...reserved, ...more]
          .map((name) => ({ name, value: '1' }))
          .concat({ name: 'x-add', value: '2' }),
      }),
    );
    expect(h).toEqual({
      host: 'reviews',
      'content-length': '11',
      connection: 'x',
      'x-set': '1',
      'x-add': '2',
    });
  });

  it('mutates the forwarded request before and the response after', async () => {
    let seen: unknown;
    const handler = compose(
      [
        headersLayer({
          request: { set: [{ name: 'x-canary', value: '1' }], add: [], remove: ['cookie'] },
          response: { set: [], add: [], remove: ['server'] },
        }),
      ],
      async (ctx) => {
        seen = { ...ctx.upstreamHeaders };
        return { status: 200, headers: { server: 'app', 'x-kept': 'y' }, body: null };
      },
    );
    const ctx = ctxOf();
    ctx.upstreamHeaders = { cookie: 'secret', accept: '*/*' };
    const res = await handler(ctx);
    expect(seen).toEqual({ accept: '*/*', 'x-canary': '1' });
    expect(res.headers).toEqual({ 'x-kept': 'y' });
  });
});

describe('circuit breaker', () => {
  /** A request for `version` of the destination. */
  const ctxFor = (version: string) => Object.assign(ctxOf(), { version });

  it('fails fast beyond maxRequests and frees the slot when the body closes', async () => {
    const breaker = new CircuitBreaker('reviews/v1', 1);
    const body = new PassThrough();
    const handler = compose(
      [circuitBreakerLayer({ breakers: new Map([['v1', breaker]]) })],
      async (): Promise<ProxyResponse> => ({ status: 200, headers: {}, body }),
    );
    await handler(ctxFor('v1'));
    expect(breaker.active).toBe(1);
    await expect(handler(ctxFor('v1'))).rejects.toBeInstanceOf(CircuitOpenError);
    body.destroy();
    await new Promise((r) => setImmediate(r));
    expect(breaker.active).toBe(0);
  });

  it("counts each version in its own breaker: one version's full limit refuses none of another's", async () => {
    const breakers = new Map([
      ['v1', new CircuitBreaker('reviews/v1', 1)],
      ['v2', new CircuitBreaker('reviews/v2', 1)],
    ]);
    const handler = compose([circuitBreakerLayer({ breakers })], async () => ({
      status: 200,
      headers: {},
      body: new PassThrough(),
    }));
    await handler(ctxFor('v2'));
    await expect(handler(ctxFor('v2'))).rejects.toBeInstanceOf(CircuitOpenError);
    expect((await handler(ctxFor('v1'))).status).toBe(200);
    expect([breakers.get('v1')!.active, breakers.get('v2')!.active]).toEqual([1, 1]);
  });

  it('frees the slot when the attempt fails', async () => {
    const breaker = new CircuitBreaker('reviews/v1', 1);
    const handler = compose([circuitBreakerLayer({ breakers: new Map([['v1', breaker]]) })], async () => {
      throw new Error('boom');
    });
    await expect(handler(ctxFor('v1'))).rejects.toThrow('boom');
    expect(breaker.active).toBe(0);
  });
});
