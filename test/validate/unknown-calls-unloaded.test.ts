// MC3004 when the callee's own file did not load: the service may well be declared there, so the
// diagnostic says no file that loaded declares it and points at the file to fix, rather than claiming
// the mesh has no such service and asking to declare it. Through the real pipeline on a directory.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MESH, REPO_ROOT, validateDir } from './support.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function specDir(services: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshc-mc3004-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'mesh.yaml'), MESH);
  writeFileSync(join(dir, 'root.pem'), readFileSync(join(REPO_ROOT, 'examples/shop/pki/root.pem')));
  mkdirSync(join(dir, 'services'));
  for (const [name, text] of Object.entries(services))
    writeFileSync(join(dir, 'services', `${name}.yaml`), text);
  return dir;
}

const service = (name: string, extra = '') =>
  `apiVersion: meshc/v1\nkind: Service\nmetadata: { name: ${name} }\nspec:\n  port: 80\n  endpoints: ["10.0.0.1:${name.length + 8000}"]\n${extra}`;

describe('MC3004 with a spec file that did not load', () => {
  it('says the callee may be declared in the file that failed, and not to declare it', async () => {
    const dir = specDir({
      client: service('client', '  calls: [t]\n'),
      t: 'apiVersion: meshc/v1\nkind: Service\nmetadata: { name: t\nspec: [\n',
    });
    const checked = await validateDir(dir);
    const unknown = checked.diagnostics.find((d) => d.code === 'MC3004')!;
    expect(unknown).toMatchObject({
      file: 'services/client.yaml',
      message: 'service `client` calls `t`, which no spec file that loaded declares',
      hint: 'services/t.yaml did not load (errors above) and may declare it: fix that file first',
    });
    expect(checked.diagnostics.some((d) => d.code.startsWith('MC1') && d.file === 'services/t.yaml')).toBe(
      true,
    );
  });

  it('keeps the plain message when every file loaded', async () => {
    const dir = specDir({ client: service('client', '  calls: [t]\n'), other: service('other') });
    const unknown = (await validateDir(dir)).diagnostics.find((d) => d.code === 'MC3004')!;
    expect(unknown.message).toBe('service `client` calls `t`, which is not a service of this mesh');
    expect(unknown.hint).toBe('declare `t` with kind: Service, or remove it');
  });
});
