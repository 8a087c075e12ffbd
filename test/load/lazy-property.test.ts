// compiler/lazy-property.ts: properties computed on first read, with one getter per property shared
// by every object of a kind, so that thousands of spec documents and files keep fast hidden classes
// (an object literal's `get` makes each object a property dictionary). Checked in a child process
// with V8's natives syntax; the rest is behaviour.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lazyProperties } from '../../compiler/lazy-property.js';

describe('lazyProperties', () => {
  it('computes each object its own value from its own state, on each read unless kept', () => {
    let computed = 0;
    const define = lazyProperties({ double: (n: number) => (computed++, n * 2) });
    const a = { name: 'a' };
    const b = { name: 'b' };
    define(a, 1, 'double');
    define(b, 5, 'double');
    expect(computed).toBe(0);
    expect([(a as { double?: number }).double, (b as { double?: number }).double]).toEqual([2, 10]);
    expect((a as { double?: number }).double).toBe(2);
    expect(computed).toBe(3);
    // Own and enumerable: spreading, keys and JSON see it.
    expect(Object.keys(a)).toEqual(['name', 'double']);
    expect({ ...b }).toEqual({ name: 'b', double: 10 });
    expect(JSON.parse(JSON.stringify(a))).toEqual({ name: 'a', double: 2 });
  });

  it('keeps a computed value as a plain data property when asked', () => {
    let computed = 0;
    const define = lazyProperties(
      { text: (s: string, target) => (computed++, `${s}:${(target as { id: number }).id}`) },
      { keep: true },
    );
    const o = { id: 7 } as { id: number; text?: string };
    define(o, 'x', 'text');
    expect(Object.getOwnPropertyDescriptor(o, 'text')?.get).toBeTypeOf('function');
    expect(o.text).toBe('x:7');
    expect(o.text).toBe('x:7');
    expect(computed).toBe(1);
    expect(Object.getOwnPropertyDescriptor(o, 'text')).toEqual({
      value: 'x:7',
      enumerable: true,
      writable: true,
      configurable: true,
    });
  });

  it('answers through an object inheriting from one it defined, and on a frozen one once', () => {
    let computed = 0;
    const define = lazyProperties({ v: (n: number) => (computed++, n + 1) }, { keep: true });
    const parent = {} as { v?: number };
    define(parent, 1, 'v');
    expect((Object.create(parent) as { v?: number }).v).toBe(2);
    const frozen = {} as { v?: number };
    define(frozen, 10, 'v');
    Object.freeze(frozen);
    expect(frozen.v).toBe(11);
    expect(frozen.v).toBe(11);
    expect(computed).toBe(2);
    // A getter read off an object it never defined answers nothing.
    const getter = Object.getOwnPropertyDescriptor(parent, 'v')?.get;
    expect(getter?.call({})).toBeUndefined();
  });

  it('leaves objects with fast properties, one hidden class per shape', () => {
    const module = fileURLToPath(new URL('../../dist/compiler/lazy-property.js', import.meta.url));
    const script = `
      const { lazyProperties } = await import(${JSON.stringify(module)});
      const define = lazyProperties({ value: (s) => s, other: (s) => s });
      const make = (i) => { const o = { file: 'f' + i, index: i }; define(o, i, 'value', 'other'); o.after = i; return o; };
      const a = make(1), b = make(2);
      const literal = (i) => ({ file: 'f' + i, get value() { return i; } });
      console.log(JSON.stringify([%HasFastProperties(a), %HaveSameMap(a, b), %HasFastProperties(literal(1))]));`;
    const run = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    // The last: what an object literal's getter gives, the reason for this module.
    expect(JSON.parse(run.stdout)).toEqual([true, true, false]);
  });
});
