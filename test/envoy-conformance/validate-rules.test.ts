// The protoc-gen-validate rule evaluation on its own, for the rule kinds the bootstrap tests do
// not reach through a real Envoy field (or reach only one side of).
import { describe, expect, it } from 'vitest';
import { loadEnvoyProtos } from './proto-registry.js';
import { checkRules, type RuleValue } from './validate-rules.js';

function violations(rules: Record<string, unknown>, value: RuleValue): string[] {
  const out: string[] = [];
  checkRules(rules, value, (m) => out.push(m));
  return out;
}

const str = (value: string): RuleValue => ({ kind: 'scalar', type: 'string', value });
const u32 = (value: number): RuleValue => ({ kind: 'scalar', type: 'uint32', value: BigInt(value) });
const dur = (ns: bigint): RuleValue => ({ kind: 'message', typeName: 'google.protobuf.Duration', inner: ns });

describe('checkRules', () => {
  it('string: min_len/max_len count characters, min_bytes/max_bytes count UTF-8 bytes, prefix, in', () => {
    expect(violations({ string: { min_len: 2, max_len: 3 } }, str('é'))).toEqual([
      'must be at least 2 characters',
    ]);
    expect(violations({ string: { max_len: 3 } }, str('éééé'))).toEqual(['must be at most 3 characters']);
    expect(violations({ string: { max_bytes: 3 } }, str('éé'))).toEqual(['must be at most 3 bytes']);
    expect(violations({ string: { prefix: '/' } }, str('x'))).toEqual(['must start with "/"']);
    expect(violations({ string: { in: 'a' } }, str('b'))).toEqual(['must be one of "a"']);
    expect(violations({ string: { in: ['a', 'b'] } }, str('b'))).toEqual([]);
    expect(violations({ string: { min_len: 1, ignore_empty: true } }, str(''))).toEqual([]);
  });

  it('numbers: gt/gte/lt/lte, and a lower bound above the upper one means outside the range', () => {
    expect(violations({ uint32: { gt: 0, lte: 100 } }, u32(0))).toEqual(['0 must be > 0 and <= 100']);
    expect(violations({ uint32: { gt: 0, lte: 100 } }, u32(100))).toEqual([]);
    expect(violations({ uint32: { lt: 5, gt: 10 } }, u32(7))).toEqual(['7 must be > 10 or < 5']);
    expect(violations({ uint32: { lt: 5, gt: 10 } }, u32(3))).toEqual([]);
    expect(violations({ uint32: { lt: 5, gt: 10 } }, u32(11))).toEqual([]);
    expect(violations({ uint32: { not_in: 0 } }, u32(0))).toEqual(['must not be 0']);
  });

  it('wrappers take the scalar rules of their value; an unset message is only checked for required', () => {
    const wrapped: RuleValue = { kind: 'message', typeName: 'google.protobuf.UInt32Value', inner: 0n };
    expect(violations({ uint32: { gte: 1 } }, wrapped)).toEqual(['0 must be >= 1']);
    expect(violations({ uint32: { gte: 1 } }, { kind: 'unset-message' })).toEqual([]);
    expect(violations({ message: { required: true } }, { kind: 'unset-message' })).toEqual(['is required']);
  });

  it('durations: bounds given as {seconds, nanos}', () => {
    const rules = { duration: { gte: { nanos: 1_000_000 }, lte: { seconds: 2 } } };
    expect(violations(rules, dur(999_999n))).toEqual(['0.000999999s must be >= 0.001s and <= 2s']);
    expect(violations(rules, dur(2_000_000_001n))).toEqual(['2.000000001s must be >= 0.001s and <= 2s']);
    expect(violations(rules, dur(1_000_000n))).toEqual([]);
    expect(violations({ duration: { required: true } }, { kind: 'unset-message' })).toEqual([
      'is required (duration)',
    ]);
  });

  it('enums: defined_only, in, not_in', () => {
    const enumType = loadEnvoyProtos().lookupEnum('envoy.config.cluster.v3.Cluster.LbPolicy');
    expect(violations({ enum: { defined_only: true } }, { kind: 'enum', value: 4, enumType })).toEqual([
      '4 is not a defined LbPolicy',
    ]);
    expect(violations({ enum: { in: [0, 1] } }, { kind: 'enum', value: 2, enumType })).toEqual([
      'RING_HASH is not allowed here',
    ]);
  });

  it('repeated and map: sizes, unique, item and key rules', () => {
    const list = (...items: string[]): RuleValue => ({ kind: 'list', items: items.map(str) });
    expect(violations({ repeated: { min_items: 1 } }, list())).toEqual(['needs at least 1 item(s)']);
    expect(violations({ repeated: { max_items: 1 } }, list('a', 'b'))).toEqual(['allows at most 1 item(s)']);
    expect(violations({ repeated: { unique: true } }, list('a', 'a'))).toEqual(['items must be unique']);
    expect(violations({ repeated: { items: { string: { min_len: 1 } } } }, list('a', ''))).toEqual([
      '[1] must be at least 1 characters',
    ]);
    const map: RuleValue = { kind: 'map', entries: [[str(''), u32(1)]] };
    expect(violations({ map: { min_pairs: 2, keys: { string: { min_len: 1 } } } }, map)).toEqual([
      'needs at least 2 entries',
      'key "" must be at least 1 characters',
    ]);
  });
});
