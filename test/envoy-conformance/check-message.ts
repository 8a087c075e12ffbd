// The strict proto3 JSON walk: a parsed YAML value against a protobufjs message type. Unknown
// fields, wrong types, bad enum names, malformed durations, unresolvable Any types and two members
// of one oneof are errors, and every field's `(validate.rules)` is checked. Returns the message
// with field names normalised to proto case, for the cross-reference checks.
import protobuf from 'protobufjs';
import type { Enum, Field, FieldBase, MapField, OneOf, Root, Type } from 'protobufjs';
import { lookupTypeUrl, typeName } from './proto-registry.js';
import { type Decoded, decodeScalar, describe, isIntegerType, isPlainObject, WELL_KNOWN } from './scalars.js';
import { checkRules, type RuleValue, rulesOf } from './validate-rules.js';

/** Called with every message after its fields were checked (names normalised to proto case). */
export type MessageVisitor = (type: Type, message: Record<string, unknown>, path: string) => void;

interface Checked {
  /** Normalised JSON: proto-case names in messages, the input value elsewhere. */
  readonly json: unknown;
  readonly rule: RuleValue;
}

const fieldIndexCache = new WeakMap<Type, Map<string, FieldBase>>();

/** Field by proto name or by JSON (lowerCamelCase or json_name) name. */
function fieldIndex(type: Type): Map<string, FieldBase> {
  let index = fieldIndexCache.get(type);
  if (index) return index;
  index = new Map();
  for (const field of type.fieldsArray) {
    index.set(field.name, field);
    index.set((field.options?.json_name as string | undefined) ?? jsonName(field.name), field);
  }
  fieldIndexCache.set(type, index);
  return index;
}

/** protoc's ToJsonName: drop each underscore and upper-case the character after it. */
function jsonName(name: string): string {
  return name.replace(/_+(.?)/g, (_m, c: string) => c.toUpperCase());
}

const ruledFieldsCache = new WeakMap<Type, FieldBase[]>();

/** Fields with validate rules outside any oneof (an unset oneof member, or proto3 optional, is not validated). */
function ruledFields(type: Type): FieldBase[] {
  let fields = ruledFieldsCache.get(type);
  if (!fields) {
    fields = type.fieldsArray.filter((f) => !f.partOf && rulesOf(f) !== null);
    ruledFieldsCache.set(type, fields);
  }
  return fields;
}

const requiredOneofCache = new WeakMap<Type, boolean>();

function hasRequiredOneof(type: Type): boolean {
  let required = requiredOneofCache.get(type);
  if (required === undefined) {
    required = (type.oneofsArray as OneOf[]).some((o) => o.options?.['(validate.required)'] === true);
    requiredOneofCache.set(type, required);
  }
  return required;
}

export class MessageChecker {
  constructor(
    private readonly root: Root,
    private readonly errors: string[],
    private readonly visit: MessageVisitor,
  ) {}

  private error(path: string, message: string): void {
    this.errors.push(`${path || '<root>'}: ${message}`);
  }

  /** Checks a JSON value as a message of `type`; undefined when it is not even an object. */
  checkMessage(value: unknown, type: Type, path: string): Record<string, unknown> | undefined {
    if (!isPlainObject(value)) {
      this.error(path, `expected an object (${typeName(type)}), got ${describe(value)}`);
      return undefined;
    }
    if (typeName(type) === 'google.protobuf.Any') return this.checkAny(value, path);
    const index = fieldIndex(type);
    const out: Record<string, unknown> = {};
    const seen = new Map<FieldBase, string>();
    for (const [key, raw] of Object.entries(value)) {
      const field = index.get(key);
      const at = join(path, key);
      if (!field) {
        this.error(at, `unknown field "${key}" in ${typeName(type)}${hint(type, key)}`);
        continue;
      }
      const other = seen.get(field);
      if (other !== undefined) {
        this.error(at, `field "${field.name}" is set twice (as "${other}" and "${key}")`);
        continue;
      }
      seen.set(field, key);
      if (field.options?.deprecated === true) this.error(at, `deprecated field "${field.name}"`);
      if (raw === null) continue; // proto3 JSON: null is the field's default, i.e. unset
      const checked = this.checkField(field, raw, at);
      if (checked) out[field.name] = checked.json;
      if (checked) this.applyRules(field, checked.rule, at);
    }
    this.checkAbsentFields(type, value, seen, path);
    this.checkOneofs(type, seen, path);
    this.visit(type, out, path);
    return out;
  }

