// The parse-cache flags validate, compile, plan and report share: --cache-dir DIR and --no-cache, over the
// default location of load/cache-dir.ts.
import { resolve } from 'node:path';
import { CACHE_DIR_ENV, defaultCacheDir } from '../../../schema/cache-dir.js';
import { openParseCache, type ParseCache } from '../../load/parse-cache.js';
import { UsageError } from '../errors.js';
import type { CliIo, ParsedValues } from '../types.js';

export const PARSE_CACHE_OPTIONS = {
  'cache-dir': { type: 'string' },
  'no-cache': { type: 'boolean' },
} as const;

/** Help lines for the flags, descriptions starting at `column` to line up with a command's help. */
export function parseCacheHelp(column: number): string {
  const row = (flag: string, text: string[]) =>
    text.map((line, i) => (i === 0 ? `  ${flag}`.padEnd(column) : ' '.repeat(column)) + line).join('\n');
  return [
    row('--cache-dir DIR', [
      'keep parse results of spec files, by content hash, in DIR (default:',
      `$${CACHE_DIR_ENV}, else $XDG_CACHE_HOME/meshc, else ~/.cache/meshc);`,
      'an unchanged file is neither parsed nor checked on its own again,',
      'nor read while its size, times and inode stay as they were;',
      "meshc keeps V8's compiled code of itself there too (code/)",
    ]),
    row('--no-cache', ['neither read nor write the parse cache']),
  ].join('\n');
}

/** The parse cache the flags and environment ask for; undefined with --no-cache or no home. */
export async function openCliParseCache(values: ParsedValues, io: CliIo): Promise<ParseCache | undefined> {
  const dir = cliCacheDir(values, io);
  return dir === undefined ? undefined : openParseCache(dir);
}

/** The absolute cache directory the flags and environment ask for (also holds compile fingerprints). */
export function cliCacheDir(values: ParsedValues, io: CliIo): string | undefined {
  const flagDir = values['cache-dir'];
  if (values['no-cache'] === true) {
    if (typeof flagDir === 'string') throw new UsageError('--cache-dir and --no-cache contradict each other');
    return undefined;
  }
  if (flagDir === '') throw new UsageError('--cache-dir needs a directory');
  const dir = typeof flagDir === 'string' ? flagDir : defaultCacheDir(io.env);
  return dir === undefined ? undefined : resolve(io.cwd, dir);
}
