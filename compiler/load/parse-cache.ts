// The parse cache: what parsing a spec file yields (its documents' values and its loader diagnostics),
// kept on disk by the hash of the file's bytes, so a file that did not change is never parsed again.
// One pack file holds the entries (one read per run, not one per spec file), and a small journal beside
// it those added since the pack was last written; each is written to a temp file and renamed, bounded
// in size, and anything unreadable in them (a corrupt or foreign file, another version's format) is
// ignored and rebuilt, never an error. See docs/decisions/0005-parse-cache.md.
import { hash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import meshSchema from '../../schema/mesh.schema.json' with { type: 'json' };
import {
  appendCacheFile,
  readCacheFile,
  readCacheLines,
  replaceCacheFile,
  STALE_SHARE,
  writeLineCache,
} from '../cache-file.js';
import { buildIdentity } from '../cli/version.js';
import { phaseEnds } from '../phase-marks.js';
import type { Diagnostic } from '../diagnostics.js';
import { decodeEntryAt, encodeEntry } from './cache-entry.js';
import { FILE_STAMPS_FILE, type FileStamps, openFileStamps } from './file-stamps.js';
import type { ParsedFile } from './parse-file.js';

/** Bump when parse-file.ts changes what it yields, so older entries are not reused. */
export const PARSE_FORMAT = 10;

/** Name of the pack file inside the cache directory. */
export const PACK_FILE = 'parse-cache.bin';

/**
 * Entries added since the pack was last written, in the same format. A run that parsed a few changed
 * files writes only them here instead of rewriting the whole pack (36 MB at 10,000 files, half a
 * second); the pack takes them in when this file outgrows JOURNAL_SHARE of it (and 1 MiB), when the
 * two together would pass the bound, or when there is no good pack to add to.
 */
export const JOURNAL_FILE = 'parse-cache.new.bin';
/** The journal is folded into the pack beyond this share of the pack's payload. */
const JOURNAL_SHARE = 1 / 8;
const DEFAULT_JOURNAL_MIN_BYTES = 1024 * 1024;

/** Default bound of the pack file: room for ~35,000 typical spec files (values and positions). */
export const DEFAULT_CACHE_MAX_BYTES = 256 * 1024 * 1024;

const MAGIC = Buffer.from('MESHCPC1', 'latin1');

interface PackHeader {
  /** Who wrote the pack: entries of another meshc, yaml or V8 version are not trusted. */
  readonly stamp: string;
  /**
   * CRC-32 of everything after the header: a torn or bit-flipped pack is ignored whole. A checksum
   * against accidents, not an adversary (whoever can write the cache can write the spec); a third of
   * SHA-256's time, which every run paid over the whole pack (36 MB at 10,000 files).
   */
  readonly payloadCrc32: number;
  /** [key, offset in payload, length, last used (ms since epoch)]. */
  readonly entries: readonly [string, number, number, number][];
}

export interface ParseCacheOptions {
  /** Upper bound of the pack file; least recently used entries are dropped beyond it. */
  readonly maxBytes?: number;
  /** Clock for "last used" (ms since epoch). */
  readonly now?: () => number;
  /** The journal's size below which it is never folded into the pack (default 1 MiB; tests use 0). */
  readonly journalMinBytes?: number;
}

export interface ParseCacheStats {
  hits: number;
  misses: number;
  /** Why the pack on disk was not used, when it existed but was ignored. */
  ignored?: string;
}

export interface ParseCache {
  /** The cached parse of the content `key`, its diagnostics re-pointed at `path`; undefined on a miss. */
  get(key: string, path: string): ParsedFile | undefined;
  put(key: string, parsed: ParsedFile): void;
  /** What validation found nothing in, from earlier runs (validate/index.ts), kept beside the pack. */
  readonly validationMemo: ValidationMemo;
  /** The content keys of spec files unchanged on disk since a run read them (file-stamps.ts). */
  readonly fileStamps: FileStamps;
  /** Writes the pack (and the memo and stamps) when entries were added; a cache that cannot be written is skipped silently. */
  flush(): Promise<void>;
  readonly stats: ParseCacheStats;
}

/**
 * Keys of what validation found nothing in: documents that passed the schema, services the
 * per-service checks found clean, and services' outlines the checks comparing them found nothing in
 * (decisions 0022, 0023). Each key names the exact inputs of its answer, so
 * the answer holds across runs, under a stamp naming meshc and the schema: an edited schema or another
 * meshc starts an empty memo.
 */
export interface ValidationMemo {
  has(key: string): boolean;
  add(key: string): void;
}

/** Name of the validation memo inside the cache directory. */
export const VALIDATION_MEMO_FILE = 'validation-memo.json';

/** The key of a file's bytes: their SHA-256. */
export function contentKey(bytes: Uint8Array): string {
  return `sha256:${hash('sha256', bytes, 'hex')}`;
}

/** The key of a git blob: its object id, which already names its content. */
export function gitBlobKey(oid: string): string {
  return `git:${oid}`;
}

/** Opens the cache in `dir` (which need not exist yet). Never throws for a bad pack. */
export async function openParseCache(dir: string, options: ParseCacheOptions = {}): Promise<ParseCache> {
  const maxBytes = options.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
  const now = options.now ?? Date.now;
  const journalMinBytes = options.journalMinBytes ?? DEFAULT_JOURNAL_MIN_BYTES;
  const stamp = cacheStamp();
  const stats: ParseCacheStats = { hits: 0, misses: 0 };
  const old = readPackOrNote(join(dir, PACK_FILE), stamp, (why) => (stats.ignored = why));
  // Without a good pack the next write is a whole pack, so a journal would only be read to be folded.
  const journal = old
    ? readPackOrNote(join(dir, JOURNAL_FILE), stamp, (why) => (stats.ignored = `journal: ${why}`))
    : undefined;
  const packs = journal && old ? [journal, old] : old ? [old] : [];
  phaseEnds('parse cache read');
  const used = new Map<string, number>(); // key -> last used, for entries of the packs read now
  const added = new Map<string, ParsedFile>();
  /** Entries were added since the last flush. */
  let unwritten = false;
  const fileStamps = openFileStamps(join(dir, FILE_STAMPS_FILE), stamp, now);
  const memo = openValidationMemo(dir, `${stamp} schema/${schemaDigest()}`);
  phaseEnds('stamps and memo read');

  return {
    stats,
    validationMemo: memo,
    fileStamps,
    get(key, path) {
      const fresh = added.get(key);
      if (fresh) {
        stats.hits++;
        return repoint(structuredClone(fresh), path);
      }
      const pack = packs.find((p) => p.entries.has(key));
      const found = pack?.entries.get(key);
      const entry = pack && found && decodeEntryAt(pack.payload, found.offset, found.length);
      if (!entry) {
        stats.misses++;
        return undefined;
      }
      stats.hits++;
      used.set(key, now());
      return repoint(entry, path);
    },
    put(key, parsed) {
      added.set(key, parsed);
      unwritten = true;
    },
    async flush() {
      await memo.flush();
      fileStamps.flush();
      if (!unwritten) return;
      unwritten = false;
      const fresh = new Map([...added].map(([key, parsed]) => [key, encodeEntry(parsed)] as const));
      try {
        let journalBytes = journal?.payload.length ?? 0;
        for (const bytes of fresh.values()) journalBytes += bytes.length;
        const room = old ? Math.max(journalMinBytes, old.payload.length * JOURNAL_SHARE) : 0;
        if (old && journalBytes <= room && old.payload.length + journalBytes <= maxBytes) {
          // The pack stays as it is (its "last used" times too: they only order what a full pack drops).
          replaceCacheFile(
            join(dir, JOURNAL_FILE),
            buildPack(stamp, journal ? [journal] : [], used, fresh, now(), Infinity),
          );
          return;
        }
        replaceCacheFile(join(dir, PACK_FILE), buildPack(stamp, packs, used, fresh, now(), maxBytes));
        rmSync(join(dir, JOURNAL_FILE), { force: true });
      } catch {
        // A read-only or full cache directory costs speed, never correctness.
      }
    },
  };
}

interface LoadedPack {
  readonly entries: Map<string, { offset: number; length: number; lastUsed: number }>;
  readonly payload: Buffer;
}

class PackError extends Error {}

/** The pack in `file`; undefined when there is none or it is not good, saying why to `ignored`. */
function readPackOrNote(file: string, stamp: string, ignored: (why: string) => void): LoadedPack | undefined {
  try {
    return readPack(file, stamp);
  } catch (error) {
    if (error instanceof PackError) ignored(error.message);
    return undefined;
  }
}

function readPack(file: string, stamp: string): LoadedPack | undefined {
  const bytes = readCacheFile(file);
  if (!bytes) return undefined; // no cache yet
  if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new PackError('not a meshc parse cache');
  }
  const headerLength = bytes.readUInt32LE(MAGIC.length);
  const headerEnd = MAGIC.length + 4 + headerLength;
  if (headerEnd > bytes.length) throw new PackError('truncated');
  let header: PackHeader;
  try {
    header = JSON.parse(bytes.toString('utf8', MAGIC.length + 4, headerEnd)) as PackHeader;
  } catch {
    throw new PackError('unreadable header');
  }
  if (header.stamp !== stamp) throw new PackError(`written by ${String(header.stamp)}`);
  const payload = bytes.subarray(headerEnd);
  if (crc32(payload) !== header.payloadCrc32) {
    throw new PackError('checksum mismatch');
  }
  const entries = new Map<string, { offset: number; length: number; lastUsed: number }>();
  if (!Array.isArray(header.entries)) throw new PackError('unreadable header');
  for (const entry of header.entries) {
    const [key, offset, length, lastUsed] = entry;
    if (typeof key !== 'string' || !(offset >= 0 && length >= 0 && offset + length <= payload.length)) {
      throw new PackError('entry out of range');
    }
    entries.set(key, { offset, length, lastUsed: Number(lastUsed) || 0 });
  }
  return { entries, payload };
}

