// The lazy map normalize hands services out with: a value is made on its first read and never again,
// keys need no value, and a walk over the map makes every value and keeps the keys' order.
import { describe, expect, it } from 'vitest';
import { LazyMap } from '../../compiler/normalize/lazy-map.js';

function counting() {
  const made: string[] = [];
  const recipe = (key: string) => () => {
    made.push(key);
    return key.toUpperCase();
  };
  const map = new LazyMap(new Map(['b', 'a', 'c'].map((k) => [k, recipe(k)])));
  return { map, made };
}

describe('LazyMap', () => {
  it('makes a value on its first read only, and none for keys, has or size', () => {
    const { map, made } = counting();
    expect([...map.keys()]).toEqual(['b', 'a', 'c']);
    expect(map.has('a') && map.size === 3).toBe(true);
    expect(made).toEqual([]);
    expect(map.get('a')).toBe('A');
    expect(map.get('a')).toBe('A');
    expect(map.get('z')).toBeUndefined();
    expect(made).toEqual(['a']);
    expect(map.isMade('a') && !map.isMade('b')).toBe(true);
  });

  it('makes every value in key order when walked, each once', () => {
    const { map, made } = counting();
    map.get('c');
    expect([...map]).toEqual([
      ['b', 'B'],
      ['a', 'A'],
      ['c', 'C'],
    ]);
    expect([...map.values()]).toEqual(['B', 'A', 'C']);
    const seen: string[] = [];
    map.forEach((v, k) => seen.push(`${k}=${v}`));
    expect(seen).toEqual(['b=B', 'a=A', 'c=C']);
    expect(made).toEqual(['c', 'b', 'a']);
  });
});
