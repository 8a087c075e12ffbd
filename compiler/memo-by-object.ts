// A function of an object computed once per object, for values a compile asks for again and again
// (a callee's plan and its text, once per caller). Keyed weakly: the values go with their objects.

/** `compute`, remembered per argument (by identity). */
export function memoByObject<K extends object, V>(compute: (key: K) => V): (key: K) => V {
  const known = new WeakMap<K, V>();
  return (key) => {
    if (known.has(key)) return known.get(key) as V;
    const value = compute(key);
    known.set(key, value);
    return value;
  };
}