  /** Rules apply to unset fields too: an empty string fails min_len, an unset message fails required. */
  private checkAbsentFields(
    type: Type,
    value: Record<string, unknown>,
    seen: Map<FieldBase, string>,
    path: string,
  ) {
    for (const field of ruledFields(type)) {
      const key = seen.get(field);
      if (key !== undefined && value[key] !== null) continue;
      this.applyRules(field, defaultRuleValue(field), join(path, field.name));
    }
  }

  private checkOneofs(type: Type, seen: Map<FieldBase, string>, path: string): void {
    if (seen.size === 0 && !hasRequiredOneof(type)) return;
    for (const oneof of type.oneofsArray as OneOf[]) {
      const set = oneof.fieldsArray.filter((f) => seen.has(f)).map((f) => seen.get(f)!);
      if (set.length > 1) this.error(path, `only one of ${oneof.name} may be set, got ${set.join(', ')}`);
      if (set.length === 0 && oneof.options?.['(validate.required)'] === true) {
        this.error(
          path,
          `one of ${oneof.fieldsArray.map((f) => f.name).join(', ')} is required (${oneof.name})`,
        );
      }
    }
  }

  private applyRules(field: FieldBase, value: RuleValue, path: string): void {
    const rules = rulesOf(field);
    if (rules) checkRules(rules, value, (m) => this.error(path, m));
  }

  private checkField(field: FieldBase, raw: unknown, path: string): Checked | undefined {
    if ((field as MapField).map) return this.checkMap(field as MapField, raw, path);
    if (field.repeated) {
      if (!Array.isArray(raw)) {
        this.error(path, `expected a list, got ${describe(raw)}`);
        return undefined;
      }
      const json: unknown[] = [];
      const items: RuleValue[] = [];
      raw.forEach((item, i) => {
        const at = `${path}[${i}]`;
        if (item === null) return this.error(at, 'null is not allowed in a list');
        const checked = this.checkSingle(field, item, at);
        if (!checked) return;
        json.push(checked.json);
        items.push(checked.rule);
      });
      return { json, rule: { kind: 'list', items } };
    }
    return this.checkSingle(field, raw, path);
  }

  private checkMap(field: MapField, raw: unknown, path: string): Checked | undefined {
    if (!isPlainObject(raw)) {
      this.error(path, `expected an object (map), got ${describe(raw)}`);
      return undefined;
    }
    const json: Record<string, unknown> = {};
    const entries: [RuleValue, RuleValue][] = [];
    for (const [key, item] of Object.entries(raw)) {
      const at = join(path, key);
      const k = decodeMapKey(field.keyType, key);
      if (!k.ok) {
        this.error(at, `bad map key: ${k.error}`);
        continue;
      }
      if (item === null) {
        this.error(at, 'null is not allowed as a map value');
        continue;
      }
      const checked = this.checkSingle(field, item, at);
      if (!checked) continue;
      json[key] = checked.json;
      entries.push([{ kind: 'scalar', type: field.keyType, value: k.value }, checked.rule]);
    }
    return { json, rule: { kind: 'map', entries } };
  }

