// docs/README.md lists every page of docs/, and the links of the pages written for the documentation
// set point at files and headings that exist (GitHub's heading anchors), so a renamed page or heading
// is caught here rather than by a reader.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './run-generator.js';

const docs = join(repoRoot, 'docs');
const checked = [
  'README.md',
  'concepts.md',
  'cli.md',
  'operations.md',
  'comparison.md',
  'spec-reference.md',
  '../README.md',
];

/** GitHub's anchor for a heading: lower case, punctuation other than - and _ dropped, spaces to -. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsIn(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1]!)));
}

describe('docs index and links', () => {
  it('docs/README.md lists every page in docs/', () => {
    const index = readFileSync(join(docs, 'README.md'), 'utf8');
    const pages = readdirSync(docs).filter((f) => f.endsWith('.md') && f !== 'README.md');
    expect(pages.length).toBeGreaterThanOrEqual(11);
    expect(pages.filter((p) => !index.includes(`](${p})`))).toEqual([]);
  });

  it('links in the documentation set resolve to files and headings', () => {
    const broken: string[] = [];
    for (const page of checked) {
      const file = join(docs, page);
      const text = readFileSync(file, 'utf8')
        .replace(/```[\s\S]*?```/g, '')
        .replace(/``[^\n]*?``|`[^`\n]*`/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const to = path ? resolve(dirname(file), path) : file;
        if (!existsSync(to)) broken.push(`${page}: ${target}`);
        else if (anchor && to.endsWith('.md') && !anchorsIn(to).has(anchor))
          broken.push(`${page}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
