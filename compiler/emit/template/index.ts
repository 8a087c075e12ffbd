// `--target template:FILE.hbs`: a Handlebars template rendered once per service from its planned
// bundle into templates/<svc>/<FILE without .hbs>, for deployment formats meshc does not know
// (a Kubernetes ConfigMap, a Nomad job). Problems are diagnostics at the template's file:line:col.
import { createRequire } from 'node:module';
import type HandlebarsType from 'handlebars';
import { contentVersion, serializeCanonical } from '../../../schema/store-format.js';
import type { Diagnostic } from '../../diagnostics.js';
import { type EmittedFile, type TargetEmitter, TargetError } from '../targets.js';
import { checkTemplate } from './check-template.js';
import { HELPERS, registerHelpers } from './helpers.js';
import { describeParseError } from './parse-problem.js';
import { installStrictLookup } from './strict-lookup.js';
import { templateDiagnostic, templatePosition } from './template-diagnostic.js';
import { TemplateError } from './template-error.js';
import { checkWrittenValues, TEXT_HELPER } from './written-values.js';

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

/** Parses and checks the template once; rendering happens per service in the returned emitter. */
export function createTemplateTarget(template: TemplateSource): TemplateTargetResult {
  const hb = loadHandlebars().create();
  registerHelpers(hb);
  installStrictLookup(hb);
  let ast: hbs.AST.Program;
  try {
    ast = hb.parse(template.text);
  } catch (err) {
    const problem = describeParseError(hb, template.text, err);
    return {
      diagnostics: [
        templateDiagnostic(template.path, `template does not parse: ${problem.message}`, problem),
      ],
    };
  }
  const problems = checkTemplate(ast);
  if (problems.length > 0)
    return {
      diagnostics: problems.map((p) => templateDiagnostic(template.path, p.message, templatePosition(p.loc))),
    };
  // Visitor is the library's own (an environment from create() has none).
  checkWrittenValues(hb, loadHandlebars().Visitor, ast);
  // noEscape: output is YAML/JSON/HCL, not HTML. Strictness is strict-lookup.ts's: every name is
  // looked up there (assumeObjects routes each through it), Handlebars' own strict mode is off.
  // knownHelpers: a call is always to the helper, never to a field of that name.
  const render = hb.compile(ast, {
    noEscape: true,
    assumeObjects: true,
    knownHelpers: Object.fromEntries([...Object.keys(HELPERS), TEXT_HELPER].map((name) => [name, true])),
    knownHelpersOnly: true,
  });
  const outName = templateOutputName(template.path);
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
      const located = err instanceof TemplateError;
      const message = located ? err.message : String((err as Error).message ?? err);
      throw new TargetError(
        templateDiagnostic(
          template.path,
          `template failed for service ${bundle.service}: ${message}`,
          templatePosition(located ? err.loc : undefined),
          located ? err.hint : undefined,
        ),
      );
    }
    const file: EmittedFile = {
      path: outPath(bundle.service),
      bytes: new TextEncoder().encode(text),
    };
    return [file];
  };
  return { emit, paths: (service) => [outPath(service)], diagnostics: [] };
}

/** The file a template renders per service: its name without `.hbs` (in any case). */
export function templateOutputName(path: string): string {
  return baseName(path).replace(/\.hbs$/i, '');
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}
