// What validate, compile and report do first: open PATH (or the same path at --ref) and check the spec,
// through the parse cache the flags ask for (parse-cache-flags.ts).
import type { RootedSpecSource } from '../../load/types.js';
import type { CheckedSpec } from '../../pipeline.js';
import { openSpecSource } from '../spec-source.js';
import type { CommandContext, ParsedValues } from '../types.js';
import { cliCacheDir } from './parse-cache-flags.js';

export interface CliCheckedSpec {
  readonly source: RootedSpecSource;
  readonly checked: CheckedSpec;
  /** The cache directory in use (compile keeps its fingerprints there); undefined with --no-cache. */
  readonly cacheDir: string | undefined;
  /**
   * Writes what the parse cache learnt after checkSpec's own flush: a document read later (by compile
   * or report) whose cached body could not be read back was parsed again, and this keeps that parse
   * (parse-cache.ts). A command calls it once it has read the spec's documents; cheap when nothing is new.
   */
  flushCache(): Promise<void>;
}

export async function checkSpecFromArgs(
  values: ParsedValues,
  positionals: readonly string[],
  { io, overrides }: Pick<CommandContext, 'io' | 'overrides'>,
): Promise<CliCheckedSpec> {
  const ref = values['ref'];
  const cacheDir = cliCacheDir(values, io);
  const source = await openSpecSource({
    path: positionals[0] ?? '.',
    ...(typeof ref === 'string' ? { ref } : {}),
    cwd: io.cwd,
  });
  // Loaded on use: `--help` should not pay for loading the validator and the stages behind it.
  const [{ checkSpec }, { openParseCache }] = await Promise.all([
    import('../../pipeline.js'),
    import('../../load/parse-cache.js'),
  ]);
  const cache = cacheDir === undefined ? undefined : await openParseCache(cacheDir);
  const checked = await checkSpec(source, {
    now: io.now?.() ?? Date.now(),
    ...(cache ? { cache } : {}),
    ...(overrides.validate ? { validate: overrides.validate } : {}),
  });
  return { source, checked, cacheDir, flushCache: async () => cache?.flush() };
}
