// Reads every spec file from a source and parses it: the I/O half of loading (the parsing half,
// parse-spec-files.ts, is pure). Parse results come from the parse cache when the file's content was
// seen before, else from worker threads (many files) or this thread; a file on disk whose stamp says
// it did not change since a run read it is not even read (file-stamps.ts). An empty spec is a
// diagnostic; an unreadable source throws SourceError.
import type { Diagnostic } from '../diagnostics.js';
import { makeDiagnostic } from './make-diagnostic.js';
import { lazyProperties } from '../lazy-property.js';
import { phaseEnds } from '../phase-marks.js';
import type { FileStat } from './file-stamps.js';
import { contentKey, type ParseCache } from './parse-cache.js';
import { type ParsedFile, parseSpecFile } from './parse-file.js';
import { defaultParseThreads, parseInWorkers } from './parse-pool.js';
import { assembleSpec } from './parse-spec-files.js';
import type { SourceFile, SpecDocument, SpecSource, UnfollowedDir } from './types.js';

/** Files read at once; enough to keep the disk busy without running out of file descriptors. */
const READ_CONCURRENCY = 64;

export interface LoadedSpec {
  readonly files: SourceFile[];
  readonly documents: SpecDocument[];
  readonly diagnostics: Diagnostic[];
}

export interface LoadOptions {
  /**
   * Parse results by content; absent parses every file. What this load adds to it is written by the
   * caller's flush, once per run (checkSpec flushes after validating, which adds to it too).
   */
  readonly cache?: ParseCache;
  /** Worker threads helping parse the files not in the cache; default: by count (parse-pool.ts), 0: none. */
  readonly threads?: number;
}

/** Loads the spec of `source`; files and documents are in path order. */
export async function loadSpec(source: SpecSource, options: LoadOptions = {}): Promise<LoadedSpec> {
  const listed = await source.listSpecFiles();
  phaseEnds('spec listed');
  // A backslash in a name is a separator to spec paths (spec-paths.ts, decision 0011), so such a
  // file read as another path: skipped without a word, or another file's bytes twice. A link that
  // leads to no file is no spec file either, but said so too.
  const paths: string[] = [];
  const notLoaded: Diagnostic[] = ((await source.skippedLinks?.()) ?? []).map(skippedLinkDiagnostic);
  for (const dir of (await source.unfollowedDirs?.()) ?? []) notLoaded.push(unfollowedDirDiagnostic(dir));
  for (const path of listed) {
    if (path.includes('\\')) notLoaded.push(backslashDiagnostic(path));
    else paths.push(path);
  }
  if (listed.length === 0) {
    const diagnostic = makeDiagnostic(
      'MC1011',
      { file: '', line: 0, col: 0 },
      `no spec files (*.yaml, *.yml) found in ${source.label}`,
      { hint: 'point meshc at the directory holding mesh.yaml and the service files' },
    );
    return { files: [], documents: [], diagnostics: [...notLoaded, diagnostic] };
  }
  const { recalled, stats } = options.cache
    ? recallUnchanged(source, paths, options.cache)
    : { recalled: new Map<string, Recalled>(), stats: new Map<string, FileStat>() };
  phaseEnds('unchanged files recalled');
  const read = await readAll(
    source,
    paths.filter((p) => !recalled.has(p)),
  );
  const fresh = await parseAll(source, read, options);
  phaseEnds('changed files parsed');
  // Each stamp was taken before its file was read, so it is never newer than the bytes its key names.
  read.forEach((file, i) => {
    const stat = stats.get(file.path);
    if (stat) options.cache?.fileStamps.record(stat, fresh.keys[i]!);
  });
  // Back in path order: each file recalled unread or read now.
  const files: SourceFile[] = [];
  const parsed: ParsedFile[] = [];
  const keys: string[] = [];
  let next = 0;
  for (const path of paths) {
    const r = recalled.get(path);
    if (r) {
      files.push(unreadFile(source, path));
      parsed.push(r.parsed);
      keys.push(r.key);
    } else if (read[next]?.path === path) {
      files.push(read[next]!);
      parsed.push(fresh.parsed[next]!);
      if (options.cache) keys.push(fresh.keys[next]!);
      next++;
    }
  }
  // A SHA-256 cache key is the documents' digest too (a git blob id is not: it names other bytes).
  const digests = keys.map((k) => (k.startsWith('sha256:') ? k : undefined));
  const { documents, diagnostics } = assembleSpec(files, parsed, digests);
  phaseEnds('documents assembled');
  return {
    files,
    documents,
    diagnostics: notLoaded.length > 0 ? [...notLoaded, ...diagnostics] : diagnostics,
  };
}

/** A broken link left a file out of the spec in silence, a service maybe (found by a CLI review). */
function skippedLinkDiagnostic(path: string): Diagnostic {
  return makeDiagnostic(
    'MC1014',
    { file: path, line: 1, col: 1 },
    `spec file \`${path}\` is a link that leads to no file (nothing there, a directory, a loop, or outside the repository): it is not part of the spec`,
    { hint: 'point the link at the spec file it stands for, or remove it' },
  );
}

