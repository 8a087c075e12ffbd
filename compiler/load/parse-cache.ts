// The parse cache: what parsing a spec file yields (its documents' values and its loader diagnostics),
// kept on disk by the hash of the file's bytes, so a file that did not change is never parsed again.
// One pack file holds the entries (one read per run, not one per spec file), and a small journal beside
// it those added since the pack was last written; each is written to a temp file and renamed, bounded
// in size, and anything unreadable in them (a corrupt or foreign file, another version's format) is
// ignored and rebuilt, never an error. See docs/decisions/0005-parse-cache.md.
import { hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, rmSync, type Stats, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import meshSchema from '../../schema/mesh.schema.json' with { type: 'json' };
import {
  appendCacheFile,
  readCacheLines,
  replaceCacheFile,
  STALE_SHARE,
  writeLineCache,
} from '../cache-file.js';
import { buildIdentity } from '../cli/version.js';
import { phaseEnds } from '../phase-marks.js';
import type { Diagnostic } from '../diagnostics.js';
import { decodeEntryParts, encodeEntry, type EntryBody, entryParts, headDiagnostics } from './cache-entry.js';
import { SourceError } from './errors.js';
import { FILE_STAMPS_FILE, type FileStamps, openFileStamps } from './file-stamps.js';
import { type ParsedFile, parseSpecFile } from './parse-file.js';

/** Bump when parse-file.ts changes what it yields, so older entries are not reused. */
export const PARSE_FORMAT = 13;

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

const MAGIC = Buffer.from('MESHCPC2', 'latin1');

/**
 * A pack file: PREFIX bytes (MAGIC; the lengths of the index and of the heads; the CRC-32 of both; a
 * reserved zero), the index (PackHeader's JSON), the heads of the entries end to end, then their
 * bodies end to end, in the index's order (cache-entry.ts, entryParts: a head is what opening an
 * entry reads, a body what its documents read when asked). Opening the cache reads the prefix, the
 * index and the heads; a body is read when a document of its entry is first read, by a positioned
 * read of the file, under its own CRC-32 (decision 0005, format 11). At 1,000 spec files the heads
 * are ~0.4 MB of the pack's ~4.3 MB, and a one-service change reads 11 bodies of ~4 KB.
 */
const PREFIX = 24;

interface PackHeader {
  /** Who wrote the pack: entries of another meshc, yaml or V8 version are not trusted. */
  readonly stamp: string;
  /**
   * [key, head length, body length, last used (ms since epoch), CRC-32 of the body]. Checksums
   * against accidents, not an adversary (whoever can write the cache can write the spec).
   */
  readonly entries: readonly [string, number, number, number, number][];
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
  /** Entry bodies read from the pack (a document's value, positions or outline text, when first asked). */
  bodiesRead?: number;
  /** Entries whose body could not be read back (a bit flipped on disk) and whose file was parsed again. */
  reparsed?: number;
  /** Times the pack files were read again, having been replaced since they were opened. */
  reopened?: number;
  /** Why the pack on disk was not used, when it existed but was ignored. */
  ignored?: string;
}

export interface ParseCache {
  /**
   * The cached parse of the content `key`, its diagnostics re-pointed at `path`; undefined on a miss.
   * Its documents' values and positions are read from the pack when first asked; should that fail (a
   * pack replaced by another meshc meanwhile, a bit flipped on disk), the file is parsed again from
   * the bytes `reread(path)` gives, which must still be the content of `key`, else that read throws
   * SourceError. One function for every file, so that opening 1,000 entries makes no closure each.
   */
  get(key: string, path: string, reread?: (path: string) => Uint8Array | undefined): ParsedFile | undefined;
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
 * Keys of what validation found nothing in: documents that passed the schema and the checks of
 * their own values (validate/checks/index.ts, DOCUMENT_CHECKS), services the per-service checks
 * found clean, and services' outlines the checks comparing them found nothing in
 * (decisions 0022, 0023, 0059). Each key names the exact inputs of its answer, so
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
  /** Keys of `added` a flush of this run wrote: the files hold them now, and a later flush adds only the rest. */
  const written = new Set<string>();
  /** A parse to write at the next flush: one made now, or made again for a body that could not be read. */
  const keep = (key: string, parsed: ParsedFile): void => {
    added.set(key, parsed);
    written.delete(key);
  };
  const fileStamps = openFileStamps(join(dir, FILE_STAMPS_FILE), stamp, now);
  const memo = openValidationMemo(dir, `${stamp} schema/${schemaDigest()}`);
  phaseEnds('stamps and memo read');

  /** The pack files as they are now, once a file read at open was found replaced (by another meshc, or a flush). */
  let reopened: LoadedPack[] | undefined;
  /** The files at `dir` now, read again when one read before was replaced too. */
  const current = (): readonly LoadedPack[] => {
    if (!reopened || reopened.some((p) => p.stale)) {
      reopened = [JOURNAL_FILE, PACK_FILE].flatMap((f) => readPackQuietly(join(dir, f), stamp) ?? []);
      stats.reopened = (stats.reopened ?? 0) + 1;
    }
    return reopened;
  };
  /** What a body read from the pack needs of this cache: where it counts, and where a parse made again goes. */
  const lazy: LazyContext = {
    stats,
    current,
    readd: keep,
  };

  /**
   * Writes `fresh` into the journal, or folds everything into a new pack, on top of the files as they
   * are now: those read at open if unchanged, else read again, and files made since open too (another
   * meshc's, or this run's earlier flush). Tried again when another writer replaced a file between
   * reading it and copying its bodies; false when it never got a consistent view (nothing written).
   */
  const writePacks = (fresh: ReadonlyMap<string, readonly [Uint8Array, Uint8Array]>): boolean => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const journalNow = journal
        ? asItIsNow(journal, stamp)
        : readPackQuietly(join(dir, JOURNAL_FILE), stamp);
      const oldNow = old ? asItIsNow(old, stamp) : readPackQuietly(join(dir, PACK_FILE), stamp);
      let journalBytes = journalNow?.size ?? 0;
      for (const [head, body] of fresh.values()) journalBytes += head.length + body.length;
      const room = oldNow ? Math.max(journalMinBytes, oldNow.size * JOURNAL_SHARE) : 0;
      if (oldNow && journalBytes <= room && oldNow.size + journalBytes <= maxBytes) {
        // The pack stays as it is (its "last used" times too: they only order what a full pack drops).
        const pieces = buildPack(stamp, journalNow ? [journalNow] : [], used, fresh, now(), Infinity);
        if (!pieces) continue;
        replaceCacheFile(join(dir, JOURNAL_FILE), pieces);
        return true;
      }
      const olds = [journalNow, oldNow].filter((p): p is LoadedPack => p !== undefined);
      // Filled to 7/8 of the bound, so that the journal has room: a pack filled to the bound was
      // rewritten whole by every later run that parsed one file.
      const pieces = buildPack(stamp, olds, used, fresh, now(), maxBytes * (1 - JOURNAL_SHARE));
      if (!pieces) continue;
      replaceCacheFile(join(dir, PACK_FILE), pieces);
      rmSync(join(dir, JOURNAL_FILE), { force: true });
      return true;
    }
    return false;
  };

  return {
    stats,
    validationMemo: memo,
    fileStamps,
    get(key, path, reread) {
      const fresh = added.get(key);
      if (fresh) {
        stats.hits++;
        return repoint(structuredClone(fresh), path);
      }
      const pack = packs.find((p) => p.entries.has(key));
      const found = pack?.entries.get(key);
      const entry =
        pack &&
        found &&
        decodeEntryParts(
          pack.heads,
          found.headStart,
          found.headLength,
          found.bodyLength,
          new PackedBody(lazy, pack, found, key, path, reread),
        );
      if (!entry) {
        stats.misses++;
        return undefined;
      }
      stats.hits++;
      used.set(key, now());
      return repoint(entry, path);
    },
    put: keep,
    async flush() {
      await memo.flush();
      fileStamps.flush();
      const fresh = new Map<string, readonly [Uint8Array, Uint8Array]>();
      for (const [key, parsed] of added) {
        if (!written.has(key)) fresh.set(key, entryParts(encodeEntry(parsed)));
      }
      if (fresh.size === 0) return;
      try {
        if (writePacks(fresh)) for (const key of fresh.keys()) written.add(key);
      } catch {
        // A read-only or full cache directory costs speed, never correctness.
      }
      // The files may be other files now: a body is read from them as they are.
      reopened = undefined;
    },
  };
}

