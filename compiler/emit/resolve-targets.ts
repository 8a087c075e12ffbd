// Turns `--target native,envoy,template:FILE` into emitters: built-in names come from the TARGETS
// registry, `template:FILE` parses FILE (read by the CLI) into a Handlebars target.
import { createHash } from 'node:crypto';
import { CompileError } from '../compile-error.js';
import type { Diagnostic } from '../diagnostics.js';
import type { NamedTarget } from './index.js';
import { TARGET_PATHS, TARGETS } from './targets.js';
import { createTemplateTarget } from './template/index.js';

export interface TargetRequest {
  readonly name: string;
  /** For `template:FILE`: the file as the user wrote it. */
  readonly file?: string;
}

export const TEMPLATE_PREFIX = 'template:';

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

function unknownTarget(name: string): CompileError {
  const known = [...Object.keys(TARGETS), `${TEMPLATE_PREFIX}FILE`].join(', ');
  return new CompileError('MC5006', `unknown target '${name}'`, `targets: ${known}`);
}
