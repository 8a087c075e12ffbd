// compiler/memo-by-object.ts: a value computed once per object, by identity.
import { describe, expect, it } from 'vitest';
import { memoByObject } from '../../compiler/memo-by-object.js';

describe('memoByObject', () => {
  it('computes once per object, each object its own value, an undefined one too', () => {
    const calls: object[] = [];
    const nameOf = memoByObject((o: { name?: string }) => (calls.push(o), o.name));
    const a = { name: 'a' };
    const b = { name: 'a' };
    const none = {};
    expect([nameOf(a), nameOf(a), nameOf(b), nameOf(none), nameOf(none)]).toEqual([
      'a',
      'a',
      'a',
      undefined,
      undefined,
    ]);
    expect(calls).toEqual([a, b, none]);
    expect(calls[0]).toBe(a);
    expect(calls[1]).toBe(b);
  });
});