interface PackEntry {
  /** Where the head is in the heads region, and the body in the bodies region. */
  readonly headStart: number;
  readonly headLength: number;
  readonly bodyStart: number;
  readonly bodyLength: number;
  readonly lastUsed: number;
  readonly crc: number;
}

interface LoadedPack {
  readonly path: string;
  readonly entries: Map<string, PackEntry>;
  /** The heads region, read when the pack was opened. */
  readonly heads: Buffer;
  /** Where the bodies region starts in the file, and its length. */
  readonly bodiesStart: number;
  readonly bodiesLength: number;
  /** The file's size: the pack's share of the cache's bound. */
  readonly size: number;
  /** The file as stat saw it when opened: a body is read only from that same file. */
  readonly identity: string;
  /** Bodies read one at a time so far; past SINGLE_READS the whole region is read at once. */
  reads: number;
  /** The whole bodies region, once read. */
  bodies?: Buffer;
  /** The file was found replaced or gone since it was opened: its bodies are read from the file there now. */
  stale?: boolean;
}

/** Bodies read by one positioned read each before the rest are read at once (a whole compile reads all). */
const SINGLE_READS = 32;

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

/** The pack in `file`, or undefined when there is none or it is not good. */
function readPackQuietly(file: string, stamp: string): LoadedPack | undefined {
  return readPackOrNote(file, stamp, () => undefined);
}

