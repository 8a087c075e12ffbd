// checkSpec glues loading, trust-root reading and validation: the validate stage gets the parsed
// documents and the trust-root bytes, and its diagnostics come back merged with the loader's, sorted.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dirSource } from '../../compiler/load/dir-source.js';
import { checkSpec, type ValidateFn } from '../../compiler/pipeline.js';
import type { ValidateInput } from '../../compiler/validate/types.js';
import { MESH_YAML, makeTempDir, SERVICE_YAML, writeFiles } from '../helpers/spec-fixtures.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

/** A validate stage that records its input and reports one warning on the first document. */
function recordingValidate(): { validate: ValidateFn; calls: ValidateInput[] } {
  const calls: ValidateInput[] = [];
  const validate: ValidateFn = (input) => {
    calls.push(input);
    const first = input.documents[0];
    const diagnostics = first
      ? [{ code: 'MC3015' as const, severity: 'warning' as const, message: 'x', ...first.locate('/kind') }]
      : [];
    return { diagnostics, summary: { services: 1, routes: 2 } };
  };
  return { validate, calls };
}

describe('checkSpec', () => {
  it('hands validation the documents and the trust roots, keyed as written in the spec', async () => {
    const mesh = MESH_YAML.replace(
      'roots: [pki/root.pem]',
      'roots: [pki/root.pem, ./pki/old.pem, pki/gone.pem]',
    );
    writeFiles(temp.dir, {
      'mesh.yaml': mesh,
      'services/reviews.yaml': SERVICE_YAML,
      'pki/root.pem': 'ROOT',
      'pki/old.pem': 'OLD',
    });
    const { validate, calls } = recordingValidate();
    const checked = await checkSpec(dirSource(temp.dir), { now: 1_700_000_000_000, validate });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.now).toBe(1_700_000_000_000);
    expect(calls[0]!.documents.map((d) => d.file)).toEqual(['mesh.yaml', 'services/reviews.yaml']);
    const assets = Object.fromEntries(
      [...calls[0]!.assets].map(([k, v]) => [k, new TextDecoder().decode(v)]),
    );
    // A missing root is simply absent: validation reports it where the spec names it.
    expect(assets).toEqual({ 'pki/root.pem': 'ROOT', './pki/old.pem': 'OLD' });
    expect(checked.summary).toEqual({ services: 1, routes: 2 });
    expect(checked.files.map((f) => f.path)).toEqual(['mesh.yaml', 'services/reviews.yaml']);
  });

  it('runs validation despite loader errors and sorts all diagnostics by file and position', async () => {
    writeFiles(temp.dir, {
      'a.yaml': 'apiVersion: meshc/v1\nkind: Servce\n',
      'mesh.yaml': `# first line\n${MESH_YAML}`,
      'z.yaml': 'x: [\n',
    });
    const { validate, calls } = recordingValidate();
    const checked = await checkSpec(dirSource(temp.dir), { now: 0, validate });
    expect(calls[0]!.documents.map((d) => d.file)).toEqual(['mesh.yaml']);
    expect(checked.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}`)).toEqual([
      'MC1010 a.yaml:2',
      'MC3015 mesh.yaml:3',
      'MC1001 z.yaml:2',
    ]);
  });

  it('does not validate an empty spec: the loader already said what is wrong', async () => {
    const { validate, calls } = recordingValidate();
    const checked = await checkSpec(dirSource(temp.dir), { now: 0, validate });
    expect(calls).toEqual([]);
    expect(checked.diagnostics.map((d) => d.code)).toEqual(['MC1011']);
    expect(checked.result).toBeUndefined();
    expect(checked.summary).toEqual({ services: 0, routes: 0 });
  });

  it('reads trust roots relative to the directory of a single-file spec', async () => {
    writeFiles(temp.dir, { 'spec/all.yaml': MESH_YAML, 'spec/pki/root.pem': 'ROOT' });
    const { validate, calls } = recordingValidate();
    await checkSpec(dirSource(join(temp.dir, 'spec/all.yaml')), { now: 0, validate });
    expect([...calls[0]!.assets.keys()]).toEqual(['pki/root.pem']);
  });
});