/**
 * Entries used or added now first, then the most recently used others, up to `maxBytes`. Returned as
 * the pieces of the file, never joined: at 10,000 files the pack is ~70 MB, and joining it (twice)
 * was the peak of a cold validate's memory.
 */
function buildPack(
  stamp: string,
  olds: readonly LoadedPack[],
  used: ReadonlyMap<string, number>,
  added: ReadonlyMap<string, Uint8Array>,
  now: number,
  maxBytes: number,
): Uint8Array[] {
  const candidates: { key: string; bytes: Uint8Array; lastUsed: number; current: boolean }[] = [];
  const seen = new Set<string>();
  for (const [key, bytes] of added) {
    candidates.push({ key, bytes, lastUsed: now, current: true });
    seen.add(key);
  }
  // `olds` in order of precedence (the journal before the pack): an entry is taken once.
  for (const old of olds) {
    for (const [key, at] of old.entries) {
      if (seen.has(key)) continue;
      seen.add(key);
      const lastUsed = used.get(key);
      candidates.push({
        key,
        bytes: old.payload.subarray(at.offset, at.offset + at.length),
        lastUsed: lastUsed ?? at.lastUsed,
        current: lastUsed !== undefined,
      });
    }
  }
  candidates.sort((a, b) => Number(b.current) - Number(a.current) || b.lastUsed - a.lastUsed);
  const kept: typeof candidates = [];
  let size = 0;
  for (const c of candidates) {
    // ~100 bytes of header per entry on top of its payload.
    if (size + c.bytes.length + 100 > maxBytes) break;
    size += c.bytes.length + 100;
    kept.push(c);
  }
  const entries: [string, number, number, number][] = [];
  let checksum = 0;
  let offset = 0;
  for (const c of kept) {
    entries.push([c.key, offset, c.bytes.length, c.lastUsed]);
    checksum = crc32(c.bytes, checksum);
    offset += c.bytes.length;
  }
  const header: PackHeader = { stamp, payloadCrc32: checksum, entries };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length);
  return [MAGIC, length, headerBytes, ...kept.map((c) => c.bytes)];
}

