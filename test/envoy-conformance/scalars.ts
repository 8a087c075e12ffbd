// proto3 JSON mapping of scalar values and the well-known types with a special JSON form, as the
// protobuf JSON parser Envoy uses reads them: ints as numbers or decimal strings, durations as
// "1.5s", wrappers as their plain value. Each decoder returns the value the validate rules see.

/** A decoded value, or the reason the JSON is not a valid encoding of the type. */
export type Decoded = { ok: true; value: unknown } | { ok: false; error: string };

const ok = (value: unknown): Decoded => ({ ok: true, value });
const fail = (error: string): Decoded => ({ ok: false, error });

const INT_RANGES: Record<string, readonly [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

const FLOAT_MAX = 3.4028234663852886e38;
const NUMERIC_STRING = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const BASE64 = /^([A-Za-z0-9+/_-]{4})*([A-Za-z0-9+/_-]{2}(==)?|[A-Za-z0-9+/_-]{3}=?)?$/;

export function isIntegerType(type: string): boolean {
  return type in INT_RANGES;
}

/** Decodes a scalar field value: integers as bigint, floats as number, bytes as their length. */
export function decodeScalar(type: string, value: unknown): Decoded {
  const range = INT_RANGES[type];
  if (range) return decodeInteger(type, range, value);
  switch (type) {
    case 'double':
    case 'float':
      return decodeFloat(type, value);
    case 'bool':
      return typeof value === 'boolean' ? ok(value) : fail(`expected true or false, got ${describe(value)}`);
    case 'string':
      return typeof value === 'string' ? ok(value) : fail(`expected a string, got ${describe(value)}`);
    case 'bytes':
      if (typeof value !== 'string' || !BASE64.test(value))
        return fail(`expected base64 bytes, got ${describe(value)}`);
      return ok(Buffer.from(value, 'base64').length);
    default:
      return fail(`unsupported scalar type ${type}`);
  }
}

function decodeInteger(type: string, [min, max]: readonly [bigint, bigint], value: unknown): Decoded {
  let n: bigint;
  if (typeof value === 'number' && Number.isInteger(value)) n = BigInt(value);
  else if (typeof value === 'string' && /^-?\d+$/.test(value)) n = BigInt(value);
  else return fail(`expected an integer (${type}), got ${describe(value)}`);
  if (n < min || n > max) return fail(`${n} is out of range for ${type}`);
  return ok(n);
}

function decodeFloat(type: string, value: unknown): Decoded {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return ok(Number(value));
  else if (typeof value === 'string' && NUMERIC_STRING.test(value)) n = Number(value);
  else return fail(`expected a number (${type}), got ${describe(value)}`);
  if (!Number.isFinite(n) || (type === 'float' && Math.abs(n) > FLOAT_MAX))
    return fail(`${n} is out of range for ${type}`);
  return ok(n);
}

const DURATION = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;
const MAX_DURATION_SECONDS = 315_576_000_000n;

/** "1.5s" -> 1_500_000_000n nanoseconds; "5", "5ms" or 5 fail. */
export function decodeDuration(value: unknown): Decoded {
  const m = typeof value === 'string' ? DURATION.exec(value) : null;
  if (!m) return fail(`expected a duration string such as "1.5s", got ${describe(value)}`);
  const seconds = BigInt(m[2]!);
  if (seconds > MAX_DURATION_SECONDS) return fail(`duration ${String(value)} is out of range`);
  const nanos = seconds * 1_000_000_000n + BigInt((m[3] ?? '').padEnd(9, '0') || '0');
  return ok(m[1] ? -nanos : nanos);
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Decoders for the well-known types with a special JSON form, keyed by full name. */
export const WELL_KNOWN: Readonly<Record<string, (value: unknown) => Decoded>> = {
  'google.protobuf.Duration': decodeDuration,
  'google.protobuf.Timestamp': (v) =>
    typeof v === 'string' && TIMESTAMP.test(v)
      ? ok(v)
      : fail(`expected an RFC 3339 timestamp, got ${describe(v)}`),
  'google.protobuf.FieldMask': (v) =>
    typeof v === 'string' ? ok(v) : fail(`expected a field mask string, got ${describe(v)}`),
  'google.protobuf.Struct': (v) =>
    isPlainObject(v) ? ok(v) : fail(`expected an object (Struct), got ${describe(v)}`),
  'google.protobuf.Value': (v) => ok(v),
  'google.protobuf.ListValue': (v) =>
    Array.isArray(v) ? ok(v) : fail(`expected a list (ListValue), got ${describe(v)}`),
  'google.protobuf.DoubleValue': (v) => decodeScalar('double', v),
  'google.protobuf.FloatValue': (v) => decodeScalar('float', v),
  'google.protobuf.Int64Value': (v) => decodeScalar('int64', v),
  'google.protobuf.UInt64Value': (v) => decodeScalar('uint64', v),
  'google.protobuf.Int32Value': (v) => decodeScalar('int32', v),
  'google.protobuf.UInt32Value': (v) => decodeScalar('uint32', v),
  'google.protobuf.BoolValue': (v) => decodeScalar('bool', v),
  'google.protobuf.StringValue': (v) => decodeScalar('string', v),
  'google.protobuf.BytesValue': (v) => decodeScalar('bytes', v),
};

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Short, quoted description of a JSON value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return `${typeof value} ${String(value)}`;
}
