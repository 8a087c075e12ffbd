// Every name a template looks up goes through lookupField: an own property of the value, or an
// error at the name's file:line:col. Handlebars' own strict mode checks only the last name of a
// `{{a.b}}` and none passed to a helper (`{{json a.nope}}` rendered "", handlebars.js#1138), found
// inherited names with `in` (`constructor`) and threw a bare TypeError on a number (`a.length.x`).
import type HandlebarsType from 'handlebars';
import { TemplateError, type TemplateLoc } from './template-error.js';

/** The registered helper the compiled template calls for each name; not a name templates may use. */
export const LOOKUP_HELPER = '__meshcLookupField';

/** Where a name is looked up: the path as written up to it, its node's position, and leniency. */
interface LookupSite {
  readonly path: string;
  readonly loc: TemplateLoc | null;
  readonly lenient: boolean;
}

interface PathState {
  readonly parts: readonly string[];
  readonly prefix: string;
  next: number;
  readonly lenient: boolean;
}

/** Loose shape of Handlebars' JavaScriptCompiler (not in its types). */
interface JsCompiler {
  prototype: {
    nameLookup(parent: unknown, name: string, type: string): unknown;
    resolvePath(type: string, parts: string[], start: number, falsy: boolean, strict?: boolean): void;
  };
  new (): unknown;
}

/**
 * Makes `hb` compile every context and `@data` name into a lookupField call. The `strict` flag
 * Handlebars passes down is `false` only where check-template.ts marked a path lenient (the value
 * tested by `{{#if}}` / `{{#unless}}`: an optional field may be absent there).
 */
export function installStrictLookup(hb: typeof HandlebarsType): void {
  const h = hb as unknown as { JavaScriptCompiler: JsCompiler };
  const Base = h.JavaScriptCompiler;
  type Self = InstanceType<JsCompiler> & {
    meshcPath?: PathState;
    source: { currentLocation?: TemplateLoc };
  };
  function MeshcCompiler(this: unknown) {}
  MeshcCompiler.prototype = Object.create(Base.prototype) as JsCompiler['prototype'];
  MeshcCompiler.prototype.resolvePath = function (this: Self, type, parts, start, falsy, strict) {
    this.meshcPath = { parts, prefix: type === 'data' ? '@' : '', next: start, lenient: strict === false };
    try {
      Base.prototype.resolvePath.call(this, type, parts, start, falsy, strict);
    } finally {
      this.meshcPath = undefined;
    }
  };
  MeshcCompiler.prototype.nameLookup = function (this: Self, parent, name, type) {
    const path = this.meshcPath;
    if ((type !== 'context' && type !== 'data') || !path)
      return Base.prototype.nameLookup.call(this, parent, name, type);
    const index = path.next++;
    const shown = path.prefix + path.parts.slice(0, index + 1).join('.');
    // The last argument is an object: Handlebars sets `lookupProperty` on a helper's last argument.
    const site: LookupSite = { path: shown, loc: this.source.currentLocation ?? null, lenient: path.lenient };
    return [
      `helpers[${JSON.stringify(LOOKUP_HELPER)}](`,
      parent,
      `, ${JSON.stringify(name)}, ${JSON.stringify(site)})`,
    ];
  };
  // Block bodies are compiled by `new this.compiler()`: the base class unless told otherwise.
  (MeshcCompiler.prototype as { compiler?: unknown }).compiler = MeshcCompiler;
  h.JavaScriptCompiler = MeshcCompiler as unknown as JsCompiler;
  hb.registerHelper(LOOKUP_HELPER, lookupField as HandlebarsType.HelperDelegate);
}

/**
 * `parent[name]` when it is the parent's own property; otherwise undefined for a lenient path and
 * an error naming the path for a strict one.
 */
export function lookupField(parent: unknown, name: string, { path, loc, lenient }: LookupSite): unknown {
  const owner = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
  if (parent === null || parent === undefined) {
    if (lenient) return undefined;
    throw new TemplateError(
      `${owner || 'the value'} is ${String(parent)}, so it has no field "${name}"`,
      loc,
    );
  }
  const holder = Object(parent) as Record<string, unknown>;
  if (Object.hasOwn(holder, name)) return holder[name];
  if (lenient) return undefined;
  if (typeof parent !== 'object')
    throw new TemplateError(`${owner} is ${describeType(parent)}, so it has no field "${name}"`, loc);
  throw new TemplateError(`${path} is not defined${fieldList(owner, holder)}`, loc);
}

function fieldList(owner: string, value: Record<string, unknown>): string {
  if (Array.isArray(value)) return ` (${owner} is a list of ${value.length}: use {{#each ${owner}}})`;
  if (Object.keys(value).length === 0) return '';
  const names = fieldNames(value);
  return owner ? ` (${owner} has ${names})` : ` (the fields here: ${names})`;
}

/** A value's own field names for a message: the first 12, then "...". */
export function fieldNames(value: object): string {
  const keys = Object.keys(value);
  return (keys.length > 12 ? [...keys.slice(0, 12), '...'] : keys).join(', ');
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return 'text';
    case 'number':
      return `a number (${value})`;
    case 'boolean':
      return `${value}`;
    case 'undefined':
      return 'undefined';
    default:
      return 'an object';
  }
}
