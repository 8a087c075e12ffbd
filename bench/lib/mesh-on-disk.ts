// Writes a generated mesh into a directory (once per size, reused across runs of one benchmark).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRootCa } from '../../compiler/pki/ca.js';
import { generateMesh } from './generate-mesh.js';

export async function writeGeneratedMesh(dir: string, services: number): Promise<void> {
  const root = await createRootCa({ trustDomain: 'bench.local', keyType: 'ecdsa', now: Date.now() });
  const files = generateMesh({ services, rootPem: root.certPem });
  const dirs = new Set(files.map((f) => dirname(join(dir, f.path))));
  for (const d of dirs) await mkdir(d, { recursive: true });
  for (const f of files) await writeFile(join(dir, f.path), f.text);
}
