// Syntax trees for locate(), rebuilt on demand and kept for the most recently used files only. Spec
// documents hold their file's text, not its tree (a tree is about 5x the memory), so a 10,000-file spec
// stays small; diagnostics cluster by file, so a small cache rarely parses a file twice.
import { buildNodeIndex, type NodeIndex } from './locate-nodes.js';
import { parseYamlStream, type YamlStream } from './parse-yaml.js';

interface CachedFile {
  readonly stream: YamlStream;
  readonly indexes: Map<number, NodeIndex>;
}

/** Files whose trees are kept at once. */
export const TREE_CACHE_FILES = 64;

export class TreeCache {
  private readonly files = new Map<string, CachedFile>();

  constructor(private readonly capacity = TREE_CACHE_FILES) {}

  /** The node index of document `docIndex` of `file`, parsing `text` again if the file is not cached. */
  index(file: string, text: string, docIndex: number): NodeIndex {
    let cached = this.files.get(file);
    if (cached) {
      this.files.delete(file); // re-inserted below as the most recently used
    } else {
      cached = { stream: parseYamlStream(text), indexes: new Map() };
      if (this.files.size >= this.capacity) this.files.delete(this.files.keys().next().value!);
    }
    this.files.set(file, cached);
    let index = cached.indexes.get(docIndex);
    if (!index) {
      const found = cached.stream.documents.find((d) => d.index === docIndex);
      index = buildNodeIndex(file, found && { doc: found.doc, lineCounter: cached.stream.lineCounter });
      cached.indexes.set(docIndex, index);
    }
    return index;
  }
}