/** `pack` when its file is still the one it was read from, else the file there now (if any is good). */
function asItIsNow(pack: LoadedPack, stamp: string): LoadedPack | undefined {
  try {
    if (!pack.stale && identityOf(statSync(pack.path)) === pack.identity) return pack;
  } catch {
    // gone
  }
  pack.stale = true;
  return readPackQuietly(pack.path, stamp);
}

/** Opens the pack at `file` and reads its prefix, index and heads; undefined when there is no file. */
function readPack(file: string, stamp: string): LoadedPack | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined; // no cache yet, or none this user can read: a cache is never an error
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new PackError('not a meshc parse cache');
    const prefix = readAt(fd, 0, Math.min(PREFIX, st.size));
    if (prefix.length < PREFIX || !prefix.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new PackError('not a meshc parse cache');
    }
    const indexLength = prefix.readUInt32LE(8);
    const headsLength = prefix.readUInt32LE(12);
    const bodiesStart = PREFIX + indexLength + headsLength;
    if (bodiesStart > st.size) throw new PackError('truncated');
    const both = readAt(fd, PREFIX, indexLength + headsLength);
    if (crc32(both) !== prefix.readUInt32LE(16)) throw new PackError('checksum mismatch');
    let header: PackHeader;
    try {
      header = JSON.parse(both.toString('utf8', 0, indexLength)) as PackHeader;
    } catch {
      throw new PackError('unreadable header');
    }
    if (header.stamp !== stamp) throw new PackError(`written by ${String(header.stamp)}`);
    if (!Array.isArray(header.entries)) throw new PackError('unreadable header');
    const bodiesLength = st.size - bodiesStart;
    const entries = new Map<string, PackEntry>();
    let headStart = 0;
    let bodyStart = 0;
    for (const entry of header.entries) {
      const [key, headLength, bodyLength, lastUsed, crc] = entry;
      if (
        typeof key !== 'string' ||
        !(headLength >= 0 && bodyLength >= 0 && typeof crc === 'number') ||
        headStart + headLength > headsLength ||
        bodyStart + bodyLength > bodiesLength
      ) {
        throw new PackError('entry out of range');
      }
      entries.set(key, {
        headStart,
        headLength,
        bodyStart,
        bodyLength,
        lastUsed: Number(lastUsed) || 0,
        crc,
      });
      headStart += headLength;
      bodyStart += bodyLength;
    }
    const heads = both.subarray(indexLength);
    return {
      path: file,
      entries,
      heads,
      bodiesStart,
      bodiesLength,
      size: st.size,
      identity: identityOf(st),
      reads: 0,
    };
  } finally {
    closeSync(fd);
  }
}

/**
 * The body of `key`'s entry, checked against its CRC-32: from the file `pack` was opened from, while it
 * is that file (or from its bodies read before it was replaced); else from the files of the cache
 * directory as they are now (another meshc, or this run's flush, replaced it: the journal may be gone
 * into the pack, the pack rewritten), read once and kept until one of them is replaced too. The same
 * key and parse format give the same body (the key names the content; an entry's diagnostics, which
 * name a path, move its alignment and so its length), so an entry there of the same length is the one
 * asked for. Undefined when none has it whole, or when `pack` is still its file and the body does not
 * check (rotten on disk: the file is parsed again).
 */
