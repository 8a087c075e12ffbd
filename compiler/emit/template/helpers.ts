// The helpers a meshc template may call, each checking its arguments: Handlebars passes a helper
// whatever it was given (undefined for a missing value, its options object in place of a missing
// argument), so `{{indent}}` rendered "[object Object]" and `{{json}}` dumped Handlebars' internals.
// Every helper's error is a TemplateError at the helper's own position in the template.
import type HandlebarsType from 'handlebars';
import { describeType } from './strict-lookup.js';
import { TemplateError, type TemplateLoc } from './template-error.js';

interface HelperSpec {
  /** How many values it takes (its options object aside). */
  readonly min: number;
  readonly max: number;
  readonly block: boolean;
  /** How to write a call, for messages. */
  readonly usage: string;
  /** Undefined: Handlebars' own helper of that name, once its arguments are checked. */
  readonly fn?: (args: unknown[], options: HandlebarsType.HelperOptions) => unknown;
}

/** Spaces `indent` and `json` accept: enough for any nesting, not a megabyte of blanks. */
const MAX_INDENT = 64;
const MAX_JSON_INDENT = 10;

export const HELPERS: Readonly<Record<string, HelperSpec>> = {
  // {{json value}}: compact JSON; {{json value 2}}: indented.
  json: {
    min: 1,
    max: 2,
    block: false,
    usage: '{{json VALUE}} or {{json VALUE 2}}',
    fn: ([value, indent]) => {
      if (value === undefined) throw new Error('json was given an undefined value');
      const spaces = indent === undefined ? undefined : count('json', indent, MAX_JSON_INDENT);
      return JSON.stringify(value, null, spaces);
    },
  },
  // {{indent text 4}}: every non-empty line prefixed by n spaces (for YAML block scalars); the
  // text's final newline is dropped, since the template line the helper sits on supplies one.
  indent: {
    min: 1,
    max: 2,
    block: false,
    usage: '{{indent TEXT 4}}',
    fn: ([text, n]) => {
      if (typeof text !== 'string')
        throw new Error(
          `indent takes text, and was given ${describeType(text)}${typeof text === 'object' ? ': for an object use (json VALUE 2)' : ''}`,
        );
      const pad = ' '.repeat(n === undefined ? 2 : count('indent', n, MAX_INDENT));
      return text
        .replace(/\n$/, '')
        .split('\n')
        .map((line) => (line === '' ? line : pad + line))
        .join('\n');
    },
  },
  // {{lookup value key}}: only the value's own fields, as every other name in a template.
  lookup: {
    min: 2,
    max: 2,
    block: false,
    usage: '{{lookup VALUE KEY}}',
    fn: ([value, key]) => {
      if (typeof key !== 'string' && typeof key !== 'number')
        throw new Error(`lookup's key must be text or a number, and was ${describeType(key)}`);
      if (value === null || typeof value !== 'object')
        throw new Error(`lookup was given ${describeType(value)}, which has no field "${key}"`);
      if (!Object.hasOwn(value, key)) throw new Error(`lookup: no field "${key}" in the value given`);
      return (value as Record<string, unknown>)[key];
    },
  },
  each: { min: 1, max: 1, block: true, usage: '{{#each LIST}}...{{/each}}' },
  with: { min: 1, max: 1, block: true, usage: '{{#with VALUE}}...{{/with}}' },
  if: { min: 1, max: 1, block: true, usage: '{{#if VALUE}}...{{/if}}' },
  unless: { min: 1, max: 1, block: true, usage: '{{#unless VALUE}}...{{/unless}}' },
};

/** For hints and messages. */
export const HELPER_NAMES = Object.keys(HELPERS).join(', ');

/** Registers HELPERS on `hb`, each wrapped to check its arguments and to place its errors. */
export function registerHelpers(hb: typeof HandlebarsType): void {
  for (const [name, spec] of Object.entries(HELPERS)) {
    const builtIn = hb.helpers[name] as (this: unknown, ...args: unknown[]) => unknown;
    hb.registerHelper(name, function (this: unknown, ...all: unknown[]) {
      const options = all.pop() as HandlebarsType.HelperOptions & { loc?: TemplateLoc };
      try {
        checkCall(name, spec, all, options);
        if (name === 'each' && all[0] !== null && typeof all[0] !== 'object')
          throw new Error(`each takes a list or an object, and was given ${describeType(all[0])}`);
        return spec.fn ? spec.fn(all, options) : builtIn.call(this, ...all, options);
      } catch (err) {
        // An error from inside a block (a name in {{#each}}'s body) already says where it is.
        if (err instanceof TemplateError) throw err;
        throw new TemplateError(err instanceof Error ? err.message : String(err), options.loc);
      }
    });
  }
}

function checkCall(
  name: string,
  spec: HelperSpec,
  args: unknown[],
  options: HandlebarsType.HelperOptions,
): void {
  const given = args.length;
  if (given < spec.min || given > spec.max) {
    const wanted = spec.min === spec.max ? `${spec.min}` : `${spec.min} or ${spec.max}`;
    throw new Error(
      `${name} takes ${wanted} value${spec.max === 1 ? '' : 's'}, and was given ${given}: write ${spec.usage}`,
    );
  }
  if (Object.keys(options.hash as object).length > 0)
    throw new Error(`${name} takes no key=value options: write ${spec.usage}`);
}

function count(helper: string, n: unknown, max: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) {
    const shown = typeof n === 'string' ? `the text "${n}"` : describeType(n);
    throw new Error(`${helper}'s count of spaces must be a whole number from 0 to ${max}, and was ${shown}`);
  }
  return n;
}
