// A real signed store holding two versions of productpage's bundle (reviews' canary at 90/10, then at
// 50/50: callers' bundles carry the routes), written by the real compiler, plus the signing key as a
// PEM file for the CLI. The manifest points at the newer version, as after a compile.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { compileToStore } from '../../compiler/compile.js';
import { SHOP_FILES, specFrom, testSigningKey } from '../compile/helpers.js';

export interface RolloutStore {
  readonly dir: string;
  readonly store: string;
  readonly keyFile: string;
  readonly otherKeyFile: string;
  readonly pubFile: string;
  readonly oldVersion: string;
  readonly newVersion: string;
  cleanup(): void;
}

export async function makeRolloutStore(): Promise<RolloutStore> {
  const dir = mkdtempSync(join(tmpdir(), 'meshc-rollout-'));
  const store = join(dir, 'store');
  const key = testSigningKey(7);
  const compile = async (files: Record<string, string>) => {
    const result = await compileToStore({
      spec: specFrom(files),
      commit: null,
      outDir: store,
      targets: [],
      signingKey: key,
    });
    return result.report!.services.find((s) => s.service === 'productpage')!.version;
  };
  const oldVersion = await compile(SHOP_FILES);
  const newVersion = await compile({
    ...SHOP_FILES,
    'services/reviews.yaml': SHOP_FILES['services/reviews.yaml']!.replace(
      '[{ version: v1, weight: 90 }, { version: v2, weight: 10 }]',
      '[{ version: v1, weight: 50 }, { version: v2, weight: 50 }]',
    ),
  });
  if (oldVersion === newVersion)
    throw new Error('fixture: the two compiles gave the same productpage bundle');
  const keyFile = join(dir, 'signing.key');
  writeFileSync(keyFile, key.export({ format: 'pem', type: 'pkcs8' }));
  const otherKeyFile = join(dir, 'other.key');
  writeFileSync(otherKeyFile, testSigningKey(9).export({ format: 'pem', type: 'pkcs8' }));
  const pubFile = join(dir, 'signing.pub');
  const { createPublicKey } = await import('node:crypto');
  writeFileSync(pubFile, createPublicKey(key).export({ format: 'pem', type: 'spki' }));
  return {
    dir,
    store,
    keyFile,
    otherKeyFile,
    pubFile,
    oldVersion,
    newVersion,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Every file of the store with its bytes (base64), to prove a refused command changed nothing. */
export function snapshotStore(store: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(store, full)] = readFileSync(full).toString('base64');
    }
  };
  walk(store);
  return out;
}