function bodyOf(cache: LazyContext, pack: LoadedPack, key: string, entry: PackEntry): Buffer | undefined {
  if (pack.bodies || !pack.stale) {
    const body = readBody(pack, entry);
    if (body) return body;
    if (!pack.stale) return undefined;
  }
  // Twice at most: a file read again may itself be replaced before its body is read.
  for (let round = 0; round < 2; round++) {
    let replaced = false;
    for (const there of cache.current()) {
      const found = there.entries.get(key);
      if (found?.bodyLength !== entry.bodyLength) continue;
      const body = readBody(there, found);
      if (body) return body;
      replaced ||= there.stale === true;
    }
    if (!replaced) break;
  }
  return undefined;
}

function readBody(pack: LoadedPack, entry: PackEntry): Buffer | undefined {
  try {
    // readBodies gives nothing for a stale pack: it then goes on answering each body with nothing.
    if (!pack.bodies && pack.reads >= SINGLE_READS) pack.bodies = readBodies(pack, 0, pack.bodiesLength);
    const body = pack.bodies
      ? pack.bodies.subarray(entry.bodyStart, entry.bodyStart + entry.bodyLength)
      : readBodies(pack, entry.bodyStart, entry.bodyLength);
    pack.reads++;
    return body && crc32(body) === entry.crc ? body : undefined;
  } catch {
    return undefined;
  }
}

/**
 * [start, start + length) of the pack's bodies region, if the file is still the one opened; when it
 * is not (replaced, or gone), undefined, and the pack is marked stale.
 */
function readBodies(pack: LoadedPack, start: number, length: number): Buffer | undefined {
  if (pack.stale) return undefined;
  let fd: number;
  try {
    fd = openSync(pack.path, 'r');
  } catch {
    pack.stale = true;
    return undefined;
  }
  try {
    if (identityOf(fstatSync(fd)) !== pack.identity) {
      pack.stale = true;
      return undefined;
    }
    const bytes = readAt(fd, pack.bodiesStart + start, length);
    return bytes.length === length ? bytes : undefined;
  } finally {
    closeSync(fd);
  }
}

/** `length` bytes at `position` of `fd`, fewer at the end of the file. */
function readAt(fd: number, position: number, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  let read = 0;
  for (let n = 1; n > 0 && read < length; read += n)
    n = readSync(fd, bytes, read, length - read, position + read);
  return bytes.subarray(0, read);
}

function identityOf(st: Stats): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

/**
 * `key`'s entry made again from the file: its bytes from `reread`, which must still be the content
 * `key` names (a git blob id names what git gave), parsed and encoded as the stored entry was, with
 * its diagnostics (they name the path of whichever file made the entry, and their length moves the
 * body's alignment); its body, and the parse. Throws SourceError when the file no longer holds that
 * content.
 */
function reparsed(
  key: string,
  path: string,
  reread: ((path: string) => Uint8Array | undefined) | undefined,
  stored: { readonly head: Buffer; readonly bodyLength: number },
): { body: Buffer; parsed: ParsedFile } {
  const bytes = reread?.(path);
  if (bytes && (!key.startsWith('sha256:') || contentKey(bytes) === key)) {
    const parsed = parseSpecFile({ path, bytes });
    const [head, body] = entryParts(encodeEntry({ ...parsed, diagnostics: headDiagnostics(stored.head) }));
    if (stored.head.equals(head) && body.length === stored.bodyLength)
      return { body: Buffer.from(body), parsed };
  }
  throw new SourceError(
    'SOURCE_UNREADABLE',
    `${path} changed while meshc was reading the spec, and the parse cache no longer holds what was read`,
    'run the command again',
  );
}

interface LazyContext {
  readonly stats: ParseCacheStats;
  /** The cache directory's pack files as they are now (read again only when one is replaced). */
  current(): readonly LoadedPack[];
  /** Keeps a parse made again, so that the next flush writes it (into the journal, looked up first). */
  readd(key: string, parsed: ParsedFile): void;
}

/**
 * The body of one entry of a pack, read when a document of the entry is first read: from the pack
 * (bodyOf), else made again from the file (reparsed), which the cache then keeps, so that the entry
 * that could not be read is not asked again.
 */
