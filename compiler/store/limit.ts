// Bounded concurrency for store I/O: a 10,000-service store is ~40,000 files, and one file at a
// time leaves the disk idle between syscalls; unbounded would run out of file descriptors.

/** Files read or written at once. */
export const IO_CONCURRENCY = 64;

/**
 * `fn` over `items` with at most `limit` calls in flight, results in input order. On the first
 * failure no new call starts; the ones in flight settle, then the failure is thrown, so a caller's
 * rollback never races a write still under way.
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}
