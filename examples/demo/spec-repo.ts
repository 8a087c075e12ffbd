// The demo's spec repository: examples/shop copied into a temporary git repo with two commits, a
// baseline and a canary change, so that `meshc plan` has a pull request to review. Both commits list
// the demo's instances at the free ports they run on, not at the example's fixed ones.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleGit } from 'simple-git';

const SHOP = fileURLToPath(new URL('../../../examples/shop', import.meta.url));

/** The canary change of the second commit: reviews v2 goes from 10 % to 50 %. */
export const CANARY = { before: { v1: 90, v2: 10 }, after: { v1: 50, v2: 50 } } as const;

/** One endpoint of services/<service>.yaml, moved from `from` to `to`. */
export interface EndpointMove {
  readonly service: string;
  readonly from: string;
  readonly to: string;
}

export interface SpecRepo {
  readonly dir: string;
  readonly baseline: string;
  readonly canary: string;
}

/** Copies the example, trusts `rootPem` instead of the example's root, moves endpoints, commits twice. */
export async function makeSpecRepo(
  dir: string,
  rootPem: string,
  moves: readonly EndpointMove[],
): Promise<SpecRepo> {
  cpSync(SHOP, dir, { recursive: true });
  writeFileSync(join(dir, 'pki/root.pem'), rootPem);
  for (const { service, from, to } of moves) {
    replaceOnce(dir, `services/${service}.yaml`, `'${from}'`, `'${to}'`);
  }
  const git = simpleGit(dir);
  await git.init();
  await git.addConfig('user.name', 'meshc demo');
  await git.addConfig('user.email', 'demo@meshc.invalid');
  await git.addConfig('commit.gpgsign', 'false');
  await git.add('.');
  const baseline = (await git.commit('shop: baseline')).commit;
  for (const v of ['v1', 'v2'] as const) {
    const weight = (w: number) => `{ version: ${v}, weight: ${w} }`;
    replaceOnce(dir, 'services/reviews.yaml', weight(CANARY.before[v]), weight(CANARY.after[v]));
  }
  await git.add('.');
  const canary = (await git.commit('reviews: canary v2 10% -> 50%')).commit;
  return { dir, baseline, canary };
}

/** Edits `file` of the copy where the demo expects examples/shop to say `from`, exactly once. */
function replaceOnce(dir: string, file: string, from: string, to: string): void {
  const parts = readFileSync(join(dir, file), 'utf8').split(from);
  if (parts.length !== 2) {
    throw new Error(`demo: examples/shop changed shape: expected ${from} once in ${file}`);
  }
  writeFileSync(join(dir, file), parts.join(to));
}
