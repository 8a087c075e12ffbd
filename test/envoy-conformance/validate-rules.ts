// protoc-gen-validate: the `(validate.rules)` constraints Envoy checks on every config message
// before using it (min_len, gt/lte, required, defined_only, min_items, ...), evaluated on the
// values the JSON walker decoded. Rule kinds Envoy's protos do not use are not implemented.
import type { Enum, FieldBase } from 'protobufjs';

type Rules = Record<string, unknown>;

/** What a field holds, as the rules see it. */
export type RuleValue =
  | { kind: 'unset-message' }
  /** `inner` is the decoded value of a wrapper, Duration (bigint ns) or Any (its type URL). */
  | { kind: 'message'; typeName: string; inner?: unknown }
  | { kind: 'scalar'; type: string; value: unknown }
  | { kind: 'enum'; value: number; enumType: Enum }
  | { kind: 'list'; items: RuleValue[] }
  | { kind: 'map'; entries: [RuleValue, RuleValue][] };

const WRAPPER_SCALAR: Record<string, string> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};

const ruleCache = new WeakMap<FieldBase, Rules | null>();

/** The field's `(validate.rules)`, merged from every option statement that sets part of them. */
export function rulesOf(field: FieldBase): Rules | null {
  let rules = ruleCache.get(field);
  if (rules !== undefined) return rules;
  rules = null;
  for (const option of field.parsedOptions ?? []) {
    const r = (option as Record<string, unknown>)['(validate.rules)'];
    if (r && typeof r === 'object') rules = deepMerge(rules ?? {}, r as Rules);
  }
  ruleCache.set(field, rules);
  return rules;
}

function deepMerge(a: Rules, b: Rules): Rules {
  const out: Rules = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      prev && v && typeof prev === 'object' && typeof v === 'object' && !Array.isArray(v)
        ? deepMerge(prev as Rules, v as Rules)
        : v;
  }
  return out;
}

/** Checks `value` against `rules`, reporting each violation as a message. */
export function checkRules(rules: Rules, value: RuleValue, report: (message: string) => void): void {
  switch (value.kind) {
    case 'unset-message':
      if (sub(rules, 'message')?.required === true) report('is required');
      else if (sub(rules, 'duration')?.required === true) report('is required (duration)');
      else if (sub(rules, 'timestamp')?.required === true) report('is required (timestamp)');
      else if (sub(rules, 'any')?.required === true) report('is required (Any)');
      return;
    case 'message':
      return checkMessageValue(rules, value.typeName, value.inner, report);
    case 'scalar':
      return checkScalar(rules, value.type, value.value, report);
    case 'enum':
      return checkEnum(sub(rules, 'enum'), value.value, value.enumType, report);
    case 'list':
      return checkList(sub(rules, 'repeated'), value.items, report);
    case 'map':
      return checkMap(sub(rules, 'map'), value.entries, report);
  }
}

function checkMessageValue(
  rules: Rules,
  typeName: string,
  inner: unknown,
  report: (m: string) => void,
): void {
  const scalar = WRAPPER_SCALAR[typeName];
  if (scalar) return checkScalar(rules, scalar, inner, report);
  if (typeName === 'google.protobuf.Duration') {
    const d = sub(rules, 'duration');
    if (d && typeof inner === 'bigint') checkBounds(d, inner, toNanos, formatNanos, report);
    return;
  }
  if (typeName === 'google.protobuf.Any') {
    const a = sub(rules, 'any');
    const url = String(inner);
    const allowed = asList(a?.in);
    if (allowed && !allowed.includes(url)) report(`@type ${url} is not one of ${allowed.join(', ')}`);
    if (asList(a?.not_in)?.includes(url)) report(`@type ${url} is not allowed`);
  }
}

function checkScalar(rules: Rules, type: string, value: unknown, report: (m: string) => void): void {
  if (type === 'string') return checkString(sub(rules, 'string'), value as string, report);
  if (type === 'bytes') return checkBytesLength(sub(rules, 'bytes'), value as number, report);
  if (type === 'bool') {
    const b = sub(rules, 'bool');
    if (b && 'const' in b && b.const !== value) report(`must be ${String(b.const)}`);
    return;
  }
  const r = sub(rules, type);
  if (!r) return;
  const isFloat = type === 'double' || type === 'float';
  const zero = isFloat ? 0 : 0n;
  if (r.ignore_empty === true && value === zero) return;
  const convert = (x: unknown) => (isFloat ? Number(x) : BigInt(String(x)));
  checkBounds(r, value as number | bigint, convert, String, report);
}

