// simple-git, evaluated when a command first runs git rather than when meshc starts: its modules and
// the `debug` package it carries (which opens process.stderr, and with it node:net, to ask whether
// stderr is a terminal) were evaluated by every run that read a spec from a directory, git or not.
// The bundle inlines this import() as a lazily evaluated module (scripts/bundle-cli.mjs); decision 0032.
import type { SimpleGit } from 'simple-git';

/** A simple-git instance working in `baseDir`. */
export async function openGit(baseDir: string): Promise<SimpleGit> {
  const { simpleGit } = await import('simple-git');
  return simpleGit({ baseDir });
}
