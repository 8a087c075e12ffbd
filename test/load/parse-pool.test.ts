// Parsing on worker threads must give exactly what parsing on this thread gives. Workers run the
// compiled dist/ (built by the test setup): from TypeScript sources there is no worker script, and
// the pool then parses in-thread, which the last test checks.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type * as FileModule from '../../compiler/load/parse-file.js';
import type * as LoadModule from '../../compiler/load/load-spec.js';
import type * as PoolModule from '../../compiler/load/parse-pool.js';
import type * as DirModule from '../../compiler/load/dir-source.js';
import { parseSpecFile as parseFromSources } from '../../compiler/load/parse-file.js';
import { parseInWorkers, workerScript } from '../../compiler/load/parse-pool.js';
import type { SourceFile } from '../../compiler/load/types.js';
import { makeTempDir, MESH_YAML, SERVICE_YAML, utf8, writeFiles } from '../helpers/spec-fixtures.js';
import { REPO_ROOT } from '../validate/support.js';

const dist = (path: string) => pathToFileURL(join(REPO_ROOT, 'dist', path)).href;
const pool = (await import(dist('compiler/load/parse-pool.js'))) as typeof PoolModule;
const { parseSpecFile } = (await import(dist('compiler/load/parse-file.js'))) as typeof FileModule;
const { loadSpec } = (await import(dist('compiler/load/load-spec.js'))) as typeof LoadModule;
const { dirSource } = (await import(dist('compiler/load/dir-source.js'))) as typeof DirModule;

/** 300 files: valid services, and every few files one with a problem the loader reports. */
function mixedFiles(): SourceFile[] {
  const broken = [
    'apiVersion: meshc/v1\nkind: Service\nmetadata: { name: x }\nmetadata: { name: y }\n',
    'a: [\n',
    'apiVersion: meshc/v2\nkind: Service\n',
    '- just\n- a list\n',
    'x: &a [1]\ny: *b\n',
    `${SERVICE_YAML}---\n${SERVICE_YAML.replace('reviews', 'second')}`,
  ];
  return Array.from({ length: 300 }, (_, i) => ({
    path: `services/s${String(i).padStart(3, '0')}.yaml`,
    bytes: utf8(i % 7 === 3 ? broken[i % broken.length]! : SERVICE_YAML.replace('reviews', `s${i}`)),
  }));
}

describe('the parse pool', () => {
  it('has a worker script in dist', () => {
    expect(pool.workerScript()).toBeDefined();
  });

  it('helps only with enough files and an idle core', () => {
    const cores = availableParallelism();
    expect(pool.defaultParseThreads(pool.WORKER_MIN_FILES - 1, 0)).toBe(0);
    expect(pool.defaultParseThreads(10_000, cores)).toBe(0);
    expect(pool.defaultParseThreads(10_000, 0)).toBe(cores - 1);
    expect(pool.defaultParseThreads(300, 0)).toBe(Math.min(cores - 1, 3));
    // A core more than half idle takes a worker; one more than half busy does not.
    expect(pool.defaultParseThreads(10_000, cores - 1.6)).toBe(1);
    expect(pool.defaultParseThreads(10_000, cores - 1.4)).toBe(0);
  });

  it.each([1, 2, 3])('gives the in-thread results with %i worker(s)', async (workers) => {
    const files = mixedFiles();
    expect(await pool.parseInWorkers(files, workers)).toEqual(files.map(parseSpecFile));
  });

  it('loads a spec the same with and without workers, diagnostics and positions alike', async () => {
    const temp = makeTempDir();
    try {
      const files = Object.fromEntries(mixedFiles().map((f) => [f.path, new TextDecoder().decode(f.bytes)]));
      writeFiles(temp.dir, { ...files, 'mesh.yaml': MESH_YAML });
      const inThread = await loadSpec(dirSource(temp.dir), { threads: 0 });
      const pooled = await loadSpec(dirSource(temp.dir), { threads: 2 });
      expect(pooled.diagnostics).toEqual(inThread.diagnostics);
      expect(pooled.documents.map((d) => [d.file, d.index, d.value])).toEqual(
        inThread.documents.map((d) => [d.file, d.index, d.value]),
      );
      const where = (d: (typeof inThread.documents)[number]) => [
        d.locate('/spec/port'),
        d.locateKey('/metadata'),
      ];
      expect(pooled.documents.map(where)).toEqual(inThread.documents.map(where));
      expect(inThread.diagnostics.map((d) => d.code)).toEqual(
        expect.arrayContaining(['MC1001', 'MC1002', 'MC1008', 'MC1009']),
      );
    } finally {
      temp.cleanup();
    }
  });

  it('parses in-thread when running from sources, where there is no worker script', async () => {
    expect(workerScript()).toBeUndefined();
    const files = mixedFiles().slice(0, 20);
    expect(await parseInWorkers(files, 2)).toEqual(files.map(parseFromSources));
  });
});
