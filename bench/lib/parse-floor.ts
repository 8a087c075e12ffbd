// The parse floor both compiler benchmarks compare against: js-yaml (the fastest YAML parser in JS)
// loading every spec file of a generated mesh, without positions, validation or anything else.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import jsyaml from 'js-yaml';

/** Loads every *.yaml file of a generated mesh (root and services/); returns the document count. */
export async function loadWithJsYaml(dir: string): Promise<number> {
  let docs = 0;
  for (const sub of ['', 'services']) {
    for (const name of (await readdir(join(dir, sub))).sort()) {
      if (!name.endsWith('.yaml')) continue;
      jsyaml.loadAll(await readFile(join(dir, sub, name), 'utf8'), () => docs++);
    }
  }
  return docs;
}
