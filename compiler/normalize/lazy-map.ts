// A read-only map whose values are made on first read. normalize hands services out this way so a
// compile that skips unchanged services (store/fingerprints.ts fingerprints them from their inputs)
// never normalizes them; a stage that walks every service still sees a complete, ordered map.

export class LazyMap<K, V> implements ReadonlyMap<K, V> {
  private readonly made = new Map<K, V>();

  /** `recipes`: the keys, in order, and how to make each value (called once per key). */
  constructor(private readonly recipes: ReadonlyMap<K, () => V>) {}

  get size(): number {
    return this.recipes.size;
  }

  has(key: K): boolean {
    return this.recipes.has(key);
  }

  get(key: K): V | undefined {
    if (this.made.has(key)) return this.made.get(key);
    const make = this.recipes.get(key);
    if (!make) return undefined;
    const value = make();
    this.made.set(key, value);
    return value;
  }

  /** Whether the value of `key` has been made (read) yet. */
  isMade(key: K): boolean {
    return this.made.has(key);
  }

  keys(): MapIterator<K> {
    return this.recipes.keys();
  }

  values(): MapIterator<V> {
    return this.all().values();
  }

  entries(): MapIterator<[K, V]> {
    return this.all().entries();
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.all()) callback.call(thisArg, value, key, this);
  }

  /** Every value made, in key order: a walk over all of them needs them all anyway. */
  private all(): Map<K, V> {
    const out = new Map<K, V>();
    for (const key of this.recipes.keys()) out.set(key, this.get(key) as V);
    return out;
  }
}
