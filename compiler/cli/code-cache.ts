// Loads the bundled CLI (dist/cli/meshc.cjs, made by scripts/bundle-cli.mjs) through node:vm with V8's
// code cache, kept in meshc's cache directory or, for a first run, the one the build shipped beside the
// bundle: a run then neither parses nor compiles the functions an earlier run of the same command
// already compiled (docs/decisions/0028-bundled-cli-with-code-cache.md).
// Node 20 has no compile cache for ES modules (module.enableCompileCache came in 22.1), hence CommonJS
// and vm.Script. The cache is only ever an optimisation: any failure to read or write it is ignored.
import { isAscii } from 'node:buffer';
import { hash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { Script } from 'node:vm';
import { crc32 } from 'node:zlib';
import { makeDirsSync } from '../cache-file.js';
import { defaultCacheDir } from '../../schema/cache-dir.js';

/** Bumped when the cache file's layout changes. */
const CODE_CACHE_FORMAT = 'meshc.code-cache/v2';

/**
 * The cache the build leaves beside the bundle (scripts/bundle-cli.mjs runs a few commands on the
 * example mesh to make it), so that a first run, as in every fresh CI job, starts compiled too.
 */
export const SHIPPED_CACHE_FILE = 'meshc.code-cache';

/** Cache files kept per directory (one per meshc build and Node seen lately); older ones are removed. */
const KEEP_FILES = 4;

export interface LoadedBundle<T> {
  readonly exports: T;
  /** Whether V8 used a cache file for this load. */
  readonly cacheHit: boolean;
  /**
   * Keeps the code compiled so far for next time, when the cache file did not already cover
   * `command`. Call it after the command has run, so the functions it compiled are in the cache.
   */
  saveCodeCache(command: string): void;
}

/**
 * The cache directory a command line names, read before the bundle (and so parseArgs) is loaded:
 * `--cache-dir DIR` moves the code cache with the parse cache; otherwise the default of
 * load/cache-dir.ts. `--no-cache` turns off the parse cache only: the code cache is how meshc itself
 * starts, never what it answers, as Node 22 keeps its compile cache whatever a program's flags. Only
 * the spellings parse-cache-flags.ts accepts are recognised.
 */
export function codeCacheDir(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): string | undefined {
  let flagDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') break;
    if (arg === '--cache-dir') flagDir = argv[++i];
    else if (arg.startsWith('--cache-dir=')) flagDir = arg.slice('--cache-dir='.length);
  }
  const dir = flagDir || defaultCacheDir(env);
  return dir === undefined ? undefined : resolve(cwd, dir);
}

/** Header of a cache file: for which bundle, which commands' runs compiled its code, its checksum. */
interface CacheHeader {
  readonly format: string;
  /** cacheKey of the bundle, Node and CPU it was made for (the shipped file's name does not say). */
  readonly key: string;
  readonly commands: readonly string[];
  /** CRC-32 of V8's data: a release V8 checks only its length and versions, not its bytes. */
  readonly crc32: number;
}

/**
 * Runs the bundle at `file` (a function expression of CommonJS's five arguments, as the build writes
 * it) and returns its exports. With `cacheDir`, V8's code cache for this
 * exact bundle, Node and CPU is read from (and later saved to) `<cacheDir>/code/`.
 */