/** Parse diagnostics name their file; an entry may be shared by files of the same content. */
function repoint(parsed: ParsedFile, path: string): ParsedFile {
  if (parsed.diagnostics.length === 0) return parsed;
  const at = (d: Diagnostic): Diagnostic => ({
    ...d,
    file: path,
    ...(d.related ? { related: d.related.map((r) => ({ ...r, file: path })) } : {}),
  });
  return { documents: parsed.documents, diagnostics: parsed.diagnostics.map(at) };
}

/** First line of the memo file, before its stamp; then one key per line. */
const MEMO_FORMAT = 'meshc.validation-memo/v2';

/**
 * The memo as read from `dir`. What a run learnt is appended to the file; the file is rewritten with
 * only the keys the run used or added once more than an eighth of it went unused, so it stays about
 * the size of one spec. Unreadable or foreign memos are empty, never an error.
 */
function openValidationMemo(dir: string, stamp: string): ValidationMemo & { flush(): Promise<void> } {
  const path = join(dir, VALIDATION_MEMO_FILE);
  const header = `${MEMO_FORMAT} ${stamp}`;
  const lines = readCacheLines(path, header);
  let known = new Set(lines);
  // A file of another meshc or schema, or none, is rewritten whole by the first flush.
  let appendable = lines !== undefined;
  const current = new Set<string>();
  let grew = false;
  return {
    has(key) {
      if (!known.has(key)) return false;
      current.add(key);
      return true;
    },
    add(key) {
      current.add(key);
      if (!known.has(key)) grew = true;
    },
    async flush() {
      if (!grew) return;
      grew = false;
      let used = 0;
      for (const key of current) if (known.has(key)) used++;
      const learnt = [...current].filter((key) => !known.has(key));
      const stale = known.size - used;
      // A few keys unused (STALE_SHARE): what was learnt is appended, the file is not rewritten.
      if (appendable && stale <= known.size * STALE_SHARE) {
        if (appendCacheFile(path, `${learnt.join('\n')}\n`)) {
          for (const key of learnt) known.add(key);
          return;
        }
      }
      known = new Set(current);
      // As the pack: a memo that cannot be written costs speed only.
      appendable = writeLineCache(path, header, [...current].sort());
    },
  };
}

