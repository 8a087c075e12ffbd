// The pure parts of the sidecar wiring: listener flags and their defaults from the bundle, and the
// access-log record made from a finished request context.
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../runtime/clock.js';
import { listenerAddresses, metricsAddress, parseListenerFlag } from '../../runtime/sidecar-listeners.js';
import { RequestContext } from '../../runtime/stack/context.js';
import { recordOf } from '../../runtime/telemetry/request-observer.js';
import { makeBundle } from '../runtime-lifecycle/fixtures.js';

describe('listener flags', () => {
  it('parses HOST:PORT, [IPv6]:PORT, :PORT, PORT and HOST', () => {
    expect(parseListenerFlag('0.0.0.0:15006')).toEqual({ host: '0.0.0.0', port: 15006 });
    expect(parseListenerFlag('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListenerFlag(':8080')).toEqual({ port: 8080 });
    expect(parseListenerFlag('8080')).toEqual({ port: 8080 });
    expect(parseListenerFlag('localhost')).toEqual({ host: 'localhost' });
  });

  it('refuses ports out of range and malformed addresses', () => {
    for (const bad of ['70000', 'host:70000', 'a:b:c', 'host:', '[::1', ':']) {
      expect(parseListenerFlag(bad), bad).toHaveProperty('error');
    }
  });

  it('takes each part the flags leave out from the bundle, with loopback for outbound and admin', () => {
    const bundle = makeBundle('reviews');
    expect(listenerAddresses(bundle, { inbound: { port: 0 }, admin: { host: '0.0.0.0' } }, 0)).toEqual({
      inbound: { host: '0.0.0.0', port: 0 },
      outbound: { host: '127.0.0.1', port: bundle.sidecar.outbound },
      admin: { host: '0.0.0.0', port: bundle.sidecar.admin },
    });
    // No bundle yet: the mesh's built-in ports.
    expect(listenerAddresses(null, undefined, 0).admin).toEqual({ host: '127.0.0.1', port: 15000 });
  });

  it('runs the metrics listener only when flagged, on all interfaces and port 15090 unless told', () => {
    expect(metricsAddress(undefined)).toBeNull();
    expect(metricsAddress({ admin: { port: 0 } })).toBeNull();
    expect(metricsAddress({ metrics: { port: 9090 } })).toEqual({ host: '0.0.0.0', port: 9090 });
    expect(metricsAddress({ metrics: { host: '10.0.0.7' } })).toEqual({ host: '10.0.0.7', port: 15090 });
  });
});

describe('access-log record of a request', () => {
  const clock: Clock = { now: () => 1000, setTimer: () => 0, clearTimer: () => undefined };
  const context = (method: string, headers: Record<string, string>) =>
    new RequestContext(method, headers, clock, 1000);

  it('reads the declared body sizes: Content-Length, 0 without a body, null when chunked', () => {
    const post = context('POST', { host: 'ratings', 'content-length': '12' });
    post.status = 200;
    post.responseLength = '34';
    expect(recordOf(post, 'outbound', 5, 10_000)).toMatchObject({ bytesIn: 12, bytesOut: 34 });

    const chunked = context('POST', { host: 'ratings', 'transfer-encoding': 'chunked' });
    chunked.status = 200;
    expect(recordOf(chunked, 'outbound', 5, 10_000)).toMatchObject({ bytesIn: null, bytesOut: null });

    const head = context('HEAD', { host: 'ratings' });
    head.status = 200;
    head.responseLength = 99; // the size a GET would have had; a HEAD response has no body
    expect(recordOf(head, 'outbound', 5, 10_000)).toMatchObject({ bytesIn: 0, bytesOut: 0 });
  });

  it('names the peer by direction and counts retries from attempts', () => {
    const ctx = context('GET', { host: 'reviews:15006' });
    Object.assign(ctx, {
      status: 503,
      peer: 'spiffe://shop.local/productpage',
      destination: 'reviews',
      attempts: 3,
      errorCode: 'no-healthy-upstream',
      requestId: 'r-1',
    });
    expect(recordOf(ctx, 'inbound', 250, 10_000)).toMatchObject({
      startTime: 9750,
      authority: 'reviews:15006',
      peer: 'spiffe://shop.local/productpage',
      retries: 2,
      errorReason: 'no-healthy-upstream',
      requestId: 'r-1',
      durationMs: 250,
    });
    expect(recordOf(ctx, 'outbound', 250, 10_000).peer).toBe('reviews');
  });
});