export function loadBundle<T>(file: string, cacheDir: string | undefined): LoadedBundle<T> {
  const bytes = readFileSync(file);
  // The bundle is ASCII (scripts/bundle-cli.mjs escapes the rest): read as Latin-1 it becomes an
  // external string, off V8's heap, by one copy; decoding 2 MB of UTF-8 took ~6 ms more. The file is a
  // function expression already, so V8 compiles this very string (a wrapper concatenated here made a
  // 2.3 MB flat copy on the heap at every start).
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const shippedKey = cacheKey(bytes);
  const key = withFlags(shippedKey, process.execArgv, process.env['NODE_OPTIONS']);
  const cacheFile = cacheDir === undefined ? undefined : join(cacheDir, 'code', `${key}.bin`);
  // This user's cache first (it may cover more commands), else the one the build shipped, made
  // without flags: V8 itself refuses it when the flags it runs with now would compile other code.
  const cached =
    (cacheFile === undefined ? undefined : readCacheFile(cacheFile, key)) ??
    readCacheFile(join(dirname(file), SHIPPED_CACHE_FILE), shippedKey);
  const script = new Script(source, { filename: file, ...(cached ? { cachedData: cached.data } : {}) });
  const cacheHit = cached !== undefined && script.cachedDataRejected === false;
  const module = { exports: {} as T };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper(module.exports, createRequire(file), module, file, dirname(file));
  return {
    exports: module.exports,
    cacheHit,
    saveCodeCache(command) {
      if (cacheFile === undefined) return;
      const covered = cacheHit ? cached.header.commands : [];
      if (covered.includes(command)) return;
      writeCacheFile(cacheFile, key, [...covered, command].sort(), script);
    },
  };
}

/**
 * One cache file per bundle, Node version and CPU. V8 itself rejects another V8's or flags' cache, but
 * of the source it checks only the length, so the key names the bytes: their CRC-32, as Node 22's own
 * compile cache does (a SHA-256 of the 2 MB took ~3.5 ms of every start).
 */
function cacheKey(bundle: Buffer): string {
  const who = `${CODE_CACHE_FORMAT} ${process.version} ${process.versions.v8} ${process.arch}`;
  return hash('sha256', `${who} ${bundle.length} ${crc32(bundle)}`, 'hex').slice(0, 32);
}

/**
 * The key of a cache made under the flags Node was started with. V8 refuses a cache made under other
 * flags (--max-old-space-size, --trace-gc, ... in NODE_OPTIONS or before the script), and a refused
 * cache was rewritten under the new flags, in the same file: runs alternating between two flag sets
 * each started uncompiled and rewrote ~1 MB. The flags as given, not V8's own digest of them
 * (v8.cachedDataVersionTag): loading node:v8 took 1.6-2.7 ms of every start. A Node-only flag gets
 * a file of its own too, for nothing worse than one uncompiled first run. No flags: the key as before.
 */
function withFlags(key: string, execArgv: readonly string[], nodeOptions: string | undefined): string {
  const flags = [...execArgv, nodeOptions ?? ''].join(' ').trim();
  return flags === '' ? key : hash('sha256', `${key} ${flags}`, 'hex').slice(0, 32);
}

/** [4-byte header length][header JSON][V8's cached data], or undefined when absent or unreadable. */
function readCacheFile(path: string, key: string): { header: CacheHeader; data: Buffer } | undefined {
  try {
    const bytes = readFileSync(path);
    const length = bytes.readUInt32LE(0);
    const header = JSON.parse(bytes.subarray(4, 4 + length).toString('utf8')) as CacheHeader;
    if (header.format !== CODE_CACHE_FORMAT || header.key !== key || !Array.isArray(header.commands)) {
      return undefined;
    }
    const data = bytes.subarray(4 + length);
    return crc32(data) === header.crc32 ? { header, data } : undefined;
  } catch {
    return undefined;
  }
}

/** Written to a temp file and renamed into place, so a reader never sees half of one. */
function writeCacheFile(path: string, key: string, commands: readonly string[], script: Script): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    const data = script.createCachedData();
    const header: CacheHeader = { format: CODE_CACHE_FORMAT, key, commands, crc32: crc32(data) };
    const json = Buffer.from(JSON.stringify(header), 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32LE(json.length, 0);
    makeDirsSync(dirname(path));
    writeFileSync(temp, Buffer.concat([length, json, data]));
    renameSync(temp, path);
    pruneOthers(dirname(path));
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // nothing was written (the directory could not be made)
    }
  }
}

/** Leaves the KEEP_FILES most recently written cache files: builds that are gone leave theirs behind. */
function pruneOthers(dir: string): void {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.bin'))
    .map((name) => ({ path: join(dir, name), mtimeMs: statSync(join(dir, name)).mtimeMs }))
    .sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const { path } of files.slice(KEEP_FILES)) rmSync(path, { force: true });
}
