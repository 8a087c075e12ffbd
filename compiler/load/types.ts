// The shapes the loader hands to later stages: source files as read (from a directory or a git
// ref) and YAML documents that remember where every value came from.
import type { SourceLocation } from '../diagnostics.js';
import type { FileStat } from './file-stamps.js';
import type { DocumentOutline } from './outline.js';

/** A file of the spec repo as read; `path` is relative to the spec root, with forward slashes. */
export interface SourceFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** Where spec files come from: a directory on disk or a git ref. Only these touch fs or git. */
export interface SpecSource {
  /** Human-readable origin: a path, or `REF:path` for git. */
  readonly label: string;
  /** Spec files (*.yaml, *.yml) under the root, sorted by path. */
  listSpecFiles(): Promise<string[]>;
  /**
   * Links named as spec files that lead to no file (nothing there, a directory, outside the
   * repository, a loop): not spec files, but worth a word (MC1014). Sorted; after listSpecFiles.
   */
  skippedLinks?(): Promise<readonly string[]>;
  /** Linked directories not followed (a loop, or out of the repository under --ref): MC1015. */
  unfollowedDirs?(): Promise<readonly UnfollowedDir[]>;
  /** Any file under the root (trust roots, templates); undefined when it does not exist. */
  readFile(path: string): Promise<Uint8Array | undefined>;
  /** The git commit of the source when known (a ref, or a clean working tree). */
  commit(): Promise<string | undefined>;
  /**
   * A parse-cache key for a spec file's content when the source already knows one without hashing
   * (a git blob id); undefined, or no method, means the loader hashes the bytes.
   */
  contentKey?(path: string): Promise<string | undefined>;
  /**
   * A spec file as it stands on disk now (sources backed by files): with the parse cache's stamps
   * (file-stamps.ts), an unchanged file's parse is recalled without reading it. Undefined when the
   * file does not exist.
   */
  statFile?(path: string): FileStat | undefined;
  /** Reads a file at once: the bytes of a file recalled unread, when something asks for them. */
  readFileNow?(path: string): Uint8Array | undefined;
}

/** A link to a directory that a source did not follow, and why. */
export interface UnfollowedDir {
  /** The link's path below the spec root. */
  readonly path: string;
  /** `loop`: it leads to a directory that contains it; `outside`: out of the repository (--ref). */
  readonly why: 'loop' | 'outside';
}

/** One YAML document of a spec file, as plain data plus a map back to its source. */
export interface SpecDocument {
  readonly file: string;
  /** 0-based index of the document within its file. */
  readonly index: number;
  readonly value: unknown;
  /**
   * A Service document's outline (outline.ts): what is read of every service, without decoding
   * the rest of a cached document. Absent for other documents.
   */
  readonly outline?: DocumentOutline;
  /**
   * Source location of the value at a JSON pointer (RFC 6901, e.g. `/spec/routes/1/retries`).
   * Falls back to the nearest existing ancestor, so a missing property points at its parent.
   */
  locate(pointer: string): SourceLocation;
  /** Location of the key of the property at `pointer` (for "unknown field" diagnostics). */
  locateKey(pointer: string): SourceLocation;
  /**
   * A name for the exact bytes of the document's file (SHA-256), computed on first use: two documents
   * with the same file, index and digest are the same input, to their line numbers.
   */
  digest(): string;
}

/** A source whose files correspond to a directory on disk, so paths can be shown relative to the cwd. */
export interface RootedSpecSource extends SpecSource {
  /** Absolute path of the directory the spec paths are relative to (for git: where it is in the work tree). */
  rootDir(): Promise<string>;
  /**
   * Set for a ref read in a repository without a working tree: rootDir() is then the spec's place in
   * the tree taken from the working directory, and reports name files from the repository's top.
   */
  readonly withoutWorkTree?: boolean;
}
