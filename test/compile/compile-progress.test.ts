// `meshc compile` progress: a line redrawn on stderr while a large mesh validates and compiles, only
// when stderr is a terminal, erased before the summary so the screen ends as it would without it;
// none for a small mesh or a non-terminal stderr (pipes and CI logs get no carriage returns).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../../compiler/cli/main.js';
import { PROGRESS_MIN_SERVICES, terminalProgress } from '../../compiler/cli/progress.js';
import { captureIo } from '../helpers/cli-io.js';
import { generateMesh } from '../helpers/generated-mesh.js';
import { makeTempDir } from '../helpers/spec-fixtures.js';
import { FIXED_NOW, ROOT_PEM } from './helpers.js';

const ERASE = '\r\u001b[2K';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir('meshc-progress-');
});
afterEach(() => temp.cleanup());

/** The generated mesh of `size` services as YAML files under `dir`. */
function writeMesh(dir: string, size: number): void {
  const spec = generateMesh(size);
  mkdirSync(join(dir, 'services'), { recursive: true });
  writeFileSync(join(dir, 'root.pem'), ROOT_PEM);
  writeFileSync(join(dir, 'mesh.yaml'), stringify(spec.mesh.doc));
  for (const s of spec.services) writeFileSync(join(dir, s.source.file), stringify(s.doc));
}

async function compile(size: number, stderrIsTTY: boolean) {
  const spec = join(temp.dir, `spec-${size}`);
  writeMesh(spec, size);
  const io = { ...captureIo({ cwd: temp.dir, stderrIsTTY }), now: () => FIXED_NOW };
  const code = await runCli(['compile', spec, '--out', join(temp.dir, `out-${size}`), '--unsigned'], io);
  return { code, out: io.out(), err: io.err() };
}

describe('compile progress', () => {
  it('redraws one line per chunk for a large mesh on a terminal, and erases it before the summary', async () => {
    const size = PROGRESS_MIN_SERVICES + 100;
    const { code, out, err } = await compile(size, true);
    expect(code).toBe(0);
    const draws = err.split(ERASE).filter((s) => s !== '');
    expect(draws[0]).toBe('validating the spec');
    const counts = draws.filter((d) => d.startsWith('compiling services'));
    // One line per chunk of 256 services, counting up to every service, then the line erased.
    expect(counts).toEqual([
      `compiling services 256/${size} (${Math.floor(25600 / size)} %)`,
      `compiling services ${size}/${size} (100 %)`,
    ]);
    expect(err.endsWith(ERASE)).toBe(true);
    expect(out).toContain(`${size} services: ${size} new`);
    expect(out).not.toContain('\r');
  }, 60_000);

  it('draws nothing when stderr is not a terminal, however large the mesh', async () => {
    const { code, err } = await compile(PROGRESS_MIN_SERVICES + 10, false);
    expect(code).toBe(0);
    expect(err).toBe('');
  }, 60_000);

  it('shows no compile count for a small mesh, and leaves no trace of the validating line', async () => {
    const { code, err } = await compile(20, true);
    expect(code).toBe(0);
    expect(err).not.toContain('compiling services');
    expect(err.replaceAll(`${ERASE}validating the spec`, '').replaceAll(ERASE, '')).toBe('');
  }, 60_000);

  it('erases only a line it drew', () => {
    const writes: string[] = [];
    const io = {
      ...captureIo({ cwd: '.', stderrIsTTY: true }),
      stderr: { write: (t: string) => writes.push(t) },
    };
    const p = terminalProgress(io);
    p.clear();
    expect(writes).toEqual([]);
    p.update('x', 1, 3);
    p.clear();
    p.clear();
    expect(writes).toEqual([`${ERASE}x 1/3 (33 %)`, ERASE]);
  });
});
