// The JavaScript regex syntax RE2 (Envoy's safe_regex) refuses or reads differently, found in the
// parsed pattern. The proxy runs spec regexes as JavaScript and Envoy as RE2: validation accepts only
// what both read the same way, so `meshc compile` never emits an Envoy config Envoy refuses, and the
// two targets route alike. Found in the regexpp AST rather than by compiling each pattern with an RE2
// build: the compiler stays free of a WebAssembly engine (and its load time in every `meshc validate`),
// and an RE2 build could not catch `\s`, which RE2 compiles but reads differently.
import { type AST, visitRegExpAST } from '@eslint-community/regexpp';

/** RE2's largest repetition count (`{1001}` is "bad repetition operator"). */
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
  visitRegExpAST(pattern, {
    onCharacterEnter(node) {
      if (node.raw.startsWith('\\u'))
        found(
          `\`${node.raw}\` (RE2 has no \\u escapes: write the character itself, or \`\\xHH\` below U+0100)`,
        );
      else if (node.raw.startsWith('\\c'))
        found(`control escape \`${node.raw}\` (not supported by RE2: write \`\\xHH\`)`);
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
      const max = Number.isFinite(node.max) ? node.max : node.min;
      if (max > RE2_MAX_REPEAT)
        found(`repetition \`${node.raw}\` (RE2 repeats at most ${RE2_MAX_REPEAT} times)`);
    },
  });
  return reason;
}

function sharedProperty(name: string): boolean {
  return SHARED_PROPERTY.test(name) && !RE2_UNKNOWN_PROPERTY.has(name);
}