/** const, in, not_in, and gt/gte/lt/lte with PGV's rule: a lower bound above the upper one means "outside". */
function checkBounds<T extends number | bigint>(
  r: Rules,
  value: T,
  convert: (x: unknown) => T,
  format: (x: T) => string,
  report: (m: string) => void,
): void {
  if ('const' in r && value !== convert(r.const)) report(`must equal ${format(convert(r.const))}`);
  const allowed = asList(r.in);
  if (allowed && !allowed.some((x) => convert(x) === value)) report(`must be one of ${allowed.join(', ')}`);
  if (asList(r.not_in)?.some((x) => convert(x) === value)) report(`must not be ${format(value)}`);
  const lower =
    'gt' in r ? { v: convert(r.gt), strict: true } : 'gte' in r ? { v: convert(r.gte), strict: false } : null;
  const upper =
    'lt' in r ? { v: convert(r.lt), strict: true } : 'lte' in r ? { v: convert(r.lte), strict: false } : null;
  const lowerOk = !lower || (lower.strict ? value > lower.v : value >= lower.v);
  const upperOk = !upper || (upper.strict ? value < upper.v : value <= upper.v);
  const outside = lower && upper && upper.v < lower.v;
  if (outside ? lowerOk || upperOk : lowerOk && upperOk) return;
  const parts = [
    lower ? `${lower.strict ? '>' : '>='} ${format(lower.v)}` : '',
    upper ? `${upper.strict ? '<' : '<='} ${format(upper.v)}` : '',
  ].filter(Boolean);
  report(`${format(value)} must be ${parts.join(outside ? ' or ' : ' and ')}`);
}

const HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
const NO_NUL_CR_LF = /^[^\u0000\u000A\u000D]*$/;

