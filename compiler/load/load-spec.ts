// Reads every spec file from a source and parses it: the I/O half of loading (the parsing half,
// parseSpecFiles, is pure). An empty spec is a diagnostic; an unreadable source throws SourceError.
import type { Diagnostic } from '../diagnostics.js';
import { makeDiagnostic } from './make-diagnostic.js';
import { parseSpecFiles } from './parse-spec-files.js';
import type { SourceFile, SpecDocument, SpecSource } from './types.js';

/** Files read at once; enough to keep the disk busy without running out of file descriptors. */
const READ_CONCURRENCY = 64;

export interface LoadedSpec {
  readonly files: SourceFile[];
  readonly documents: SpecDocument[];
  readonly diagnostics: Diagnostic[];
}

/** Loads the spec of `source`; files and documents are in path order. */
export async function loadSpec(source: SpecSource): Promise<LoadedSpec> {
  const paths = await source.listSpecFiles();
  if (paths.length === 0) {
    const diagnostic = makeDiagnostic(
      'MC1011',
      { file: '', line: 0, col: 0 },
      `no spec files (*.yaml, *.yml) found in ${source.label}`,
      { hint: 'point meshc at the directory holding mesh.yaml and the service files' },
    );
    return { files: [], documents: [], diagnostics: [diagnostic] };
  }
  const files = await readAll(source, paths);
  const { documents, diagnostics } = parseSpecFiles(files);
  return { files, documents, diagnostics };
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
