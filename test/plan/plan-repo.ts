// A real git repository holding the example shop spec under mesh/, with one commit per kind of change
// (each tagged), so plan tests compare real refs the way a pull request would.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commitAll, git, makeTempDir } from '../helpers/spec-fixtures.js';

const SHOP = fileURLToPath(new URL('../../examples/shop', import.meta.url));

/** Edits one spec file: every `[from, to]` pair must match, so a stale fixture fails loudly. */
export type FileEdit = Record<
  string,
  readonly (readonly [string, string])[] | { readonly write: string } | { readonly cutFrom: string }
>;

export interface Step {
  readonly tag: string;
  readonly edits: FileEdit;
  /** More edits of the same commit, applied after `edits` (a file edited twice). */
  readonly then?: FileEdit;
}

export interface PlanRepo {
  readonly dir: string;
  readonly cleanup: () => void;
}

/** The shop committed as tag `base`, then each step committed and tagged in order. */
export function buildPlanRepo(steps: readonly Step[]): PlanRepo {
  const { dir, cleanup } = makeTempDir('meshc-plan-');
  cpSync(SHOP, join(dir, 'mesh'), { recursive: true });
  writeFileSync(join(dir, 'README.md'), 'spec repo\n');
  commitAll(dir, 'the shop');
  git(dir, 'tag', 'base');
  for (const step of steps) {
    applyEdits(join(dir, 'mesh'), step.edits);
    if (step.then) applyEdits(join(dir, 'mesh'), step.then);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', step.tag);
    git(dir, 'tag', step.tag);
  }
  return { dir, cleanup };
}

export function applyEdits(root: string, edits: FileEdit): void {
  for (const [file, edit] of Object.entries(edits)) {
    const path = join(root, file);
    if ('write' in edit) {
      writeFileSync(path, edit.write);
      continue;
    }
    if ('cutFrom' in edit) {
      const text = readFileSync(path, 'utf8');
      const at = text.indexOf(edit.cutFrom);
      if (at === -1)
        throw new Error(`fixture edit: ${file} does not contain ${JSON.stringify(edit.cutFrom)}`);
      writeFileSync(path, text.slice(0, at));
      continue;
    }
    let text = readFileSync(path, 'utf8');
    for (const [from, to] of edit) {
      if (!text.includes(from))
        throw new Error(`fixture edit: ${file} does not contain ${JSON.stringify(from)}`);
      text = text.replace(from, to);
    }
    writeFileSync(path, text);
  }
}
