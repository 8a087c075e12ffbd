// Generated YAML for the differential tests of the plain read (test/load/fast-parse-differential.test.ts):
// meshc-like specs in the styles hand-written specs use, mutations of them and of real files, arbitrary
// YAML streams, files at the 16-bit and nesting limits; a strict comparison that names the first
// difference; a minimiser. Deterministic from seeds, so any failing input can be regenerated alone.
// ---------- PRNG ----------

interface Rng {
  next(): number;
  int(n: number): number;
  pick<T>(a: readonly T[]): T;
  chance(p: number): boolean;
}

/** mulberry32: small, fast, and the same sequence on every platform for a seed. */
export function makeRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return { next, int, pick: (a) => a[int(a.length)]!, chance: (p) => next() < p };
}

/** A seed for input `i` of a run seeded `seed`: any input of a run can be regenerated alone. */
export function seedFor(seed: number, i: number): number {
  const mix = (x: number): number => {
    let h = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    return (h ^ (h >>> 16)) >>> 0;
  };
  return mix((mix(seed ^ 0x9e3779b9) + Math.imul(i + 1, 0x9e3779b9)) >>> 0);
}

const sp = (n: number): string => ' '.repeat(Math.max(0, n));

// ---------- pools ----------

const WORDS = ['a', 'b', 'foo', 'bar baz', 'hello world', 'x-y', 'key', 'value', 'é', '日本', '😀'];
WORDS.push('http://x.y/z', 'a#b', 'a:b', 'x.y', 'a/b', 'a~b', '~x', 'x~', 'y', 'n', 'yes', 'no', 'on');
WORDS.push('off', 'Y', 'N', 'YES', 'On', 'OFF', '=', '<<', '-x', 'a b c', 'multi  space');
const SPECIAL_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
SPECIAL_KEYS.push('propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupSetter__');
SPECIAL_KEYS.push('prototype', 'length', '<<', '=', 'null', 'true', '0', '1', '-1', '01', '1.0', '0x1');
SPECIAL_KEYS.push('.inf', '~', '__proto__ ', 'Object');
const NUMBERS = ['0', '-0', '+0', '1', '+12', '-12', '012', '0o17', '0O17', '0o8', '0x1F', '0X1f', '0xff'];
NUMBERS.push('-0x1', '+0x1', '0b101', '-0b101', '0B1', '1_000', '1_000.5', '1e3', '1E3', '1e+3', '1.5e-3');
NUMBERS.push('-1.5E+3', '.5', '5.', '+.5', '-.5', '.inf', '.Inf', '.INF', '-.inf', '+.inf', '-.Inf');
NUMBERS.push('+.INF', '.nan', '.NaN', '.NAN', '-.nan', '.iNf', '1.0', '-1.0', '-0.0', '+0.0', '0.0', '3.14');
NUMBERS.push('123456789012345678901234567890', '9007199254740993', '1:30', '-1:30:00', '190:20:30.15');
NUMBERS.push('1:20:30.5', '0.', '00', '007', '08', '09.5', '0e0', '-0e0', '1e400', '-1e400', '1e-400');
NUMBERS.push('0x', '0o', '0b', '1__0', '_1', '1_', '+', '-', '.', '1.2.3', '0x_1F', '0b1_0', '0_7', '-0_7');
NUMBERS.push('685_230.15', '6.8523015e+5', '1e', 'e3', '1.e3', '.1e3', '-.1e-3', '0.0e0', '-.0', '8080');
const BOOLNULL = ['true', 'True', 'TRUE', 'tRue', 'false', 'False', 'FALSE', 'fAlse', 'null', 'Null'];
BOOLNULL.push('NULL', 'nULL', '~', 'yes', 'Yes', 'YES', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off');
BOOLNULL.push('OFF', 'y', 'Y', 'n', 'N');
const TIMESTAMPS = ['2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '1970-01-01'];
TIMESTAMPS.push('2002-12-14', '2001-12-15T02:59:43.1Z');
const BINARY = ['R0lGODlhDAAMAIQAAP', 'AAAA', 'aGVsbG8=', '!!!'];
const DQ_ESC = ['\\n', '\\t', '\\\\', '\\"', '\\/', '\\0', '\\a', '\\b', '\\e', '\\f', '\\r', '\\v', '\\N'];
DQ_ESC.push('\\_', '\\L', '\\P', '\\x41', '\\x00', '\\u0000', '\\u00e9', '\\uD83D\\uDE00', '\\uD83D');
DQ_ESC.push('\\U0001F600', '\\U00000000', '\\ ', '\\\t', '\\x7f', '\\u2028', '\\q', '\\x', '\\u12');
const SCALAR_TAGS = ['!!str', '!!int', '!!float', '!!bool', '!!null', '!!binary', '!!timestamp', '!foo'];
SCALAR_TAGS.push('!', '!<tag:yaml.org,2002:str>', '!<tag:yaml.org,2002:int>', '!<tag:yaml.org,2002:float>');
SCALAR_TAGS.push('!<tag:yaml.org,2002:null>', '!!merge', '!e!x', '!<!bar>', '!!value', '!!yaml');
const MAP_TAGS = [
  '!!map',
  '!!set',
  '!!omap',
  '!!pairs',
  '!foo',
  '!<tag:yaml.org,2002:map>',
  '!!seq',
  '!',
  '!!str',
];
const SEQ_TAGS = ['!!seq', '!!omap', '!!pairs', '!!set', '!foo', '!<tag:yaml.org,2002:seq>', '!!map', '!'];
const ANCHOR_NAMES = ['a', 'b', 'x1', 'anc', 'k', 'a.b', 'A', 'z9'];
const COMMENTS = ['comment', 'TODO: fix', 'a: b', '- x', '#', '"q"', "'", 'key: [a, b]', '{ x }', '日本', ''];

// ---------- any YAML (the earlier fuzz's generator) ----------

/** Streams of arbitrary YAML: every node kind, property, scalar style and document marker. */
class StreamGen {
  anchors: string[] = [];
  constructor(readonly r: Rng) {}

  anchorProp(): string {
    const name = this.r.pick(ANCHOR_NAMES);
    this.anchors.push(name);
    return `&${name}`;
  }
  aliasText(): string {
    if (this.anchors.length > 0 && this.r.chance(0.85)) return `*${this.r.pick(this.anchors)}`;
    return `*${this.r.pick(ANCHOR_NAMES)}`;
  }
  plainWord(flow: boolean): string {
    const x = this.r.next();
    let w: string;
    if (x < 0.35) w = this.r.pick(WORDS);
    else if (x < 0.6) w = this.r.pick(NUMBERS);
    else if (x < 0.8) w = this.r.pick(BOOLNULL);
    else if (x < 0.9) w = this.r.pick(SPECIAL_KEYS);
    else w = this.r.pick(TIMESTAMPS);
    if (flow && /[,[\]{}]/.test(w)) w = 'w';
    if (w === '' || (w === '~x' && this.r.chance(0.5))) return 'q';
    return w;
  }
  singleQuoted(indent: number): string {
    let s = "'";
    const n = this.r.int(4);
    for (let i = 0; i < n; i++) {
      const x = this.r.next();
      if (x < 0.2) s += "''";
      else if (x < 0.3) s += `\n${sp(indent + 1)}`;
      else if (x < 0.35) s += `\n\n${sp(indent + 1)}`;
      else s += this.r.pick([...WORDS, ...SPECIAL_KEYS, ...NUMBERS, ' ', '\\n', '"', '#']);
    }
    return s + "'";
  }
  doubleQuoted(indent: number): string {
    let s = '"';
    const n = this.r.int(5);
    for (let i = 0; i < n; i++) {
      const x = this.r.next();
      if (x < 0.35) s += this.r.pick(DQ_ESC);
      else if (x < 0.42) s += `\n${sp(indent + 1)}`;
      else if (x < 0.45) s += `\\\n${sp(indent + 1)}`;
      else s += this.r.pick([...WORDS, ...SPECIAL_KEYS, ...NUMBERS, ' ', "'", '#', ': ']);
    }
    return s + '"';
  }
  /** One-line-ish scalar (quoted ones may span lines, indented past `indent`). */
  inlineScalar(indent: number, flow: boolean, key = false): string {
    const x = this.r.next();
    let body: string;
    if (key && x < 0.06) body = '<<';
    else if (key && x < 0.3) body = this.r.pick(SPECIAL_KEYS);
    else if (x < 0.55) body = this.plainWord(flow);
    else if (x < 0.75) body = this.singleQuoted(key ? -100 : indent).replace(/\n */g, key ? ' ' : '$&');
    else body = this.doubleQuoted(key ? -100 : indent).replace(/\n */g, key ? ' ' : '$&');
    if (key) body = body.replace(/\n/g, ' ');
    let props = '';
    if (this.r.chance(0.12)) props += this.anchorProp() + ' ';
    if (this.r.chance(0.15)) {
      const t = this.r.pick(SCALAR_TAGS);
      props += t + ' ';
      if (t === '!!binary' && this.r.chance(0.6)) body = this.r.pick(BINARY);
      if (t === '!!timestamp' && this.r.chance(0.6)) body = this.r.pick(TIMESTAMPS);
    }
    if (this.r.chance(0.05)) props = props.replace(/ $/, '') + (props ? ' ' : '');
    return props + body;
  }
  comment(): string {
    return this.r.chance(0.1) ? ` # ${this.r.pick(WORDS)}` : '';
  }
  /** A flow collection; continuation lines are indented past `indent`. */
  flowNode(indent: number, depth: number, key = false): string {
    const isMap = this.r.chance(0.5);
    let props = '';
    if (this.r.chance(0.1)) props += this.anchorProp() + ' ';
    if (this.r.chance(0.1)) props += this.r.pick(isMap ? MAP_TAGS : SEQ_TAGS) + ' ';
    const n = this.r.int(4);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(this.flowItem(indent, depth + 1, isMap, key));
    const nl = (): string =>
      !key && this.r.chance(0.15) ? `\n${sp(indent + 1 + this.r.int(3))}` : this.r.chance(0.3) ? ' ' : '';
    let body = parts.map((p) => nl() + p).join(',' + (this.r.chance(0.5) ? ' ' : ''));
    if (n > 0 && this.r.chance(0.1)) body += ',';
    body += nl();
    if (!key && this.r.chance(0.05)) body += ` # c\n${sp(indent + 1)}`;
    return props + (isMap ? `{${body}}` : `[${body}]`);
  }
  flowValue(indent: number, depth: number, key: boolean): string {
    const x = this.r.next();
    if (depth < 5 && x < 0.2) return this.flowNode(indent, depth, key);
    if (x < 0.3) return this.aliasText();
    return this.inlineScalar(indent, true, key);
  }
  flowItem(indent: number, depth: number, inMap: boolean, key: boolean): string {
    const x = this.r.next();
    const v = (k = key): string => this.flowValue(indent, depth, k);
    if (inMap) {
      if (x < 0.08) return v(); // key without value
      if (x < 0.14) return `? ${v()}` + (this.r.chance(0.5) ? ` : ${v()}` : '');
      if (x < 0.17) return `: ${v()}`;
      if (x < 0.22) return `${v(true)}:`;
      const k = v(true);
      const sep = k.startsWith('*') || this.r.chance(0.2) ? ' : ' : ': ';
      const adj = /["'\]}]$/.test(k) && this.r.chance(0.3) ? ':' : sep;
      return `${k}${adj}${v()}`;
    }
    if (x < 0.12) return `${v(true)}: ${v()}`;
    if (x < 0.16) return `? ${v()}`;
    return v();
  }
  /** Header and content lines of a block scalar (starts at the indicator, ends with a newline). */
  blockScalar(indent: number): string {
    const ind = this.r.pick(['|', '>']);
    const chomp = this.r.pick(['', '', '-', '+']);
    const explicit = this.r.chance(0.2) ? String(1 + this.r.int(3)) : '';
    const head = this.r.chance(0.5) ? ind + chomp + explicit : ind + explicit + chomp;
    let props = '';
    if (this.r.chance(0.1)) props += this.anchorProp() + ' ';
    if (this.r.chance(0.1)) props += this.r.pick(SCALAR_TAGS) + ' ';
    const ci = indent + (explicit ? Number(explicit) : 1 + this.r.int(3));
    let out = props + head + this.comment() + '\n';
    const n = this.r.int(4);
    for (let i = 0; i < n; i++) {
      const x = this.r.next();
      if (x < 0.15) out += '\n';
      else if (x < 0.25) out += sp(ci + 1 + this.r.int(2)) + this.r.pick(WORDS) + '\n';
      else if (x < 0.3) out += sp(ci) + '\t' + this.r.pick(WORDS) + '\n';
      else if (x < 0.33) out += sp(ci) + '# not a comment\n';
      else out += sp(ci) + this.r.pick([...WORDS, ...NUMBERS, ...SPECIAL_KEYS, 'a: b', '- x', '"q"']) + '\n';
    }
    if (this.r.chance(0.2)) out += '\n';
    return out;
  }
  blockKey(indent: number, depth: number): string {
    const x = this.r.next();
    if (x < 0.08) return this.aliasText() + ' ';
    if (x < 0.13 && depth < 5) return this.flowNode(indent, depth, true);
    return this.inlineScalar(indent, false, true);
  }
  /** Text after `key:` or `-` (including the trailing newline). */
  afterIndicator(indent: number, depth: number, mapValue: boolean, seqItem: boolean): string {
    const x = this.r.next();
    if (depth > 6 || x < 0.35) return ' ' + this.inlineScalar(indent, false) + this.comment() + '\n';
    if (x < 0.42) return this.comment() + '\n'; // empty
    if (x < 0.48) return ' ' + this.aliasText() + this.comment() + '\n';
    if (x < 0.58) return ' ' + this.flowNode(indent, depth) + this.comment() + '\n';
    if (x < 0.66) return ' ' + this.blockScalar(indent);
    if (seqItem && x < 0.74) {
      // a compact nested map or seq on the same line as '-'
      const inner = this.r.chance(0.6)
        ? this.blockMap(indent + 2, depth + 1)
        : this.blockSeq(indent + 2, depth + 1);
      return ' ' + inner.slice(indent + 2);
    }
    let props = '';
    if (this.r.chance(0.15)) props += ' ' + this.anchorProp();
    const isMap = this.r.chance(0.55);
    if (this.r.chance(0.1)) props += ' ' + this.r.pick(isMap ? MAP_TAGS : SEQ_TAGS);
    const step = 1 + this.r.int(4);
    if (!isMap && mapValue && this.r.chance(0.4)) {
      return props + this.comment() + '\n' + this.blockSeq(indent, depth + 1);
    }
    const between = this.r.chance(0.1) ? `${sp(this.r.int(indent + 3))}# between\n` : '';
    const inner = isMap ? this.blockMap(indent + step, depth + 1) : this.blockSeq(indent + step, depth + 1);
    return props + this.comment() + '\n' + between + inner;
  }
  blockMap(indent: number, depth: number): string {
    const n = 1 + this.r.int(4);
    let out = '';
    for (let i = 0; i < n; i++) {
      if (this.r.chance(0.05)) out += `${sp(this.r.int(indent + 2))}# comment line\n`;
      if (this.r.chance(0.03)) out += '\n';
      if (this.r.chance(0.1)) {
        // an explicit key
        const keyText =
          this.r.chance(0.5) || depth > 5
            ? ' ' + this.inlineScalar(indent, false) + '\n'
            : this.afterIndicator(indent, depth + 1, false, true);
        out += `${sp(indent)}?${keyText}`;
        if (this.r.chance(0.85)) out += `${sp(indent)}:${this.afterIndicator(indent, depth + 1, true, true)}`;
        continue;
      }
      out +=
        sp(indent) + this.blockKey(indent, depth) + ':' + this.afterIndicator(indent, depth + 1, true, false);
    }
    return out;
  }
  blockSeq(indent: number, depth: number): string {
    const n = 1 + this.r.int(4);
    let out = '';
    for (let i = 0; i < n; i++) {
      if (this.r.chance(0.05)) out += `${sp(this.r.int(indent + 2))}# comment line\n`;
      out += sp(indent) + '-' + this.afterIndicator(indent, depth + 1, false, true);
    }
    return out;
  }
  documentBody(): string {
    const x = this.r.next();
    if (x < 0.45) return this.blockMap(0, 0);
    if (x < 0.65) return this.blockSeq(0, 0);
    if (x < 0.75) return this.flowNode(0, 0) + this.comment() + '\n';
    if (x < 0.85) return this.inlineScalar(0, false) + '\n';
    if (x < 0.9) return this.blockScalar(0);
    if (x < 0.93) return '';
    // properties on their own line, then a block collection
    let props = '';
    if (this.r.chance(0.5)) props += this.anchorProp() + ' ';
    const isMap = this.r.chance(0.5);
    props += this.r.pick(isMap ? MAP_TAGS : SEQ_TAGS);
    return props + '\n' + (isMap ? this.blockMap(0, 0) : this.blockSeq(0, 0));
  }
  stream(): string {
    const docs = 1 + (this.r.chance(0.3) ? this.r.int(3) : 0);
    let out = this.r.chance(0.05) ? '# leading comment\n' : '';
    let canDirective = true;
    for (let d = 0; d < docs; d++) {
      this.anchors = [];
      let directive = '';
      if (canDirective && this.r.chance(0.3)) directive = this.r.pick(DIRECTIVES);
      const marker = directive || d > 0 || this.r.chance(0.4);
      out += directive;
      if (marker) {
        const body = this.documentBody();
        if (this.r.chance(0.3) && !/^[^\n]*:( |\n)/.test(body) && !body.startsWith('- '))
          out += '--- ' + body;
        else out += '---' + this.comment() + '\n' + body;
      } else out += this.documentBody();
      canDirective = this.r.chance(0.3);
      if (canDirective) out += '...\n';
    }
    return out;
  }
}

const DIRECTIVES = [
  '%YAML 1.1\n',
  '%YAML 1.1\n',
  '%YAML 1.2\n',
  '%YAML 1.2\n',
  '%TAG !e! tag:example.com,2000:\n',
];
DIRECTIVES.push('%YAML 1.1\n%TAG !e! tag:e.com,2000:x/\n', '%TAG !! tag:example.com,2000:\n');

// ---------- meshc-like specs ----------

/** A spec document as a tree, emitted in a random style later. */
type YNode =
  | { readonly t: 'map'; readonly entries: [string, YNode][] }
  | { readonly t: 'seq'; readonly items: YNode[] }
  /** A string, quoted or not as the emitter decides. */
  | { readonly t: 'str'; readonly s: string }
  /** YAML text of a scalar that reads the same in block and flow context (numbers, booleans). */
  | { readonly t: 'lit'; readonly text: string }
  /** A block scalar's content lines. */
  | { readonly t: 'block'; readonly lines: string[] }
  /** Anything the stream generator makes, drawn as the node is emitted. */
  | { readonly t: 'wild' };

/** A mapping of the entries given, the first of each key only (mutations make duplicates). */
const map = (...entries: ([string, YNode] | undefined)[]): YNode => {
  const seen = new Set<string>();
  return {
    t: 'map',
    entries: entries.filter(
      (e): e is [string, YNode] => e !== undefined && !seen.has(e[0]) && !!seen.add(e[0]),
    ),
  };
};
const seq = (items: YNode[]): YNode => ({ t: 'seq', items });
const str = (s: string): YNode => ({ t: 'str', s });
const lit = (text: string): YNode => ({ t: 'lit', text });

const TRICKY_PLAIN = [
  '-',
  '--',
  '---',
  '...',
  '-a',
  ':a',
  'a:',
  '?a',
  '!a',
  '%a',
  '@a',
  '`a',
  'a,b',
  'a]',
  'a}',
];
TRICKY_PLAIN.push(
  'a[b',
  '*',
  '&',
  '|a',
  '>a',
  "a'b",
  'a"b',
  'a #b',
  'a# b',
  'a :b',
  'a::b',
  '::',
  'a\\b',
  '\\',
);
TRICKY_PLAIN.push(
  'x y  z',
  '日本 語',
  '😀😀',
  'é:é',
  'a\u00a0b',
  '\u2028',
  'a\u0085b',
  '\u00a0',
  'a\u3000b',
  '#',
);
TRICKY_PLAIN.push('a: b', "''", '""', "'a'b", '"a"b', '[a]', '{a: b}', '[a, b]x', '- a', '? a', 'a\\"');
const TRICKY_KEYS = ['__proto__', '"__proto__"', "'__proto__'", 'constructor', 'toString', 'hasOwnProperty'];
TRICKY_KEYS.push(
  '"0"',
  '0',
  '01',
  '"1.0"',
  'null',
  '"null"',
  '~',
  '""',
  "''",
  '"a b"',
  'a b',
  '-a',
  'é',
  '😀',
);
TRICKY_KEYS.push(
  '"a\\"b"',
  "'a''b'",
  '"\\u0041"',
  'a#b',
  'a/b',
  'a~b',
  '"~1"',
  '"/"',
  '"a:b"',
  'a.b',
  '"\\t"',
);

const RESERVED = new Set(['true', 'false', 'null', 'yes', 'no', 'on', 'off', 'y', 'n', '~']);
const ESCAPES: Record<string, string> = {
  '\n': '\\n',
  '\t': '\\t',
  '\r': '\\r',
  '"': '\\"',
  '\\': '\\\\',
};

/** Meshc-shaped documents, emitted in every block and flow style a hand-written spec uses. */
export class SpecGen {
  readonly sg: StreamGen;
  /** Chance a scalar or value is replaced by arbitrary YAML. */
  wildness = 0.03;
  /** Tidy specs keep to what a hand-written spec has (no tabs, block scalars, multi-line flows). */
  tidy = false;
  /** Chance a string is replaced by a tricky one-line scalar (spicy). */
  spice = 0;
  constructor(readonly r: Rng) {
    this.sg = new StreamGen(r);
  }

  // --- values ---
  name(): string {
    const r = this.r;
    const x = r.next();
    if (x < 0.5) return `svc-${String(r.int(1000)).padStart(5, '0')}`;
    if (x < 0.8)
      return r.pick(['web', 'reviews', 'ratings', 'details', 'productpage', 'gateway', 'api', 'db']);
    if (x < 0.9) return r.pick(['a', 'b-c', 'x.y', 'Upper', 'with space', '-lead', 'trail-', '*', '']);
    return r.pick(WORDS);
  }
  endpoint(): string {
    const r = this.r;
    const x = r.next();
    if (x < 0.7) return `10.${r.int(3)}.${r.int(256)}.${r.int(256)}:${15000 + r.int(1000)}`;
    if (x < 0.85) return `127.0.0.1:${21000 + r.int(1000)}`;
    if (x < 0.93) return `[::1]:${8000 + r.int(100)}`;
    return r.pick(['host.local:80', 'x', ':80', '1.2.3.4', 'a:b:c']);
  }
  duration(): YNode {
    const r = this.r;
    if (r.chance(0.08)) return lit(r.pick(NUMBERS));
    return str(
      `${r.pick(['0', '1', '2', '10', '500', '348', '1.5', '100000'])}${r.pick(['ms', 's', 'm', 'h', 'ms'])}`,
    );
  }
  port(): YNode {
    const r = this.r;
    if (r.chance(0.85)) return lit(r.pick(['8080', '9080', '9082', '80', '443', '15006', '3000']));
    if (r.chance(0.5)) return lit(r.pick(['0', '65536', '-1', '0x1F90', '1e3', '8080.0', '0o17', '8_080']));
    return str(r.pick(['8080', 'http', '']));
  }
  bool(): YNode {
    return this.r.chance(0.9) ? lit(this.r.pick(['true', 'false'])) : lit(this.r.pick(BOOLNULL));
  }
  some<T>(min: number, max: number, f: () => T): T[] {
    const n = min + this.r.int(max - min + 1);
    return Array.from({ length: n }, f);
  }
  maybe(p: number, entry: [string, YNode]): [string, YNode] | undefined {
    return this.r.chance(p) ? entry : undefined;
  }
  names(min: number, max: number): YNode {
    return seq(this.some(min, max, () => str(this.name())));
  }
  labels(): YNode {
    const r = this.r;
    return map(
      ...this.some(0, 3, (): [string, YNode] => [
        r.pick(['team', 'tier', 'stars', 'app', 'version', 'x-y']),
        str(r.pick(['t0', 'reviews', 'black', 'none', 'red', 'web', '1'])),
      ]),
    );
  }
  headerMatch(): YNode {
    const r = this.r;
    const kind = r.pick(['exact', 'prefix', 'regex', 'present', 'suffix']);
    const value =
      kind === 'present'
        ? this.bool()
        : kind === 'regex'
          ? str('^3(\\.[0-9]+)?$')
          : str(r.pick(['jason', 'tester', 'en', 'x']));
    return map([kind, value]);
  }
  route(): YNode {
    const r = this.r;
    return map(
      this.maybe(0.9, [
        'name',
        str(r.pick(['testers', 'api-reads', 'health', 'canary', 'default', 'preview'])),
      ]),
      this.maybe(0.7, [
        'match',
        map(
          this.maybe(0.6, [
            'path',
            map([r.pick(['prefix', 'exact', 'regex']), str(r.pick(['/', '/api/', '/healthz', '/*']))]),
          ]),
          this.maybe(0.3, ['method', str(r.pick(['GET', 'POST', 'PUT']))]),
          this.maybe(0.3, [
            'headers',
            map(
              ...this.some(1, 2, (): [string, YNode] => [
                r.pick(['end-user', 'x-preview', 'x-api-version']),
                this.headerMatch(),
              ]),
            ),
          ]),
          this.maybe(0.1, ['query', map(['lang', map(['prefix', str('en')])])]),
        ),
      ]),
      [
        'backends',
        seq(
          this.some(1, 3, () =>
            map(
              ['version', str(r.pick(['v1', 'v2', 'v3']))],
              this.maybe(0.5, ['weight', lit(String(r.int(101)))]),
            ),
          ),
        ),
      ],
      this.maybe(0.3, ['timeout', this.duration()]),
      this.maybe(0.3, [
        'retries',
        map(
          ['attempts', lit(String(r.int(5)))],
          ['perTryTimeout', this.duration()],
          this.maybe(0.3, [
            'on',
            seq(this.some(1, 3, () => str(r.pick(['connect-failure', 'reset', 'gateway-error', '5xx'])))),
          ]),
          this.maybe(0.2, ['idempotentOnly', this.bool()]),
          this.maybe(0.2, ['backoff', map(['base', this.duration()], ['max', this.duration()])]),
        ),
      ]),
      this.maybe(0.1, [
        'headers',
        map(['request', map(['set', map(['x-canary', str('1')])], ['remove', seq([str('x-debug')])])]),
      ]),
      this.maybe(0.1, ['mirror', map(['version', str('v3')], ['percent', lit(String(r.int(101)))])]),
      this.maybe(0.05, ['description', { t: 'block', lines: this.some(1, 3, () => r.pick(WORDS)) }]),
    );
  }
  service(): YNode {
    const r = this.r;
    const endpoints = (): YNode => seq(this.some(0, 3, () => str(this.endpoint())));
    const spec = map(
      this.maybe(0.8, ['protocol', str(r.pick(['http', 'http', 'grpc', 'tcp', 'http2', 'HTTP']))]),
      this.maybe(0.95, ['port', this.port()]),
      this.maybe(0.3, ['endpoints', endpoints()]),
      this.maybe(0.6, [
        'versions',
        map(
          ...this.some(1, 3, (): [string, YNode] => [
            r.pick(['v1', 'v2', 'v3', 'canary']),
            map(['endpoints', endpoints()], this.maybe(0.3, ['labels', this.labels()])),
          ]),
        ),
      ]),
      this.maybe(0.6, ['calls', this.names(0, 5)]),
      this.maybe(0.3, ['mtls', str(r.pick(['strict', 'permissive', 'off', 'disable']))]),
      this.maybe(0.2, [
        'loadBalancer',
        map(
          ['policy', str(r.pick(['ring-hash', 'round-robin', 'least-request']))],
          this.maybe(0.5, ['hashOn', map(['header', str('x-user')])]),
        ),
      ]),
      this.maybe(0.15, ['circuitBreaker', map(['maxRequests', lit(String(r.int(1000)))])]),
      this.maybe(0.2, ['timeout', this.duration()]),
      this.maybe(0.6, ['routes', seq(this.some(0, 4, () => this.route()))]),
      this.maybe(0.5, [
        'authorization',
        map(
          ['default', str(r.pick(['deny', 'allow']))],
          this.maybe(0.8, [
            'allow',
            seq(
              this.some(0, 3, () =>
                map(
                  ['from', this.names(1, 4)],
                  this.maybe(0.6, ['methods', seq(this.some(1, 2, () => str(r.pick(['GET', 'POST']))))]),
                  this.maybe(0.6, [
                    'paths',
                    seq(this.some(1, 2, () => str(r.pick(['/*', '/reviews/*', '/healthz'])))),
                  ]),
                ),
              ),
            ),
          ]),
        ),
      ]),
    );
    return this.document('Service', spec);
  }
  mesh(): YNode {
    const r = this.r;
    const spec = map(
      this.maybe(0.9, ['trustDomain', str(r.pick(['bench.local', 'shop.example', 'cluster.local']))]),
      this.maybe(0.7, ['mtls', str(r.pick(['strict', 'permissive']))]),
      this.maybe(0.8, [
        'trust',
        map(['roots', seq(this.some(1, 2, () => str(r.pick(['pki/root.pem', 'pki/other.pem']))))]),
      ]),
      this.maybe(0.6, [
        'defaults',
        map(
          ['timeout', this.duration()],
          this.maybe(0.7, [
            'retries',
            map(['attempts', lit(String(r.int(4)))], ['perTryTimeout', this.duration()]),
          ]),
        ),
      ]),
      this.maybe(0.2, [
        'tracing',
        map(['otlpEndpoint', str(r.pick(['http://collector:4318', '', 'not a url']))]),
      ]),
    );
    return this.document('Mesh', spec);
  }
  document(kind: string, spec: YNode): YNode {
    const r = this.r;
    const metadata = map(['name', str(this.name())], this.maybe(0.3, ['labels', this.labels()]));
    const entries: [string, YNode][] = [
      ['apiVersion', str(r.chance(0.95) ? 'meshc/v1' : r.pick(['meshc/v2', 'v1', 'meshc/V1', '']))],
      ['kind', str(r.chance(0.95) ? kind : r.pick(['Mesh', 'Service', 'service', 'Foo', 'Deployment']))],
      ['metadata', metadata],
      ['spec', spec],
    ];
    if (r.chance(0.05)) entries.splice(r.int(entries.length), 1);
    if (r.chance(0.05))
      entries.push([r.pick(['status', 'extra', '__proto__', 'constructor']), map(['x', str('y')])]);
    if (r.chance(0.03)) entries.reverse();
    return { t: 'map', entries };
  }

  // --- emission ---
  /** Text after `key:` (no newline): a comment, or spaces, at the end of a line. */
  eol(afterScalar = false): string {
    const r = this.r;
    const x = r.next();
    if (x < 0.08) return `${r.pick(this.tidy ? [' ', '  '] : [' ', ' ', '  ', '\t'])}# ${r.pick(COMMENTS)}`;
    if (x < 0.09 && (afterScalar || !this.tidy)) return '#not-a-comment';
    if (x < 0.1) return r.pick(this.tidy ? [' ', '  '] : [' ', '  ', '\t']);
    return '';
  }
  /** A one-line scalar with tricky content: plain words yaml resolves, odd plain text, escapes. */
  spicy(flow: boolean): string {
    const r = this.r;
    const x = r.next();
    if (x < 0.35) return this.sg.plainWord(flow);
    if (x < 0.6) {
      const t = r.pick(TRICKY_PLAIN);
      return flow && /[,[\]{}]/.test(t) && r.chance(0.8) ? 'w' : t;
    }
    if (x < 0.8) return this.sg.doubleQuoted(0).replace(/\n */g, ' ');
    return this.sg.singleQuoted(0).replace(/\n */g, ' ');
  }
  str(s: string): string {
    const r = this.r;
    if (r.chance(this.spice)) return this.spicy(false);
    const plainSafe =
      /^[A-Za-z_/][\w./:*^$-]*$/.test(s) &&
      !s.endsWith(':') &&
      !RESERVED.has(s.toLowerCase()) &&
      !/:[^\w]/.test(s);
    const x = r.next();
    if ((plainSafe && x < 0.7) || (x < 0.03 && s !== '' && !this.tidy)) return s;
    if (r.chance(0.5)) return `'${s.replaceAll("'", "''")}'`;
    return `"${s.replace(/["\\\n\t\r]/g, (c) => ESCAPES[c]!)}"`;
  }
  key(k: string): string {
    const r = this.r;
    const x = r.next();
    if (this.tidy && x < 0.015) return r.chance(this.spice * 10) ? r.pick(TRICKY_KEYS) : k;
    if (x < 0.01) return r.pick(SPECIAL_KEYS);
    if (x < 0.015) return this.sg.inlineScalar(0, false, true);
    if (x < 0.04) return r.chance(0.5) ? `"${k}"` : `'${k}'`;
    return k;
  }
  /** Own-line comments and blank lines before an entry. */
  decorate(indent: number, lines: string[]): void {
    const r = this.r;
    if (r.chance(0.07)) lines.push(r.chance(0.8) ? '' : r.pick(this.tidy ? [' ', '  '] : [' ', '  ', '\t']));
    if (r.chance(0.08)) {
      const at = r.pick([indent, indent, 0, indent + 1 + r.int(3), indent - 2, indent - 1]);
      lines.push(`${sp(at)}#${r.chance(0.9) ? ' ' : ''}${r.pick(COMMENTS)}`);
    }
  }
  /** Comment lines and blank lines after the last entry of a nested collection. */
  trailer(indent: number, lines: string[]): void {
    const r = this.r;
    if (indent > 0 && r.chance(this.tidy ? 0.03 : 0.1)) {
      const n = 1 + r.int(2);
      for (let i = 0; i < n; i++)
        lines.push(`${sp(r.pick([indent, indent - 2, 0, indent + 2]))}# ${r.pick(COMMENTS)}`);
    }
    if (r.chance(0.05)) lines.push('');
  }
  step(): number {
    return this.r.chance(0.85) ? 2 : this.r.pick([1, 3, 4, 8]);
  }
  /** A value after `key:` or `-` (no leading space) on one line, or undefined to emit it as a block. */
  inline(v: YNode, indent: number, depth: number): string | undefined {
    const r = this.r;
    if (r.chance(this.wildness)) return this.sg.inlineScalar(indent, false);
    switch (v.t) {
      case 'str':
        return this.str(v.s);
      case 'lit':
        return v.text;
      case 'wild':
        return this.sg.inlineScalar(indent, false);
      case 'block':
        return undefined;
      case 'map':
      case 'seq': {
        const items = v.t === 'map' ? v.entries.length : v.items.length;
        if (items === 0) return r.chance(0.9) ? (v.t === 'map' ? '{}' : '[]') : v.t === 'map' ? '{ }' : '[ ]';
        const flowP =
          v.t === 'seq' && v.items.every((i) => i.t === 'str' || i.t === 'lit')
            ? 0.6
            : depth >= 2
              ? 0.35
              : 0.05;
        return r.chance(flowP) ? this.flow(v, indent, depth) : undefined;
      }
    }
  }
  flow(v: YNode, indent: number, depth: number): string {
    const r = this.r;
    if (r.chance(this.wildness)) return this.sg.flowValue(indent, 3, false);
    switch (v.t) {
      case 'str':
        return this.str(v.s);
      case 'lit':
        return v.text;
      case 'wild':
        return this.sg.flowValue(indent, 3, false);
      case 'block':
        return this.str(v.lines.join('\n')).replace(/\n/g, '\\n');
      case 'map':
      case 'seq': {
        const parts =
          v.t === 'map'
            ? v.entries.map(
                ([k, x]) => `${this.key(k)}:${r.chance(0.97) ? ' ' : '  '}${this.flow(x, indent, depth + 1)}`,
              )
            : v.items.map((x) => this.flow(x, indent, depth + 1));
        const [open, close] = v.t === 'map' ? ['{', '}'] : ['[', ']'];
        if (parts.length === 0) return open + close;
        const multi = r.chance(this.tidy ? 0 : 0.08);
        const cont = sp(indent + 1 + r.int(3));
        const sep = multi ? `,${r.chance(0.1) ? ' # c' : ''}\n${cont}` : r.chance(0.95) ? ', ' : ',';
        const pad = multi
          ? `\n${cont}`
          : r.chance(0.7)
            ? v.t === 'map'
              ? ' '
              : ''
            : r.pick(['', ' ', '  ']);
        const trailing = r.chance(0.05) ? ',' : '';
        const end = multi ? `\n${sp(indent + 1)}` : pad;
        return open + pad + parts.join(sep) + trailing + end + close;
      }
    }
  }
  blockScalarLines(v: { lines: string[] }, indent: number, lines: string[], head: string): void {
    const r = this.r;
    lines.push(head + r.pick(['|', '>', '|-', '>-', '|+', '|2']) + this.eol());
    const ci = indent + 2;
    for (const line of v.lines) lines.push(r.chance(0.1) ? '' : sp(ci) + line);
  }
  /** Entries of a block mapping at `indent`; the first line starts with `prefix` (a `- `) when given. */
  blockMap(
    entries: [string, YNode][],
    indent: number,
    depth: number,
    lines: string[],
    prefix?: string,
  ): void {
    const r = this.r;
    entries.forEach(([k, v], i) => {
      if (i > 0 || prefix === undefined) this.decorate(indent, lines);
      const head = (i === 0 && prefix !== undefined ? prefix : sp(indent)) + this.key(k) + ':';
      if (v.t === 'wild' || r.chance(this.wildness / 3)) {
        lines.push(head + this.sg.afterIndicator(indent, 3, true, false).replace(/\n$/, ''));
        return;
      }
      if (v.t === 'block' && this.tidy) {
        lines.push(`${head} ${this.str(v.lines.join(' '))}`);
        return;
      }
      if (v.t === 'block') return this.blockScalarLines(v, indent, lines, head + ' ');
      const one = this.inline(v, indent, depth + 1);
      if (one !== undefined) {
        const sep = r.chance(0.97) ? ' ' : r.pick(this.tidy ? ['  '] : ['  ', '\t', ' \t']);
        lines.push(`${head}${sep}${one}${this.eol(/^[\w/]/.test(one))}`);
        return;
      }
      lines.push(head + this.eol());
      if (v.t === 'map') this.blockMap(v.entries, indent + this.step(), depth + 1, lines);
      else if (v.t === 'seq')
        this.blockSeq(v.items, r.chance(0.3) ? indent : indent + this.step(), depth + 1, lines);
    });
    this.trailer(indent, lines);
  }
  blockSeq(items: YNode[], indent: number, depth: number, lines: string[], prefix?: string): void {
    const r = this.r;
    items.forEach((v, i) => {
      if (i > 0 || prefix === undefined) this.decorate(indent, lines);
      const dash = (i === 0 && prefix !== undefined ? prefix : sp(indent)) + '-';
      if (v.t === 'wild' || r.chance(this.wildness / 3)) {
        lines.push(dash + this.sg.afterIndicator(indent, 3, false, true).replace(/\n$/, ''));
        return;
      }
      if (v.t === 'block') return this.blockScalarLines(v, indent, lines, dash + ' ');
      const collection = v.t === 'map' || v.t === 'seq';
      const one = collection && r.chance(0.5) ? undefined : this.inline(v, indent, depth + 1);
      if (one !== undefined) {
        lines.push(
          `${dash}${r.chance(0.97) ? ' ' : r.pick(['  ', '   '])}${one}${this.eol(/^[\w/]/.test(one))}`,
        );
        return;
      }
      const extra = r.chance(0.9) ? 0 : 1 + r.int(2);
      if (r.chance(0.85)) {
        // compact: `- key: value` with the other entries under the first
        const inner = indent + 2 + extra;
        if (v.t === 'map') this.blockMap(v.entries, inner, depth + 1, lines, dash + sp(1 + extra));
        else if (v.t === 'seq') this.blockSeq(v.items, inner, depth + 1, lines, dash + sp(1 + extra));
        return;
      }
      lines.push(dash + this.eol());
      const inner = indent + 1 + r.int(3);
      if (v.t === 'map') this.blockMap(v.entries, inner, depth + 1, lines);
      else if (v.t === 'seq') this.blockSeq(v.items, inner, depth + 1, lines);
    });
    this.trailer(indent, lines);
  }
  emitDocument(root: YNode): string {
    const r = this.r;
    const lines: string[] = [];
    if (root.t === 'map' && r.chance(0.97)) this.blockMap(root.entries, 0, 0, lines);
    else lines.push(this.flow(root, 0, 0));
    return lines.join('\n');
  }
  /** A whole file: one or more spec documents (sometimes foreign ones) with markers and comments. */
  file(): string {
    const r = this.r;
    const docs = r.chance(0.8) ? 1 : 2 + r.int(3);
    let out = '';
    if (r.chance(0.2)) {
      out += '# yaml-language-server: $schema=../../../schema/mesh.schema.json\n';
      if (r.chance(0.5)) out += '# A service of the shop: it answers on port 9082.\n';
    }
    if (!this.tidy && r.chance(0.02)) out += '%YAML 1.2\n---\n';
    else if (r.chance(0.1)) out += r.pick(['---\n', '--- # first\n', '---\n\n', '---   \n']);
    for (let d = 0; d < docs; d++) {
      this.sg.anchors = [];
      if (d > 0)
        out += r.pick(['---\n', '---\n', '---\n', '--- # next\n', '...\n---\n', '\n---\n', '---\n\n']);
      const x = r.next();
      if (x < 0.6) out += this.emitDocument(this.service());
      else if (x < 0.85) out += this.emitDocument(this.mesh());
      else if (x < 0.93 && !this.tidy) out += this.sg.documentBody().replace(/\n$/, '');
      else out += r.pick(['# only a comment', '', '  # indented comment', '~', 'null', '[]', '- a']);
      const end = r.next();
      if (d < docs - 1 || end < 0.85) out += '\n';
      else if (end < 0.9) out += '\n\n';
      else if (end < 0.95) out += `\n# ${r.pick(COMMENTS)}\n`;
      if (r.chance(0.05)) out += (out.endsWith('\n') || !this.tidy ? '' : '\n') + '...\n';
    }
    if (!this.tidy && r.chance(0.04)) out = out.replace(/\n/g, '\r\n');
    if (!this.tidy && r.chance(0.02)) out = '\uFEFF' + out;
    return out;
  }
}

// ---------- mutations ----------

const MUT_CHARS = [
  ' ',
  ' ',
  '\n',
  ':',
  '-',
  '?',
  '#',
  '&',
  '*',
  '!',
  '[',
  ']',
  '{',
  '}',
  ',',
  '"',
  "'",
  '|',
  '>',
];
MUT_CHARS.push(
  '%',
  '@',
  '`',
  '\t',
  'a',
  '0',
  '\\',
  '<<',
  '<<: ',
  '!!str ',
  '*a',
  '&a ',
  '__proto__: ',
  '---\n',
);
MUT_CHARS.push('...\n', '%YAML 1.1\n---\n', '\r\n', '\r', '\uFEFF', ': ', '- ', '? ', '# ', ' #', '"', "'");
MUT_CHARS.push(
  '!!int ',
  '!!float ',
  '!!binary ',
  '!!map ',
  '| ',
  '> ',
  '|-\n',
  '{ a: b }',
  '[a, b]',
  '~',
  '\u2028',
);

/** `n` random edits of `text`: characters, lines, indentation, quotes, comments, markers, BOM, CRLF. */
export function mutate(r: Rng, text: string, n: number): string {
  let t = text;
  for (let i = 0; i < n; i++) {
    const pos = r.int(t.length + 1);
    const x = r.next();
    if (x < 0.2 && t.length > 0) t = t.slice(0, pos) + t.slice(pos + 1);
    else if (x < 0.45) t = t.slice(0, pos) + r.pick(MUT_CHARS) + t.slice(pos);
    else if (x < 0.52 && t.length > 0) t = t.slice(0, pos) + r.pick(MUT_CHARS) + t.slice(pos + 1);
    else if (x < 0.92) t = mutateLines(r, t);
    else t = mutateWhole(r, t);
  }
  return t;
}

function mutateLines(r: Rng, text: string): string {
  const lines = text.split('\n');
  const li = r.int(lines.length);
  const line = lines[li]!;
  const x = r.next();
  const lead = /^ */.exec(line)![0].length;
  if (x < 0.1) lines.splice(li, 1);
  else if (x < 0.2) lines.splice(li, 0, lines[r.int(lines.length)]!);
  else if (x < 0.3) lines[li] = sp(1 + r.int(2)) + line;
  else if (x < 0.38) lines[li] = line.slice(Math.min(lead, 1 + r.int(2)));
  else if (x < 0.48)
    lines.splice(li, 0, `${sp(r.pick([lead, 0, lead + 2, lead - 2, lead + 1]))}# ${r.pick(COMMENTS)}`);
  else if (x < 0.55) lines[li] = line + r.pick([' # c', '  # x: y', '# c', ' #', '\t# t', ' ', '\t']);
  else if (x < 0.6) lines.splice(li, 0, r.pick(['', ' ', '  ', '\t']));
  else if (x < 0.66) lines[li] = line.replace(/['"]/g, (q) => (q === '"' ? "'" : '"'));
  else if (x < 0.7) lines[li] = line.replace(/['"]/g, '');
  else if (x < 0.74)
    lines[li] = line.replace(': ', r.pick([':\t', ':', ':  ', ' : ', ': !!str ', ': &a ', ': *a']));
  else if (x < 0.78)
    lines[li] = line.replace(/^( *)/, `$1${r.pick(['\t', '- ', '? ', ': ', '!!map ', '&a '])}`);
  else if (x < 0.82) {
    // a value continued on the next line (a multi-line plain scalar, or a value at a new indent)
    const m = /^( *)([^:#]+): (.+)$/.exec(line);
    if (m) lines.splice(li, 1, `${m[1]}${m[2]}:`, `${sp(m[1]!.length + r.pick([0, 1, 2, 4]))}${m[3]}`);
  } else if (x < 0.86) {
    const m = /^( *)([^:#]+): (\S.*)$/.exec(line);
    if (m) lines.splice(li + 1, 0, `${sp(m[1]!.length + r.pick([1, 2, 4]))}${r.pick(WORDS)}`);
  } else if (x < 0.9) {
    const lj = r.int(lines.length);
    [lines[li], lines[lj]] = [lines[lj]!, line];
  } else if (x < 0.95)
    lines[li] = line.replace(/\[|\]|\{|\}|,/, r.pick(['', ',', ', ', ' ,', '[', '{', '}', ']']));
  else
    lines.splice(
      li,
      0,
      r.pick(['---', '...', '--- # x', '%YAML 1.1', '--- |', '--- >', '---  ', '... # end']),
    );
  return lines.join('\n');
}

function mutateWhole(r: Rng, text: string): string {
  const x = r.next();
  if (x < 0.12) return '\uFEFF' + text;
  if (x < 0.24) return text.replace(/\r?\n/g, '\r\n');
  if (x < 0.36) return text.replace(/\n+$/, '');
  if (x < 0.46)
    return r.pick(['%YAML 1.1\n---\n', '%YAML 1.2\n---\n', '---\n', '--- # x\n', '# head\n']) + text;
  if (x < 0.56) return text + r.pick(['---\n', '...\n', '\n\n', '# tail', '# tail\n', '  ', '\t', '---']);
  if (x < 0.66) return text.replace(/^( +)/gm, (s) => s + s);
  if (x < 0.76) return text.replace(/^( +)/gm, (s) => s.slice(0, Math.ceil(s.length / 2)));
  if (x < 0.86) return text.replace(/\n/g, '\n\n');
  if (x < 0.93) return text.replace(/ #/g, '#');
  return text + '\n' + text;
}

// ---------- strict comparison ----------

function describeValue(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol' || typeof v === 'function' || v === undefined) return String(v);
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length})`;
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 120 ? `${s.slice(0, 120)}…` : s;
  } catch {
    return Object.prototype.toString.call(v);
  }
}

const BUILT_IN_PROTOTYPES = new Set<unknown>([null, Object.prototype, Array.prototype, Function.prototype]);
for (const c of [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
]) {
  BUILT_IN_PROTOTYPES.add(c.prototype);
}
for (const c of [Float32Array, Float64Array, BigInt64Array, BigUint64Array, Date, Map, Set, RegExp, Error]) {
  BUILT_IN_PROTOTYPES.add(c.prototype);
}
BUILT_IN_PROTOTYPES.add(ArrayBuffer.prototype);

function className(o: object): string {
  const p: unknown = Object.getPrototypeOf(o);
  if (p === null) return 'null-prototype';
  if (p === Object.prototype) return 'Object';
  if (p === Array.prototype) return 'Array';
  return (p as { constructor?: { name?: string } }).constructor?.name ?? '?';
}

/**
 * The first place where `b` is not exactly `a`, as `path: what`, or undefined when they are the same:
 * the same prototypes (Int32Array is not Uint16Array), own property names and symbols in the same
 * order with the same descriptors, Object.is on primitives (-0 is not 0, NaN is NaN), and the same
 * sharing of objects (a node that is one object twice in `a` is one object twice in `b`).
 */
function firstDifference(a: unknown, b: unknown): string | undefined {
  return differenceAt(a, b, '', new Map(), new Map());
}

function differenceAt(
  a: unknown,
  b: unknown,
  path: string,
  seen: Map<object, object>,
  seenB: Map<object, object>,
): string | undefined {
  if (typeof a !== typeof b)
    return `${path}: type ${typeof a} vs ${typeof b} (${describeValue(a)} vs ${describeValue(b)})`;
  if (typeof a !== 'object' || a === null || b === null) {
    if (typeof a === 'function' && a !== b)
      return `${path}: function ${describeValue(a)} vs ${describeValue(b)}`;
    return Object.is(a, b) ? undefined : `${path}: value ${describeValue(a)} vs ${describeValue(b)}`;
  }
  const x = a as object;
  const y = b as object;
  const known = seen.get(x);
  if (known !== undefined)
    return known === y ? undefined : `${path}: sharing (one object twice in a, two in b)`;
  if (seenB.has(y)) return `${path}: sharing (two objects in a, one twice in b)`;
  seen.set(x, y);
  seenB.set(y, x);
  const px: unknown = Object.getPrototypeOf(x);
  const py: unknown = Object.getPrototypeOf(y);
  if (px !== py) {
    // A prototype that is a value of the data (`__proto__` set as a prototype) is compared as one.
    if (BUILT_IN_PROTOTYPES.has(px) || BUILT_IN_PROTOTYPES.has(py))
      return `${path}: class ${className(x)} vs ${className(y)}`;
    const d = differenceAt(px, py, `${path}/[[Prototype]]`, seen, seenB);
    if (d !== undefined) return d;
  }
  if (Object.isExtensible(x) !== Object.isExtensible(y))
    return `${path}: extensible ${Object.isExtensible(x)} vs ${Object.isExtensible(y)}`;
  if (ArrayBuffer.isView(x)) {
    const p = x as unknown as ArrayLike<number>;
    const q = y as unknown as ArrayLike<number>;
    if (p.length !== q.length) return `${path}: length ${p.length} vs ${q.length}`;
    for (let i = 0; i < p.length; i++) {
      if (!Object.is(p[i], q[i])) return `${path}/${i}: value ${p[i]} vs ${q[i]}`;
    }
    return undefined;
  }
  if (x instanceof Date && y instanceof Date && !Object.is(x.getTime(), y.getTime())) {
    return `${path}: date ${x.toISOString()} vs ${y.toISOString()}`;
  }
  const kx = Reflect.ownKeys(x);
  const ky = Reflect.ownKeys(y);
  for (let i = 0; i < Math.max(kx.length, ky.length); i++) {
    if (kx[i] !== ky[i]) {
      const names = (ks: (string | symbol)[]) =>
        JSON.stringify(ks.slice(Math.max(0, i - 1), i + 3).map(String));
      return `${path}: keys at ${i}: ${names(kx)} vs ${names(ky)} (${kx.length} vs ${ky.length} keys)`;
    }
  }
  for (const k of kx) {
    const dx = Object.getOwnPropertyDescriptor(x, k)!;
    const dy = Object.getOwnPropertyDescriptor(y, k)!;
    const at = `${path}/${String(k)}`;
    for (const f of ['enumerable', 'configurable', 'writable'] as const) {
      if (dx[f] !== dy[f]) return `${at}: descriptor ${f} ${dx[f]} vs ${dy[f]}`;
    }
    if ('get' in dx || 'get' in dy) {
      if (dx.get !== dy.get || dx.set !== dy.set) return `${at}: accessor`;
      continue;
    }
    const d = differenceAt(dx.value, dy.value, at, seen, seenB);
    if (d !== undefined) return d;
  }
  return undefined;
}

// ---------- differential check and minimising ----------

export interface FileLike {
  readonly path: string;
  readonly bytes: Uint8Array;
}

const encoder = new TextEncoder();

export function fileOf(text: string, path = 'services/fuzz.yaml'): FileLike {
  return { path, bytes: encoder.encode(text) };
}

/** What running `parse` on a file gave: its result, or what it threw. */
function outcome(parse: (f: FileLike) => unknown, file: FileLike): unknown {
  try {
    return { result: parse(file) };
  } catch (error) {
    return { threw: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

/** The difference between the two parsers on `text` (expected: slow, actual: fast), or undefined. */
export function differenceOn(
  text: string,
  slow: (f: FileLike) => unknown,
  fast: (f: FileLike) => unknown,
): string | undefined {
  const file = fileOf(text);
  return firstDifference(outcome(slow, file), outcome(fast, file));
}

/**
 * A short name for the kind of a difference: where (the part of the ParsedFile, with indices and
 * keys below it dropped) and what (value, keys, class, ...).
 */
export function classOf(difference: string): string {
  const cut = difference.indexOf(': ');
  const path = difference.slice(0, cut);
  const what = difference.slice(cut + 2).split(' ')[0];
  const parts = path.split('/').filter((p) => p !== '');
  let where: string;
  if (parts[0] === 'threw' || parts[0] === 'result') {
    const rest = parts.slice(1);
    if (rest[0] === 'documents') {
      if (rest.length <= 1) where = 'documents';
      else if (rest.length === 2) where = 'documents[]';
      else where = `documents[].${rest[2]}${rest[2] === 'positions' && rest[3] ? `.${rest[3]}` : ''}`;
    } else if (rest[0] === 'diagnostics') {
      where = rest.length <= 2 ? 'diagnostics' : `diagnostics[].${rest[2]}`;
    } else where = rest[0] ?? parts[0]!;
    if (parts[0] === 'threw') where = 'threw';
  } else where = path || '(root)';
  return `${where} ${what}`;
}

/**
 * A smaller text on which `fails` still holds: lines, then runs of characters, are dropped while it
 * does; then indentation is narrowed. At most `budget` calls of `fails`.
 */
export function minimise(text: string, fails: (t: string) => boolean, budget = 4000): string {
  let cur = text;
  let calls = 0;
  const test = (t: string): boolean => calls++ < budget && fails(t);
  for (const unit of ['line', 'char'] as const) {
    let changed = true;
    while (changed && calls < budget) {
      changed = false;
      const parts = unit === 'line' ? cur.split(/(?<=\n)/) : [...cur];
      for (let size = Math.max(1, parts.length >> 1); size >= 1; size >>= 1) {
        for (let i = 0; i + size <= parts.length;) {
          const cand = [...parts.slice(0, i), ...parts.slice(i + size)].join('');
          if (test(cand)) {
            parts.splice(i, size);
            cur = cand;
            changed = true;
          } else i += size;
        }
      }
    }
  }
  // Simpler characters: a run of spaces narrowed, a letter made 'a'.
  const chars = [...cur];
  for (let i = 0; i < chars.length && calls < budget; i++) {
    if (/[b-zA-Z0-9]/.test(chars[i]!)) {
      const was = chars[i]!;
      chars[i] = 'a';
      if (test(chars.join(''))) cur = chars.join('');
      else chars[i] = was;
    }
  }
  return cur;
}

// ---------- inputs ----------

export interface Corpus {
  /** Texts of real spec files, mutated as inputs. */
  readonly files: readonly string[];
}

type InputKind = 'big' | 'spec' | 'spec-mutated' | 'file' | 'file-mutated' | 'stream' | 'stream-mutated';

/** Share of inputs that are large (typed arrays' 16-bit limits, nesting limits); tests may lower it. */
let bigShare = 0.002;
export function setBigShare(share: number): void {
  bigShare = share;
}

/**
 * A file at one of the limits: 0, a column near 65,535; 1, lines and nodes near 65,535; 2, segment
 * text past 65,535 characters; 3, nesting near the fast path's and yaml's depth limits.
 */
export function bigInput(r: Rng, variant = r.int(4)): string {
  const head = 'apiVersion: meshc/v1\nkind: Mesh\nmetadata: { name: big }\nspec:\n';
  const near = (n: number): number => n - 8 + r.int(16);
  if (variant === 0) {
    const long = 'a'.repeat(near(65535) - (r.chance(0.5) ? 4 : 0));
    return (
      head + r.pick([`  x: ${long}\n  y: 1\n`, `  x: [${long}, b]\n`, `  ${long}: 1\n`, `  x: '${long}'\n`])
    );
  }
  if (variant === 1) {
    // lines and nodes past 65,535 (a line is 3 nodes' worth for a flow pair, 1 for a seq item)
    const n = near(r.chance(0.5) ? 65535 - 4 : 32766);
    const line = r.pick(['  - 1\n', '  - [a]\n', '  - {a: 1}\n', '  -\n']);
    return head + '  list:\n' + line.repeat(n);
  }
  if (variant === 2) {
    // segment text past 65,535 characters
    const keys = near(65) + 1;
    let out = head;
    for (let k = 0; k < keys; k++) out += `  ${String(k).padStart(3, '0')}${'k'.repeat(1000)}: ${k}\n`;
    return out;
  }
  // nesting around the fast path's and yaml's limits
  const depth = r.pick([near(40), near(100)]);
  if (r.chance(0.5)) return head + '  x: ' + '['.repeat(depth) + ']'.repeat(depth) + '\n';
  let out = head;
  const step = r.pick([1, 2]);
  for (let d = 0; d < depth; d++) out += `${sp(2 + d * step)}k${d}:\n`;
  return out.replace(/:\n$/, ': 1\n');
}

/** Input `i` of a run: a meshc-like spec (mostly), a mutated real file, or arbitrary YAML. */
export function inputFor(seed: number, i: number, corpus: Corpus): { kind: InputKind; text: string } {
  const r = makeRng(seedFor(seed, i));
  const x = r.next();
  if (x < bigShare) return { kind: 'big', text: bigInput(r) };
  if (x < 0.5) {
    const gen = new SpecGen(r);
    gen.tidy = r.chance(0.6);
    gen.wildness = gen.tidy ? r.pick([0, 0, 0, 0.01]) : r.pick([0, 0.01, 0.03, 0.1]);
    gen.spice = r.pick([0, 0.01, 0.03, 0.1]);
    const text = gen.file();
    if (r.chance(0.25)) return { kind: 'spec-mutated', text: mutate(r, text, 1 + r.int(3)) };
    return { kind: 'spec', text };
  }
  if (x < 0.8 && corpus.files.length > 0) {
    const text = r.pick(corpus.files);
    const n = r.chance(0.1) ? 0 : 1 + r.int(4);
    return n === 0 ? { kind: 'file', text } : { kind: 'file-mutated', text: mutate(r, text, n) };
  }
  const text = new StreamGen(r).stream();
  if (r.chance(0.3)) return { kind: 'stream-mutated', text: mutate(r, text, 1 + r.int(3)) };
  return { kind: 'stream', text };
}
