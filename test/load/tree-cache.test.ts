// The tree cache keeps the most recently used files only, and parses an evicted file again on demand.
import { describe, expect, it } from 'vitest';
import { TreeCache } from '../../compiler/load/tree-cache.js';

describe('TreeCache', () => {
  it('evicts the least recently used file and rebuilds it when asked again', () => {
    const cache = new TreeCache(2);
    const a = cache.index('a.yaml', 'x: 1\n', 0);
    expect(cache.index('a.yaml', 'x: 1\n', 0)).toBe(a);
    cache.index('b.yaml', 'y: 1\n', 0);
    cache.index('a.yaml', 'x: 1\n', 0); // a is now the most recent, b the least
    cache.index('c.yaml', 'z: 1\n', 0); // evicts b
    expect(cache.index('a.yaml', 'x: 1\n', 0)).toBe(a);
    cache.index('d.yaml', 'w: 1\n', 0); // evicts c
    cache.index('e.yaml', 'v: 1\n', 0); // evicts a
    const rebuilt = cache.index('a.yaml', 'x: 1\n', 0);
    expect(rebuilt).not.toBe(a);
    expect(rebuilt.toLocation(rebuilt.nodes.get('/x')!.value)).toEqual(
      a.toLocation(a.nodes.get('/x')!.value),
    );
  });

  it('indexes each document of a multi-document file separately', () => {
    const cache = new TreeCache();
    const second = cache.index('m.yaml', 'a: 1\n---\nb: 2\n', 1);
    expect([...second.nodes.keys()]).toEqual(['', '/b']);
    expect(second.toLocation(second.nodes.get('/b')!.value)).toMatchObject({ line: 3, col: 4 });
  });
});