  /** One value of the field's element type (scalar, enum or message). */
  private checkSingle(field: FieldBase, raw: unknown, path: string): Checked | undefined {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Enum) return this.checkEnum(resolved, raw, path);
    if (resolved instanceof protobuf.Type) return this.checkMessageValue(resolved, raw, path);
    return this.fromDecoded(decodeScalar(field.type, raw), path, (value) => ({
      json: raw,
      rule: { kind: 'scalar', type: field.type, value },
    }));
  }

  private checkEnum(enumType: Enum, raw: unknown, path: string): Checked | undefined {
    let value: number | undefined;
    if (typeof raw === 'string') value = enumType.values[raw];
    else if (typeof raw === 'number' && Number.isInteger(raw))
      value = enumType.valuesById[raw] === undefined ? undefined : raw;
    if (value === undefined) {
      this.error(
        path,
        `${describe(raw)} is not a value of ${enumType.name} (${Object.keys(enumType.values).join(', ')})`,
      );
      return undefined;
    }
    const name = enumType.valuesById[value]!;
    if (enumType.valuesOptions?.[name]?.deprecated === true)
      this.error(path, `deprecated enum value ${name}`);
    return { json: name, rule: { kind: 'enum', value, enumType } };
  }

  private checkMessageValue(type: Type, raw: unknown, path: string): Checked | undefined {
    const name = typeName(type);
    const wellKnown = WELL_KNOWN[name];
    if (wellKnown) {
      return this.fromDecoded(wellKnown(raw), path, (inner) => ({
        json: raw,
        rule: { kind: 'message', typeName: name, inner },
      }));
    }
    const json = this.checkMessage(raw, type, path);
    if (!json) return undefined;
    const inner = name === 'google.protobuf.Any' ? json['@type'] : undefined;
    return { json, rule: { kind: 'message', typeName: name, inner } };
  }

  /** Any: `@type` must name a loaded message; the other keys are that message (or `value` for WKTs). */
  private checkAny(value: Record<string, unknown>, path: string): Record<string, unknown> | undefined {
    const url = value['@type'];
    if (typeof url !== 'string') {
      this.error(path, 'Any needs an "@type" string');
      return undefined;
    }
    const type = lookupTypeUrl(this.root, url);
    if (!type) {
      this.error(join(path, '@type'), `"${url}" does not resolve to a known message type`);
      return undefined;
    }
    const { '@type': _ignored, ...rest } = value;
    const name = typeName(type);
    if (WELL_KNOWN[name] || name === 'google.protobuf.Any') {
      const extra = Object.keys(rest).filter((k) => k !== 'value');
      if (extra.length > 0) this.error(path, `an Any of ${name} takes only "value", got ${extra.join(', ')}`);
      const checked = this.checkMessageValue(type, rest.value, join(path, 'value'));
      return checked ? { '@type': url, value: checked.json } : undefined;
    }
    const inner = this.checkMessage(rest, type, path);
    return inner ? { '@type': url, ...inner } : undefined;
  }

  private fromDecoded(
    decoded: Decoded,
    path: string,
    make: (value: unknown) => Checked,
  ): Checked | undefined {
    if (decoded.ok) return make(decoded.value);
    this.error(path, decoded.error);
    return undefined;
  }
}

/** The value proto3 gives an unset field, as the rules see it. */
function defaultRuleValue(field: FieldBase): RuleValue {
  if ((field as MapField).map) return { kind: 'map', entries: [] };
  if (field.repeated) return { kind: 'list', items: [] };
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) return { kind: 'enum', value: 0, enumType: resolved };
  if (resolved instanceof protobuf.Type) return { kind: 'unset-message' };
  const type = (field as Field).type;
  const value =
    type === 'string' ? '' : type === 'bool' ? false : type === 'bytes' ? 0 : isIntegerType(type) ? 0n : 0;
  return { kind: 'scalar', type, value };
}

function decodeMapKey(keyType: string, key: string): Decoded {
  if (keyType === 'string') return { ok: true, value: key };
  if (keyType === 'bool')
    return key === 'true' || key === 'false'
      ? { ok: true, value: key === 'true' }
      : decodeScalar('bool', key);
  return decodeScalar(keyType, key);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** "did you mean" for a misspelt field: the closest name by edit distance, if close enough. */
function hint(type: Type, key: string): string {
  let best = '';
  let bestDistance = 3;
  for (const field of type.fieldsArray) {
    const d = distance(key.toLowerCase(), field.name.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [field.name, d];
  }
  return best ? ` (did you mean "${best}"?)` : '';
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