function checkString(r: Rules | undefined, value: string, report: (m: string) => void): void {
  if (!r) return;
  if (r.ignore_empty === true && value === '') return;
  const chars = [...value].length;
  const bytes = Buffer.byteLength(value);
  const n = (k: string) => (k in r ? Number(r[k]) : undefined);
  if ('const' in r && value !== r.const) report(`must equal ${JSON.stringify(r.const)}`);
  if (n('len') !== undefined && chars !== n('len')) report(`must be exactly ${n('len')} characters`);
  if (n('min_len') !== undefined && chars < n('min_len')!)
    report(`must be at least ${n('min_len')} characters`);
  if (n('max_len') !== undefined && chars > n('max_len')!)
    report(`must be at most ${n('max_len')} characters`);
  if (n('min_bytes') !== undefined && bytes < n('min_bytes')!)
    report(`must be at least ${n('min_bytes')} bytes`);
  if (n('max_bytes') !== undefined && bytes > n('max_bytes')!)
    report(`must be at most ${n('max_bytes')} bytes`);
  if (typeof r.prefix === 'string' && !value.startsWith(r.prefix))
    report(`must start with ${JSON.stringify(r.prefix)}`);
  if (typeof r.suffix === 'string' && !value.endsWith(r.suffix))
    report(`must end with ${JSON.stringify(r.suffix)}`);
  if (typeof r.contains === 'string' && !value.includes(r.contains))
    report(`must contain ${JSON.stringify(r.contains)}`);
  if (typeof r.not_contains === 'string' && value.includes(r.not_contains)) {
    report(`must not contain ${JSON.stringify(r.not_contains)}`);
  }
  if (typeof r.pattern === 'string' && !new RegExp(r.pattern, 'u').test(value))
    report(`must match /${r.pattern}/`);
  const allowed = asList(r.in);
  if (allowed && !allowed.includes(value))
    report(`must be one of ${allowed.map((x) => JSON.stringify(x)).join(', ')}`);
  if (asList(r.not_in)?.includes(value)) report(`must not be ${JSON.stringify(value)}`);
  if (r.well_known_regex !== undefined) {
    const strict = r.strict !== false;
    const header = r.well_known_regex === 'HTTP_HEADER_NAME' || r.well_known_regex === 1;
    const re = strict ? (header ? HEADER_NAME_STRICT : HEADER_VALUE_STRICT) : NO_NUL_CR_LF;
    if (!re.test(value)) report(`is not a valid ${header ? 'HTTP header name' : 'HTTP header value'}`);
  }
  if (
    r.hostname === true &&
    !/^(?=.{1,253}$)([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?\.?)+$/.test(value)
  ) {
    report('must be a hostname');
  }
}

function checkBytesLength(r: Rules | undefined, length: number, report: (m: string) => void): void {
  if (!r) return;
  if (r.ignore_empty === true && length === 0) return;
  if ('len' in r && length !== Number(r.len)) report(`must be exactly ${String(r.len)} bytes`);
  if ('min_len' in r && length < Number(r.min_len)) report(`must be at least ${String(r.min_len)} bytes`);
  if ('max_len' in r && length > Number(r.max_len)) report(`must be at most ${String(r.max_len)} bytes`);
}

function checkEnum(r: Rules | undefined, value: number, enumType: Enum, report: (m: string) => void): void {
  if (!r) return;
  const name = enumType.valuesById[value] ?? String(value);
  if (r.defined_only === true && enumType.valuesById[value] === undefined)
    report(`${value} is not a defined ${enumType.name}`);
  if ('const' in r && Number(r.const) !== value)
    report(`must be ${enumType.valuesById[Number(r.const)] ?? String(r.const)}`);
  const allowed = asList(r.in)?.map(Number);
  if (allowed && !allowed.includes(value)) report(`${name} is not allowed here`);
  if (asList(r.not_in)?.map(Number).includes(value)) report(`${name} is not allowed here`);
}

function checkList(r: Rules | undefined, items: RuleValue[], report: (m: string) => void): void {
  if (!r) return;
  if (r.ignore_empty === true && items.length === 0) return;
  if ('min_items' in r && items.length < Number(r.min_items))
    report(`needs at least ${String(r.min_items)} item(s)`);
  if ('max_items' in r && items.length > Number(r.max_items))
    report(`allows at most ${String(r.max_items)} item(s)`);
  if (r.unique === true) {
    const seen = new Set(
      items.map((i) => JSON.stringify(i, (_k, v) => (typeof v === 'bigint' ? String(v) : v))),
    );
    if (seen.size !== items.length) report('items must be unique');
  }
  const itemRules = sub(r, 'items');
  if (itemRules) items.forEach((item, i) => checkRules(itemRules, item, (m) => report(`[${i}] ${m}`)));
}

function checkMap(
  r: Rules | undefined,
  entries: [RuleValue, RuleValue][],
  report: (m: string) => void,
): void {
  if (!r) return;
  if (r.ignore_empty === true && entries.length === 0) return;
  if ('min_pairs' in r && entries.length < Number(r.min_pairs))
    report(`needs at least ${String(r.min_pairs)} entries`);
  if ('max_pairs' in r && entries.length > Number(r.max_pairs))
    report(`allows at most ${String(r.max_pairs)} entries`);
  const keys = sub(r, 'keys');
  const values = sub(r, 'values');
  for (const [k, v] of entries) {
    const label = k.kind === 'scalar' ? String(k.value) : '?';
    if (keys) checkRules(keys, k, (m) => report(`key ${JSON.stringify(label)} ${m}`));
    if (values) checkRules(values, v, (m) => report(`[${JSON.stringify(label)}] ${m}`));
  }
}

/** `in`/`not_in`: a list when the proto repeats the key, a single value when it names one. */
function asList(value: unknown): unknown[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}

function sub(rules: Rules | undefined, key: string): Rules | undefined {
  const v = rules?.[key];
  return v && typeof v === 'object' ? (v as Rules) : undefined;
}

function toNanos(d: unknown): bigint {
  const o = (d ?? {}) as { seconds?: unknown; nanos?: unknown };
  return BigInt(String(o.seconds ?? 0)) * 1_000_000_000n + BigInt(String(o.nanos ?? 0));
}

function formatNanos(ns: bigint): string {
  const neg = ns < 0n;
  const abs = neg ? -ns : ns;
  const frac = (abs % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${abs / 1_000_000_000n}${frac ? `.${frac}` : ''}s`;
}
