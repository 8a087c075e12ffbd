// The Envoy target's YAML writer: whatever it writes, YAML 1.1 and 1.2 parsers (js-yaml and
// `yaml`) read back as exactly the data it was given: strings stay strings, order is kept.
import jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toBlockYaml } from '../../compiler/emit/envoy/block-yaml.js';

const TRICKY = [
  ...['true', 'False', 'on', 'OFF', 'yes', 'NO', 'y', 'n', '~', 'null', 'Null', ''],
  ...['10', '-3', '+1', '1e3', '1.5', '.5', '0x1F', '0o17', '0b11', '1_000', '.inf', '-.Inf', '.nan', '007'],
  ...['2001-12-14', '2001-12-14t21:59:43.10-05:00', '12:30:00'],
  ...[
    ':method',
    '*',
    'catalog:*',
    '@type',
    'a: b',
    'a:b',
    'a #b',
    '#x',
    '- x',
    '-x',
    '? x',
    '&a',
    '!t',
    '%x',
    '`x',
    "'x",
    '"x',
  ],
  ...['[x]', '{x}', '|x', '>x', ',x', ' lead', 'trail ', 'x\ny', 'tab\tx', '\u007f', '\u0085', 'é', '\u2028'],
  ...[
    'outbound|ratings|v1',
    '5s',
    '0.25s',
    '10.0.0.1',
    '1.2.3',
    'fd00::1',
    'spiffe://shop.local/x',
    'GET|HEAD',
    'a,b',
    '.',
    '-',
  ],
  ...['e5', 'E10', 'e-3', 'e+7', 'Yes', 'TRUE', 'Off', 'nULL', 'Y', 'N', 'e', 'e5x', 'ex5', 'yess'],
];

/** Every string of one to three characters over an alphabet that reaches each rule of the writer. */
function shortStrings(): string[] {
  const alphabet = ['a', 'e', 'E', 'n', 'N', 'o', 'y', 's', '0', '1', '-', '+', '.', '_', '/', ':', ' '];
  const out = [...alphabet];
  for (const a of alphabet) for (const b of alphabet) out.push(a + b);
  for (const a of alphabet) for (const b of alphabet) for (const c of alphabet) out.push(a + b + c);
  return out;
}

function readBack(text: string): unknown[] {
  return [
    jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA }),
    jsyaml.load(text), // js-yaml's default schema: adds timestamps, merge keys, binary
    parse(text),
    parse(text, { version: '1.1' }),
  ];
}

describe('toBlockYaml', () => {
  it.each(TRICKY)('keeps the string %j a string, as a value and as a key', (s) => {
    const data = { value: s, list: [s], [s || 'empty']: 1 };
    for (const parsed of readBack(toBlockYaml(data))) expect(parsed).toEqual(data);
  });

  it('keeps every short string a string (a letter first takes its own path)', () => {
    const strings = shortStrings();
    const data = { values: strings };
    for (const parsed of readBack(toBlockYaml(data))) expect(parsed).toEqual(data);
  });

  it('leaves names plain and quotes only what a parser could read as something else', () => {
    const text = toBlockYaml([
      'svc-00001',
      'outbound|ratings|v1',
      'Route_2.x',
      'e5',
      'E-3',
      'Yes',
      'off',
      'ex5',
    ]);
    expect(text).toBe(
      [
        '- svc-00001',
        '- outbound|ratings|v1',
        '- Route_2.x',
        '- "e5"',
        '- "E-3"',
        '- "Yes"',
        '- "off"',
        '- ex5',
        '',
      ].join('\n'),
    );
  });

  it('writes nested objects and lists in block style, in insertion order', () => {
    const data = {
      z: { b: 1, a: [{ x: 1, ys: [1, 2] }, [3, [4]], 'p', null, true, 2.5] },
      empty: { o: {}, l: [] },
      a: -0.5,
    };
    const text = toBlockYaml(data);
    expect(text).toBe(
      [
        'z:',
        '  b: 1',
        '  a:',
        '    - x: 1',
        '      ys:',
        '        - 1',
        '        - 2',
        '    -',
        '      - 3',
        '      -',
        '        - 4',
        '    - p',
        '    - null',
        '    - true',
        '    - 2.5',
        'empty:',
        '  o: {}',
        '  l: []',
        'a: -0.5',
        '',
      ].join('\n'),
    );
    for (const parsed of readBack(text)) expect(parsed).toEqual(data);
    expect(Object.keys(parse(text) as object)).toEqual(['z', 'empty', 'a']);
  });

  it('skips undefined properties, as JSON does, and refuses non-JSON values', () => {
    expect(toBlockYaml({ a: undefined, b: 1 })).toBe('b: 1\n');
    // A mapping holding only undefined values is an empty one, as JSON.stringify writes it, as a
    // value and as a list item alike (not a null, not a vanished item).
    const hollow = { a: { b: undefined }, c: [{ d: undefined }, 1], e: { f: { g: undefined } } };
    const asJson: unknown = JSON.parse(JSON.stringify(hollow));
    expect(asJson).toEqual({ a: {}, c: [{}, 1], e: { f: {} } });
    for (const parsed of readBack(toBlockYaml(hollow))) expect(parsed).toEqual(asJson);
    expect(toBlockYaml({ only: undefined })).toBe('{}\n');
    expect(() => toBlockYaml({ a: Number.NaN })).toThrow(/NaN/);
    expect(() => toBlockYaml({ a: () => 1 })).toThrow(/function/);
  });
});
