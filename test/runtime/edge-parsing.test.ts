// The pure parts of the listeners: which destination a request names (Host or absolute form), and
// which headers are hop-by-hop and never forwarded.
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../runtime/errors.js';
import { parseRequestTarget } from '../../runtime/server/outbound.js';
import { newTraceparent } from '../../runtime/server/trace.js';
import { endToEndHeaders } from '../../runtime/upstream/hop-by-hop.js';

describe('parseRequestTarget', () => {
  it('takes the service from Host, without port, case or trailing dot', () => {
    expect(parseRequestTarget('/x?y', 'Ratings:9080')).toEqual({
      service: 'ratings',
      path: '/x?y',
      authority: undefined,
    });
    expect(parseRequestTarget('/', 'ratings.')).toMatchObject({ service: 'ratings' });
  });

  it('takes the service from an absolute-form target, which overrides Host', () => {
    expect(parseRequestTarget('http://ratings:9080/a/b?c', 'ignored')).toEqual({
      service: 'ratings',
      path: '/a/b?c',
      authority: 'ratings:9080',
    });
    expect(parseRequestTarget('HTTP://ratings', undefined)).toMatchObject({ service: 'ratings', path: '/' });
    expect(parseRequestTarget('http://ratings?q=1', undefined)).toMatchObject({ path: '/?q=1' });
    expect(parseRequestTarget('http://[::1]:80/', undefined)).toMatchObject({ service: '[::1]' });
  });

  it('refuses what it cannot route', () => {
    expect(() => parseRequestTarget('/x', undefined)).toThrow(BadRequestError);
    expect(() => parseRequestTarget('https://ratings/', undefined)).toThrow(BadRequestError);
    expect(() => parseRequestTarget('http://user@ratings/', undefined)).toThrow(BadRequestError);
    expect(() => parseRequestTarget('ratings:443', undefined)).toThrow(BadRequestError);
  });

  it('refuses a port that is not one, in Host or in the target (it would be forwarded as Host)', () => {
    for (const host of [
      'ratings:junk',
      'ratings:',
      'ratings:65536',
      'ratings:80:80',
      ':80',
      '[::1]x',
      '[::1]:',
    ]) {
      expect(() => parseRequestTarget('/x', host), host).toThrow(BadRequestError);
      expect(() => parseRequestTarget(`http://${host}/x`, undefined), host).toThrow(BadRequestError);
    }
    expect(parseRequestTarget('/x', 'ratings:65535')).toMatchObject({ service: 'ratings' });
    expect(parseRequestTarget('/x', '[::1]:0')).toMatchObject({ service: '[::1]' });
  });

  it('ends an absolute-form authority at a fragment, so the path carries it (and is refused there)', () => {
    expect(parseRequestTarget('http://details:80#/details/1', undefined)).toEqual({
      service: 'details',
      path: '/#/details/1',
      authority: 'details:80',
    });
  });
});

describe('endToEndHeaders', () => {
  const incoming = {
    host: 'ratings',
    connection: 'keep-alive, X-Private, close',
    'keep-alive': 'timeout=5',
    'proxy-authorization': 'Basic x',
    'proxy-connection': 'keep-alive',
    te: 'trailers',
    trailer: 'x-sum',
    'transfer-encoding': 'chunked',
    upgrade: 'websocket',
    'x-private': 'hop',
    'x-meshc-peer': 'spiffe://shop.local/admin',
    'x-meshc-error': 'spoof',
    'x-user': 'u1',
  };

  it('drops hop-by-hop headers, proxy-* and those Connection lists', () => {
    expect(endToEndHeaders(incoming, false)).toEqual({
      host: 'ratings',
      'x-meshc-peer': 'spiffe://shop.local/admin',
      'x-meshc-error': 'spoof',
      'x-user': 'u1',
    });
  });

  it('drops every x-meshc-* header at the inbound edge', () => {
    expect(endToEndHeaders(incoming, true)).toEqual({ host: 'ratings', 'x-user': 'u1' });
  });

  it('drops them spelt with underscores too (CGI and WSGI read x_meshc_peer as x-meshc-peer)', () => {
    const spoofs = { x_meshc_peer: 'spiffe://shop.local/admin', 'x-meshc_rule': 'a', x_meshc_error: 'b' };
    const lookalikes = { 'x-meshcpeer': '1', xmeshc_peer: '2', 'x-meshc': '3', x_my_header: '4' };
    expect(endToEndHeaders({ ...spoofs, ...lookalikes, host: 'ratings' }, true)).toEqual({
      ...lookalikes,
      host: 'ratings',
    });
    expect(endToEndHeaders(spoofs, false)).toEqual(spoofs);
  });
});

describe('newTraceparent', () => {
  it('is a W3C version-00 traceparent with the sampled flag', () => {
    expect(newTraceparent(true)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(newTraceparent(false)).toMatch(/-00$/);
  });
});