let schemaHash: string | undefined;

/** The spec schema the memo's answers hold for (the generated validators are built from it). */
function schemaDigest(): string {
  schemaHash ??= hash('sha256', JSON.stringify(meshSchema), 'hex').slice(0, 16);
  return schemaHash;
}

/**
 * The version of the yaml package the CLI bundle carries, written in by scripts/bundle-cli.mjs:
 * resolving yaml/package.json through node_modules was ~1.5 ms of every run in a CPU profile (with
 * BUILT_VERSION, opening the parse cache 14.0 -> 11.3 ms, 30 random-order pairs). Undefined in dist/'s
 * ES modules, which ask node_modules.
 */
const BUILT_YAML_VERSION: string | undefined = undefined;

let yamlVersion: string | undefined;

/**
 * Who parses: meshc's version and parse format, the yaml package's version, V8's serializer, and the
 * byte order positions are stored in (cache-entry.ts keeps typed arrays' raw bytes).
 */
function cacheStamp(): string {
  yamlVersion ??= BUILT_YAML_VERSION ?? readYamlVersion();
  return `meshc/${buildIdentity()} parse/${PARSE_FORMAT} yaml/${yamlVersion} v8/${process.versions.v8} ${endianness()}`;
}

function readYamlVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    return String((require('yaml/package.json') as { version?: unknown }).version);
  } catch {
    return 'unknown';
  }
}
