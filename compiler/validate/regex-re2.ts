// The JavaScript regex syntax RE2 (Envoy's safe_regex) refuses or reads differently, found in the
// parsed pattern. The proxy runs spec regexes as JavaScript and Envoy as RE2: validation accepts only
// what both read the same way, so `meshc compile` never emits an Envoy config Envoy refuses, and the
// two targets route alike. Found in the regexpp AST rather than by compiling each pattern with an RE2
// build: the compiler stays free of a WebAssembly engine (and its load time in every `meshc validate`),
// and an RE2 build could not catch `\s`, which RE2 compiles but reads differently.
import { type AST, visitRegExpAST } from '@eslint-community/regexpp';

/**
 * RE2's largest repetition count (`{1001}` is "bad repetition operator"), which also bounds nested
 * counts multiplied: `(?:a{10}){101}` is "bad repetition operator: {101}" (RE2's RepetitionWalker
 * divides 1000 by each count, the largest or else the least, down every nesting; `*`, `+` and `?`
 * are no counted repetition).
 */
const RE2_MAX_REPEAT = 1000;

/**
 * `\p{...}` names JavaScript accepts alone that RE2 knows too: general categories by their short
 * names (not Cn, unassigned, nor LC), and Any.
 */
const SHARED_PROPERTY = /^(?:[CLMNPSZ][a-z]?|Any)$/;
const RE2_UNKNOWN_PROPERTY = new Set(['Cn', 'LC']);

/** Why RE2 cannot run `pattern` as JavaScript does (naming the part, and what to write), or undefined. */
export function findRe2Only(pattern: AST.Pattern): string | undefined {
  let reason: string | undefined;
  const found = (why: string) => {
    reason ??= why;
  };
  /** The repetitions of the quantifiers the visit is inside, multiplied (RE2 bounds the product). */
  const repeats = [1];
  visitRegExpAST(pattern, {
    onCharacterEnter(node) {
      if (node.raw.startsWith('\\u'))
        found(
          `\`${node.raw}\` (RE2 has no \\u escapes: write the character itself, or \`\\xHH\` below U+0100)`,
        );
      else if (node.raw.startsWith('\\c'))
        found(`control escape \`${node.raw}\` (not supported by RE2: write \`\\xHH\`)`);
      // Outside a class `\b` is a word boundary (an assertion, not a character): here it is in one.
      else if (node.raw === '\\b')
        found('`\\b` in a class (a backspace in JavaScript, an invalid escape to RE2: write `\\x08`)');
    },
    onCharacterClassEnter(node) {
      if (node.elements.length === 0)
        found(
          `empty class \`${node.raw}\` (RE2 reads a \`]\` right after \`[\` or \`[^\` as a character: for any character write \`[\\d\\D]\`)`,
        );
    },
    onCapturingGroupEnter(node) {
      if (node.name !== null)
        found(
          `named group \`(?<${node.name}>\` (RE2 spells it \`(?P<${node.name}>\`; write \`(?:\` instead)`,
        );
    },
    onCharacterSetEnter(node) {
      if (node.kind === 'space')
        found(
          `\`${node.raw}\` (JavaScript's matches Unicode spaces such as U+00A0, RE2's only ASCII whitespace: write the characters meant, e.g. \`[ \\t]\`)`,
        );
      else if (node.kind === 'property' && !sharedProperty(node.raw.slice(3, -1)))
        found(
          `\`${node.raw}\` (RE2 knows only general categories by their short names, such as \`\\p{L}\` or \`\\p{Nd}\`, and scripts as \`\\p{Greek}\`, which JavaScript does not take)`,
        );
    },
    onQuantifierEnter(node) {
      const count = Number.isFinite(node.max) ? node.max : node.min;
      const total = repeats[repeats.length - 1]! * Math.max(1, count);
      repeats.push(total);
      if (count > RE2_MAX_REPEAT)
        found(`repetition \`${node.raw}\` (RE2 repeats at most ${RE2_MAX_REPEAT} times)`);
      else if (total > RE2_MAX_REPEAT)
        found(
          `repetition \`${node.raw}\` inside others: ${total} times in all (RE2 repeats at most ${RE2_MAX_REPEAT} times, nested counts multiplied)`,
        );
    },
    onQuantifierLeave() {
      repeats.pop();
    },
  });
  return reason;
}

function sharedProperty(name: string): boolean {
  return SHARED_PROPERTY.test(name) && !RE2_UNKNOWN_PROPERTY.has(name);
}