/** A linked directory of services dropped out of the mesh without a word (found by a review). */
function unfollowedDirDiagnostic({ path, why }: UnfollowedDir): Diagnostic {
  const because =
    why === 'loop'
      ? 'leads to a directory that contains it (a loop)'
      : 'leads out of the repository, which a git commit does not hold';
  return makeDiagnostic(
    'MC1015',
    { file: path, line: 1, col: 1 },
    `linked directory \`${path}\` ${because}: it is not searched for spec files`,
    {
      hint:
        why === 'loop'
          ? 'point the link at a directory outside the one that holds it, or remove it'
          : 'keep the linked files inside the repository, or compile from the working tree without --ref',
    },
  );
}

function backslashDiagnostic(path: string): Diagnostic {
  return makeDiagnostic(
    'MC1013',
    { file: path, line: 1, col: 1 },
    `spec file name \`${path}\` holds a backslash, which meshc reads as a path separator: the file is not loaded`,
    { hint: 'rename the file without `\\` (on Windows a backslash separates directories)' },
  );
}

interface Recalled {
  readonly key: string;
  readonly parsed: ParsedFile;
}

/**
 * The files whose stamp says they are unchanged since a run read them, with their parse from the
 * cache (file-stamps.ts), and the stats of all (to stamp those read now); none for a source that
 * cannot stat its files (a git ref).
 */
function recallUnchanged(
  source: SpecSource,
  paths: readonly string[],
  cache: ParseCache,
): { recalled: Map<string, Recalled>; stats: Map<string, FileStat> } {
  const recalled = new Map<string, Recalled>();
  const stats = new Map<string, FileStat>();
  if (!source.statFile || !source.readFileNow) return { recalled, stats };
  const reread = source.readFileNow;
  for (const path of paths) {
    const stat = source.statFile(path);
    if (!stat) continue;
    stats.set(path, stat);
    const key = cache.fileStamps.keyOf(stat);
    const parsed = key && cache.get(key, path, reread);
    if (parsed) recalled.set(path, { key: key!, parsed });
  }
  return { recalled, stats };
}

/** A spec file recalled unread: its bytes are read only if something asks for them (a report's excerpt). */
function unreadFile(source: SpecSource, path: string): SourceFile {
  const file = { path } as SourceFile;
  defineBytes(file, source, 'bytes');
  return file;
}

/** Read once, then kept (lazy-property.ts: a getter shared by every unread file). */
const defineBytes = lazyProperties(
  {
    bytes: (source: SpecSource, file) => source.readFileNow?.((file as SourceFile).path) ?? new Uint8Array(),
  },
  { keep: true },
);

/**
 * Each file's parse, from the cache where its content is known, parsed (and cached) where not; and
 * the cache keys it computed (none without a cache).
 */
async function parseAll(
  source: SpecSource,
  files: readonly SourceFile[],
  { cache, threads }: LoadOptions,
): Promise<{ parsed: ParsedFile[]; keys: string[] }> {
  const keys = cache ? await Promise.all(files.map((f) => keyOf(source, f))) : [];
  const bytesOf = new Map(files.map((f) => [f.path, f.bytes] as const));
  const reread = (path: string) => bytesOf.get(path);
  const results = files.map((file, i) => cache?.get(keys[i]!, file.path, reread));
  const missing = files.flatMap((file, i) => (results[i] ? [] : [{ file, i }]));
  const fresh = await parseMany(
    missing.map((m) => m.file),
    threads ?? defaultParseThreads(missing.length),
  );
  missing.forEach(({ i }, j) => {
    results[i] = fresh[j]!;
    cache?.put(keys[i]!, fresh[j]!);
  });
  return { parsed: results as ParsedFile[], keys };
}

async function parseMany(files: readonly SourceFile[], threads: number): Promise<ParsedFile[]> {
  if (threads < 1) return files.map(parseSpecFile);
  // Workers are an optimisation: if one fails to start or dies, the files are parsed here instead.
  return parseInWorkers(files, threads).catch(() => files.map(parseSpecFile));
}

/** The git blob id when the source knows it (no hashing needed), else the SHA-256 of the bytes. */
async function keyOf(source: SpecSource, file: SourceFile): Promise<string> {
  return (await source.contentKey?.(file.path)) ?? contentKey(file.bytes);
}

async function readAll(source: SpecSource, paths: readonly string[]): Promise<SourceFile[]> {
  const files: (SourceFile | undefined)[] = new Array(paths.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const i = next++;
      const path = paths[i]!;
      const bytes = await source.readFile(path);
      // A file deleted between listing and reading is simply no longer part of the spec.
      if (bytes) files[i] = { path, bytes };
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, paths.length) }, worker));
  return files.filter((file): file is SourceFile => file !== undefined);
}