class PackedBody implements EntryBody {
  constructor(
    private readonly cache: LazyContext,
    private readonly pack: LoadedPack,
    private readonly entry: PackEntry,
    private readonly key: string,
    private readonly path: string,
    private readonly reread: ((path: string) => Uint8Array | undefined) | undefined,
  ) {}

  read(): Buffer {
    const { cache, pack, entry, key } = this;
    const bytes = bodyOf(cache, pack, key, entry);
    if (bytes) {
      cache.stats.bodiesRead = (cache.stats.bodiesRead ?? 0) + 1;
      return bytes;
    }
    const head = pack.heads.subarray(entry.headStart, entry.headStart + entry.headLength);
    const again = reparsed(key, this.path, this.reread, { head, bodyLength: entry.bodyLength });
    cache.stats.reparsed = (cache.stats.reparsed ?? 0) + 1;
    cache.readd(key, again.parsed);
    return again.body;
  }
}

/**
 * Entries used or added now first, then the most recently used others, up to `maxBytes`. Returned as
 * the pieces of the file, never joined: at 10,000 files the pack is ~40 MB, and joining it was once
 * the peak of a cold validate's memory. An old pack's bodies are read whole here; undefined when one
 * of them was replaced since it was read (its entries are in the newer file, which the caller reads).
 */
function buildPack(
  stamp: string,
  olds: readonly LoadedPack[],
  used: ReadonlyMap<string, number>,
  added: ReadonlyMap<string, readonly [Uint8Array, Uint8Array]>,
  now: number,
  maxBytes: number,
): Uint8Array[] | undefined {
  const candidates: {
    key: string;
    head: Uint8Array;
    body: Uint8Array;
    crc: number;
    lastUsed: number;
    current: boolean;
  }[] = [];
  const seen = new Set<string>();
  for (const [key, [head, body]] of added) {
    candidates.push({ key, head, body, crc: crc32(body), lastUsed: now, current: true });
    seen.add(key);
  }
  // `olds` in order of precedence (the journal before the pack): an entry is taken once.
  for (const old of olds) {
    const bodies = (old.bodies ??= readBodies(old, 0, old.bodiesLength));
    // Replaced since it was read: the caller reads the files again rather than lose this one's entries.
    if (!bodies) return undefined;
    for (const [key, at] of old.entries) {
      if (seen.has(key)) continue;
      const body = bodies.subarray(at.bodyStart, at.bodyStart + at.bodyLength);
      // A body that no longer checks (a bit flipped on disk) is left out, not given a new checksum.
      if (crc32(body) !== at.crc) continue;
      seen.add(key);
      const lastUsed = used.get(key);
      candidates.push({
        key,
        head: old.heads.subarray(at.headStart, at.headStart + at.headLength),
        body,
        crc: at.crc,
        lastUsed: lastUsed ?? at.lastUsed,
        current: lastUsed !== undefined,
      });
    }
  }
  candidates.sort((a, b) => Number(b.current) - Number(a.current) || b.lastUsed - a.lastUsed);
  const kept: typeof candidates = [];
  // The prefix and the index's fixed text, then per entry its index row (and a comma), head and body.
  let size = PREFIX + Buffer.byteLength(JSON.stringify({ stamp, entries: [] }));
  for (const c of candidates) {
    const row =
      Buffer.byteLength(JSON.stringify([c.key, c.head.length, c.body.length, c.lastUsed, c.crc])) + 1;
    const bytes = row + c.head.length + c.body.length;
    if (size + bytes > maxBytes) break;
    size += bytes;
    kept.push(c);
  }
  const header: PackHeader = {
    stamp,
    entries: kept.map((c) => [c.key, c.head.length, c.body.length, c.lastUsed, c.crc]),
  };
  const index = Buffer.from(JSON.stringify(header), 'utf8');
  let headsLength = 0;
  let crc = crc32(index);
  for (const c of kept) {
    crc = crc32(c.head, crc);
    headsLength += c.head.length;
  }
  const prefix = Buffer.alloc(PREFIX);
  MAGIC.copy(prefix);
  prefix.writeUInt32LE(index.length, 8);
  prefix.writeUInt32LE(headsLength, 12);
  prefix.writeUInt32LE(crc, 16);
  return [prefix, index, ...kept.map((c) => c.head), ...kept.map((c) => c.body)];
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
