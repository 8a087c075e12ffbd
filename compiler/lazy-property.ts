// Own enumerable properties computed when first read, for objects made by the thousand (one per spec
// file or document on every run). V8 makes an object literal with a `get` accessor in dictionary
// mode: at 1,000 spec files, three such kinds held ~1 MB of property dictionaries after validation
// (a heap snapshot), and every read of them was a dictionary lookup. A getter closure per object,
// added with defineProperty, gives every object an accessor of its own and so a hidden class of its
// own. Here the objects of a kind share one getter per property, which finds the object's state in a
// WeakMap: they keep one hidden class per shape.

/** Adds `keys` (each named in the definer's `compute`) to `target`, computed from `state`. */
export type DefineLazy<S, K extends string> = (target: object, state: S, ...keys: K[]) => void;

export interface LazyPropertyOptions {
  /**
   * Once computed, a value replaces its getter as a plain writable data property, so later reads are
   * plain reads; without it every read calls `compute` (for getters that only forward to another
   * object, which keeps its own value).
   */
  readonly keep?: boolean;
}

/**
 * The definer of properties computed by `compute[key]` from each object's state (and the object).
 * Reading one through an object that inherits from one given to the definer answers that object's
 * value.
 */
export function lazyProperties<S, K extends string>(
  compute: Readonly<Record<K, (state: S, target: object) => unknown>>,
  { keep = false }: LazyPropertyOptions = {},
): DefineLazy<S, K> {
  const states = new WeakMap<object, S>();
  /** Values kept for a frozen object, which cannot turn its getters into data properties. */
  const frozen = new WeakMap<object, Partial<Record<K, unknown>>>();
  const descriptors = new Map<K, PropertyDescriptor>();
  for (const key of Object.keys(compute) as K[]) {
    descriptors.set(key, {
      enumerable: true,
      configurable: true,
      get(this: object) {
        let owner: object | null = this;
        while (owner !== null && !states.has(owner)) owner = Reflect.getPrototypeOf(owner);
        if (owner === null) return undefined;
        const kept = frozen.get(owner);
        if (kept && key in kept) return kept[key];
        const value = compute[key](states.get(owner) as S, owner);
        if (keep) {
          const data = { value, enumerable: true, writable: true, configurable: true };
          if (!Reflect.defineProperty(owner, key, data)) frozen.set(owner, { ...kept, [key]: value });
        }
        return value;
      },
    });
  }
  return (target, state, ...keys) => {
    states.set(target, state);
    for (const key of keys) Object.defineProperty(target, key, descriptors.get(key)!);
  };
}
