// `--target template:FILE.hbs`: a Handlebars template rendered once per service from its planned
// bundle into templates/<svc>/<FILE without .hbs>, for deployment formats meshc does not know
// (a Kubernetes ConfigMap, a Nomad job). Problems are diagnostics at the template's file:line.
import { createRequire } from 'node:module';
import type HandlebarsType from 'handlebars';
import { contentVersion, serializeCanonical } from '../../../schema/store-format.js';
import type { Diagnostic } from '../../diagnostics.js';
import { type EmittedFile, type TargetEmitter, TargetError } from '../targets.js';

export interface TemplateSource {
  /** As the user named it (shown in diagnostics). */
  readonly path: string;
  readonly text: string;
}

export type TemplateTargetResult =
  | {
      readonly emit: TargetEmitter;
      /** The one file it writes for a service (NamedTarget `paths`). */
      readonly paths: (service: string) => readonly string[];
      readonly diagnostics: readonly [];
    }
  | { readonly emit?: undefined; readonly diagnostics: readonly Diagnostic[] };

/**
 * Handlebars, loaded when a template target is first asked for: every `meshc compile` reaches this
 * module, and loading Handlebars cost ~16 ms of the command's start for the few that use a template.
 */
let handlebars: typeof HandlebarsType | undefined;
const loadHandlebars = () =>
  (handlebars ??= createRequire(import.meta.url)('handlebars') as typeof HandlebarsType);

/** Parses the template once; rendering happens per service in the returned emitter. */
export function createTemplateTarget(template: TemplateSource): TemplateTargetResult {
  const hb = loadHandlebars().create();
  registerHelpers(hb);
  let ast: hbs.AST.Program;
  try {
    ast = hb.parse(template.text);
  } catch (err) {
    return { diagnostics: [templateDiagnostic(template.path, err)] };
  }
  // noEscape: output is YAML/JSON/HCL, not HTML. strict: a misspelt field is an error, not "".
  const render = hb.compile(ast, {
    noEscape: true,
    strict: true,
    assumeObjects: true,
  });
  const outName = baseName(template.path).replace(/\.hbs$/, '');
  const outPath = (service: string) => `templates/${service}/${outName}`;
  const emit: TargetEmitter = (bundle) => {
    const bundleJson = serializeCanonical(bundle);
    const { version, sha256 } = contentVersion(bundleJson);
    const context = {
      service: bundle.service,
      mesh: bundle.mesh,
      commit: bundle.commit,
      version,
      sha256,
      bundle,
      bundleJson,
    };
    let text: string;
    try {
      text = render(context);
    } catch (err) {
      throw new TargetError(templateDiagnostic(template.path, err, bundle.service));
    }
    const file: EmittedFile = {
      path: outPath(bundle.service),
      bytes: new TextEncoder().encode(text),
    };
    return [file];
  };
  return { emit, paths: (service) => [outPath(service)], diagnostics: [] };
}

function registerHelpers(hb: typeof HandlebarsType): void {
  // Handlebars' own `{{log}}` prints to meshc's stdout, in the middle of the summary or of
  // `--format json`: a template writes nowhere but its output. (Unregistered, the compiled template
  // would still call it, as a built-in, and fail with a TypeError that names nothing.)
  hb.registerHelper('log', () => {
    throw new Error('{{log}} is not available in meshc templates: a template writes only its own file');
  });
  // {{json value}}: compact JSON; {{json value 2}}: indented.
  hb.registerHelper('json', (value: unknown, indent: unknown) =>
    JSON.stringify(value, null, typeof indent === 'number' ? indent : undefined),
  );
  // {{indent text 4}}: every non-empty line prefixed by n spaces (for YAML block scalars); the
  // text's final newline is dropped, since the template line the helper sits on supplies one.
  hb.registerHelper('indent', (text: unknown, n: unknown) => {
    const pad = ' '.repeat(typeof n === 'number' ? n : 2);
    return String(text)
      .replace(/\n$/, '')
      .split('\n')
      .map((line) => (line === '' ? line : pad + line))
      .join('\n');
  });
}

/** Handlebars errors carry `line N` (parse) or `lineNumber`/`column` (render); both become file:line:col. */
function templateDiagnostic(path: string, err: unknown, service?: string): Diagnostic {
  const e = err as { message?: string; lineNumber?: number; column?: number };
  const raw = String(e.message ?? err);
  const parseLine = /^Parse error on line (\d+):/.exec(raw);
  const line = e.lineNumber ?? (parseLine ? Number(parseLine[1]) : 1);
  const col = e.column !== undefined ? e.column + 1 : 1;
  // A parse error's last line says what was expected ("Expecting 'ID', got 'EOF'"); the lines before
  // it are an excerpt the code frame shows better.
  // Strict mode names the object it looked in by its String() (`[object Object]`, `undefined`): the
  // file:line:col says where better.
  const detail = parseLine
    ? (raw.split('\n').pop() ?? raw)
    : raw.replace(/ - \d+:\d+$/, '').replace(/^("[^"]*" not defined) in .*$/s, '$1');
  const message = parseLine
    ? `template does not parse: ${detail.trim()}`
    : `template failed for service ${service}: ${detail}`;
  return {
    code: 'MC5005',
    severity: 'error',
    message,
    file: path,
    line,
    col,
    hint: 'the template sees service, mesh, commit, version, sha256, bundle (the planned bundle) and bundleJson; helpers: json, indent',
  };
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}
