// Writes a generated mesh into a directory (once per size, reused across runs of one benchmark).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRootCa } from '../../compiler/pki/ca.js';
import { generateMesh } from './generate-mesh.js';

/** A CA certificate for generated meshes; pass one to several meshes to make their bundles comparable. */
export async function benchRootPem(): Promise<string> {
  return (await createRootCa({ trustDomain: 'bench.local', keyType: 'ecdsa', now: Date.now() })).certPem;
}

export async function writeGeneratedMesh(dir: string, services: number, rootPem?: string): Promise<void> {
  const files = generateMesh({ services, rootPem: rootPem ?? (await benchRootPem()) });
  const dirs = new Set(files.map((f) => dirname(join(dir, f.path))));
  for (const d of dirs) await mkdir(d, { recursive: true });
  for (const f of files) await writeFile(join(dir, f.path), f.text);
}
