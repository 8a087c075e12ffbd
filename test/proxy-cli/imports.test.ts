// Two import rules the proxy's start-up depends on, checked on the sources: runtime/ imports nothing
// from compiler/ (DESIGN §2), and `meshc proxy` loads no compiler stage: the CLI entry reaches the
// commands only through the registry's dynamic imports, and the proxy command's own static import
// graph stays within the runtime, schema/ and a few tiny CLI helpers.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

interface ImportRef {
  spec: string;
  typeOnly: boolean;
  dynamic: boolean;
}

/** Every module specifier of a file: static imports and re-exports, `import type`, and import(). */
export function importsOf(text: string): ImportRef[] {
  const out: ImportRef[] = [];
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const m of code.matchAll(/^\s*(import|export)\s+(type\s+)?([^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm))
    out.push({ spec: m[4]!, typeOnly: m[2] !== undefined, dynamic: false });
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g))
    out.push({ spec: m[1]!, typeOnly: false, dynamic: true });
  return out;
}

/** The repository-relative .ts file a relative specifier names. */
function resolveTs(from: string, spec: string): string {
  return relative(ROOT, resolve(ROOT, dirname(from), spec)).replace(/\.js$/, '.ts');
}

describe('import rules', () => {
  it('finds the imports it must judge (the scanner itself works)', () => {
    const refs = importsOf(
      "import { a } from './a.js';\nimport type { B } from '../b.js';\nexport { c } from './c.js';\n" +
        "import './side.js';\nconst m = await import('./lazy.js');\n// import { x } from './commented.js';\n",
    );
    expect(refs).toEqual([
      { spec: './a.js', typeOnly: false, dynamic: false },
      { spec: '../b.js', typeOnly: true, dynamic: false },
      { spec: './c.js', typeOnly: false, dynamic: false },
      { spec: './side.js', typeOnly: false, dynamic: false },
      { spec: './lazy.js', typeOnly: false, dynamic: true },
    ]);
  });

  it('runtime/ imports nothing from compiler/', () => {
    const files = sourceFiles('runtime');
    expect(files.length).toBeGreaterThan(50);
    const offenders: string[] = [];
    for (const file of files) {
      for (const ref of importsOf(readFileSync(join(ROOT, file), 'utf8'))) {
        if (!ref.spec.startsWith('.')) continue;
        const target = resolveTs(file, ref.spec);
        if (target.startsWith('compiler/')) offenders.push(`${file} -> ${target}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the CLI entry loads no command statically, and `meshc proxy` loads no compiler stage', () => {
    // What node loads for `meshc proxy`: main.ts's static graph, then the proxy command's static graph.
    const loaded = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (loaded.has(file)) return;
      loaded.add(file);
      for (const ref of importsOf(readFileSync(join(ROOT, file), 'utf8'))) {
        if (ref.typeOnly || ref.dynamic) continue;
        if (ref.spec.startsWith('.')) visit(resolveTs(file, ref.spec));
        else if (!ref.spec.startsWith('node:')) packages.add(ref.spec);
      }
    };
    visit('compiler/cli/main.ts');
    expect([...loaded].filter((f) => f.startsWith('compiler/cli/commands/'))).toEqual([]);
    visit('compiler/cli/commands/proxy.ts');
    const compilerModules = [...loaded].filter((f) => f.startsWith('compiler/')).sort();
    expect(compilerModules).toEqual([
      'compiler/cli/commands/proxy-options.ts',
      'compiler/cli/commands/proxy.ts',
      'compiler/cli/errors.ts',
      'compiler/cli/main.ts',
      'compiler/cli/registry.ts',
      // SIGINT/SIGTERM listened for before anything loads (bin/meshc.js), no import of its own.
      'compiler/cli/stop-signals.ts',
      'compiler/cli/usage.ts',
      'compiler/cli/version.ts',
      'compiler/duration.ts',
      // One CPU sample at start (node:os only), so the compile's worker decisions are measured.
      'compiler/idle-cores.ts',
      'compiler/load/did-you-mean.ts',
      // Refusals write what the user typed visible: a few regexes, no import of its own.
      'compiler/render/visible.ts',
    ]);
    // None of the compiler's libraries either (the proxy may use runtime libraries of its own).
    const compilerLibraries = [
      'ajv',
      'ajv-formats',
      'yaml',
      'handlebars',
      'simple-git',
      '@peculiar/x509',
      'node-forge',
      'reflect-metadata',
      '@eslint-community/regexpp',
    ];
    expect(
      [...packages].filter((p) => compilerLibraries.some((l) => p === l || p.startsWith(`${l}/`))),
    ).toEqual([]);
    // And the registry really reaches the proxy command, lazily.
    const registry = readFileSync(join(ROOT, 'compiler/cli/registry.ts'), 'utf8');
    expect(
      importsOf(registry)
        .filter((r) => r.dynamic)
        .map((r) => r.spec),
    ).toContain('./commands/proxy.js');
  });
});
