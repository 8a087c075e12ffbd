// Turns `--target native,envoy,template:FILE` into emitters: built-in names come from the TARGETS
// registry, `template:FILE` parses FILE (read by the CLI) into a Handlebars target.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { CompileError } from '../compile-error.js';
import type { Diagnostic } from '../diagnostics.js';
import type { NamedTarget } from './index.js';
import { TARGET_PATHS, TARGETS } from './targets.js';
import { createTemplateTarget, templateOutputName } from './template/index.js';

export interface TargetRequest {
  readonly name: string;
  /** For `template:FILE`: the file as the user wrote it. */
  readonly file?: string;
}

export const TEMPLATE_PREFIX = 'template:';

/**
 * A `template:FILE` whose output file cannot be written, or is written by another template too: a
 * mistake in the command line, which the CLI reports as a usage error (it was a store error saying
 * "this is a bug in the target").
 */
export class TemplateNameError extends Error {
  override readonly name = 'TemplateNameError';
}

/** Parses repeated and comma-separated `--target` values, keeping order and dropping repeats. */
export function parseTargetList(values: readonly string[]): TargetRequest[] {
  const out: TargetRequest[] = [];
  const seen = new Set<string>();
  for (const item of values.flatMap((v) => v.split(',')).map((v) => v.trim())) {
    if (item === '' || seen.has(item)) continue;
    seen.add(item);
    if (item.startsWith(TEMPLATE_PREFIX)) {
      const file = item.slice(TEMPLATE_PREFIX.length);
      if (file === '') throw unknownTarget(item);
      checkTemplateName(file, out);
      out.push({ name: 'template', file });
    } else if (Object.hasOwn(TARGETS, item)) {
      out.push({ name: item });
    } else {
      throw unknownTarget(item);
    }
  }
  return out;
}

/** Template files the requests need, to be read by the caller. */
export function templateFiles(requests: readonly TargetRequest[]): string[] {
  return requests.flatMap((r) => (r.file === undefined ? [] : [r.file]));
}

/** Emitters for the requests; template parse errors come back as diagnostics at FILE:line. */
export function resolveTargets(
  requests: readonly TargetRequest[],
  templates: ReadonlyMap<string, string>,
): { targets: NamedTarget[]; diagnostics: Diagnostic[] } {
  const targets: NamedTarget[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const request of requests) {
    if (request.file === undefined) {
      const emit = TARGETS[request.name];
      const paths = TARGET_PATHS[request.name];
      if (emit) targets.push({ name: request.name, emit, ...(paths ? { paths } : {}) });
      continue;
    }
    const text = templates.get(request.file) ?? '';
    const made = createTemplateTarget({ path: request.file, text });
    if (made.emit)
      targets.push({
        name: `${TEMPLATE_PREFIX}${request.file}`,
        emit: made.emit,
        paths: made.paths,
        id: `${TEMPLATE_PREFIX}${request.file}:${createHash('sha256').update(text).digest('hex')}`,
      });
    else diagnostics.push(...made.diagnostics);
  }
  return { targets, diagnostics };
}

// C0 and C1 controls: a file name holding one would be echoed into terminals and logs.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Throws TemplateNameError when `file` renders no usable file name, or the one an earlier template does. */
function checkTemplateName(file: string, earlier: readonly TargetRequest[]): void {
  if (CONTROL.test(file))
    throw new TemplateNameError(`template file name ${file} holds a control character: rename the file`);
  const output = templateOutputName(file);
  if (output === '' || output === '.' || output === '..')
    throw new TemplateNameError(
      `template:${file} would render a file named "${output}": name the template after the file it renders, like configmap.yaml.hbs`,
    );
  const clash = earlier.find((r) => r.file !== undefined && templateOutputName(r.file) === output);
  if (clash?.file === undefined) return;
  throw new TemplateNameError(
    posix.normalize(clash.file) === posix.normalize(file)
      ? `template:${clash.file} and template:${file} are the same file: name it once`
      : `template:${clash.file} and template:${file} would both render templates/<service>/${output}: rename one of them`,
  );
}

function unknownTarget(name: string): CompileError {
  const known = [...Object.keys(TARGETS), `${TEMPLATE_PREFIX}FILE`].join(', ');
  return new CompileError('MC5006', `unknown target '${name}'`, `targets: ${known}`);
}
