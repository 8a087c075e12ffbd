// GitHub places annotations and code-scanning alerts by a file's path in the repository, so the github
// and sarif reports name files from the git top level wherever meshc runs (a CI step's
// working-directory); text and json keep paths relative to the working directory, as a terminal wants.
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../compiler/cli/main.js';
import { captureIo } from '../helpers/cli-io.js';
import { commitAll, MESH_YAML, makeTempDir, SERVICE_YAML, writeFiles } from '../helpers/spec-fixtures.js';

let temp: ReturnType<typeof makeTempDir>;
let repo: string;
beforeEach(() => {
  temp = makeTempDir();
  repo = join(temp.dir, 'repo');
  writeFiles(repo, {
    'spec/mesh.yaml': MESH_YAML,
    'spec/services/reviews.yaml': SERVICE_YAML,
    'spec/services/x.yaml': 'apiVersion: meshc/v1\nkind: Servce\n',
  });
});
afterEach(() => temp.cleanup());

/** How each format names x.yaml, which has an error, for `meshc validate ARGS` run in `cwd`. */
async function shownPaths(cwd: string, ...args: string[]) {
  const run = async (format: string) => {
    const io = captureIo({ cwd });
    expect(await runCli(['validate', ...args, '--format', format, '--no-cache'], io)).toBe(1);
    return io.out();
  };
  const isX = (file: string) => file.endsWith('x.yaml');
  const sarif = JSON.parse(await run('sarif'));
  const locations = sarif.runs[0].results.map(
    (r: { locations: { physicalLocation: { artifactLocation: object } }[] }) =>
      r.locations[0]!.physicalLocation.artifactLocation,
  );
  const location = locations.find((l: { uri: string }) => isX(l.uri));
  expect(location.uriBaseId).toBe('%SRCROOT%');
  return {
    github: /^::error file=([^,]*x\.yaml),/m.exec(await run('github'))?.[1],
    sarif: location.uri as string,
    json: JSON.parse(await run('json')).diagnostics.find((d: { file: string }) => isX(d.file)).file as string,
    text: /--> ([^:]*x\.yaml):/.exec(await run('text'))?.[1],
  };
}

/** GitHub's formats show `forGithub`, text and json `fromCwd`. */
const expected = (forGithub: string, fromCwd: string) => ({
  github: forGithub,
  sarif: forGithub,
  json: fromCwd,
  text: fromCwd,
});

describe('paths in a git work tree', () => {
  beforeEach(() => {
    commitAll(repo);
  });

  it('are from the top level for github and sarif, run below it; from the cwd for text and json', async () => {
    expect(await shownPaths(join(repo, 'spec/services'), '..')).toEqual(
      expected('spec/services/x.yaml', '../services/x.yaml'),
    );
    expect(await shownPaths(join(repo, 'spec'), '.')).toMatchObject({
      github: 'spec/services/x.yaml',
      sarif: 'spec/services/x.yaml',
      json: 'services/x.yaml',
    });
  });

  it('are from the top level for a spec read from a ref, and run above the repository', async () => {
    expect(await shownPaths(join(repo, 'spec/services'), '..', '--ref', 'HEAD')).toMatchObject({
      github: 'spec/services/x.yaml',
      sarif: 'spec/services/x.yaml',
    });
    expect(await shownPaths(temp.dir, 'repo/spec')).toMatchObject({
      github: 'spec/services/x.yaml',
      json: 'repo/spec/services/x.yaml',
    });
  });

  it('are from the top level for a spec read from a ref that the working tree no longer has', async () => {
    rmSync(join(repo, 'spec'), { recursive: true });
    expect(await shownPaths(repo, 'spec', '--ref', 'HEAD')).toMatchObject({
      github: 'spec/services/x.yaml',
      sarif: 'spec/services/x.yaml',
    });
  });

  it('follow a linked spec directory to where the repository holds it', async () => {
    mkdirSync(join(temp.dir, 'elsewhere'));
    symlinkSync(join(repo, 'spec'), join(temp.dir, 'elsewhere/spec'));
    expect(await shownPaths(temp.dir, 'elsewhere/spec')).toMatchObject({
      github: 'spec/services/x.yaml',
      json: 'elsewhere/spec/services/x.yaml',
    });
  });
});

describe('paths outside git', () => {
  it('stay relative to the working directory in every format', async () => {
    expect(await shownPaths(join(repo, 'spec/services'), '..')).toEqual(
      expected('../services/x.yaml', '../services/x.yaml'),
    );
  });

  it('resolve in SARIF, which names the working directory as %SRCROOT%', async () => {
    const cwd = join(repo, 'spec/services');
    const io = captureIo({ cwd });
    expect(await runCli(['validate', '..', '--format', 'sarif', '--no-cache'], io)).toBe(1);
    const run = JSON.parse(io.out()).runs[0];
    const base = run.originalUriBaseIds['%SRCROOT%'].uri as string;
    expect(base).toBe(`${pathToFileURL(cwd).href}/`);
    const uris = run.results.map(
      (r: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) =>
        r.locations[0]!.physicalLocation.artifactLocation.uri,
    ) as string[];
    const uri = uris.find((u) => u.endsWith('x.yaml'))!;
    expect(uri).toBe('../services/x.yaml');
    expect(fileURLToPath(new URL(uri, base))).toBe(join(repo, 'spec/services/x.yaml'));
  });

  it('SARIF inside git leaves %SRCROOT% to the uploader: the repository top it checked out', async () => {
    commitAll(repo);
    const io = captureIo({ cwd: join(repo, 'spec/services') });
    expect(await runCli(['validate', '..', '--format', 'sarif', '--no-cache'], io)).toBe(1);
    expect(JSON.parse(io.out()).runs[0].originalUriBaseIds).toBeUndefined();
  });
});
