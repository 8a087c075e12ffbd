// The demo's spec repository: examples/shop copied into a temporary git repo with two commits, a
// baseline and a canary change, so that `meshc plan` has a pull request to review.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleGit } from 'simple-git';

const SHOP = fileURLToPath(new URL('../../../examples/shop', import.meta.url));

/** The canary change of the second commit: reviews v2 goes from 10 % to 50 %. */
export const CANARY = { before: { v1: 90, v2: 10 }, after: { v1: 50, v2: 50 } } as const;

export interface SpecRepo {
  readonly dir: string;
  readonly baseline: string;
  readonly canary: string;
}

/** Copies the example, trusts `rootPem` instead of the example's root, and commits twice. */
export async function makeSpecRepo(dir: string, rootPem: string): Promise<SpecRepo> {
  cpSync(SHOP, dir, { recursive: true });
  writeFileSync(join(dir, 'pki/root.pem'), rootPem);
  const git = simpleGit(dir);
  await git.init();
  await git.addConfig('user.name', 'meshc demo');
  await git.addConfig('user.email', 'demo@meshc.invalid');
  await git.addConfig('commit.gpgsign', 'false');
  await git.add('.');
  const baseline = (await git.commit('shop: baseline')).commit;
  const reviews = join(dir, 'services/reviews.yaml');
  const text = readFileSync(reviews, 'utf8');
  const changed = text
    .replace(`{ version: v1, weight: ${CANARY.before.v1} }`, `{ version: v1, weight: ${CANARY.after.v1} }`)
    .replace(`{ version: v2, weight: ${CANARY.before.v2} }`, `{ version: v2, weight: ${CANARY.after.v2} }`);
  if (changed === text) throw new Error('demo: the canary route of examples/shop changed shape');
  writeFileSync(reviews, changed);
  await git.add('.');
  const canary = (await git.commit('reviews: canary v2 10% -> 50%')).commit;
  return { dir, baseline, canary };
}
