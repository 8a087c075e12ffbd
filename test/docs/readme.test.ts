// The README's promises that other files decide: the Node version is the one package.json's engines
// field requires.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot } from './run-generator.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8').replace(/\s+/g, ' ');

it("names the Node version package.json's engines field requires", () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    engines: { node: string };
  };
  const [, version] = /^>=(\d+\.\d+\.\d+)$/.exec(pkg.engines.node) ?? [];
  expect(version).toBeDefined();
  expect(readme).toContain(`Node ${version} or later`);
  expect(readme).not.toMatch(/Node \d+ or later/);
});
