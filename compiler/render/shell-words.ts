// Command lines meshc prints for the user to run next ("next: meshc certs issue ..."), with each
// word quoted as POSIX sh reads it: a path with a space or a quote pastes into a shell as one word.

/** Words a shell takes as they are: no quoting needed. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** `word` as one shell word: unchanged when plain, else in single quotes (a `'` inside as `'\''`). */
export function shellWord(word: string): string {
  if (PLAIN.test(word)) return word;
  return `'${word.split("'").join(`'\\''`)}'`;
}

/** The words joined into one line a POSIX shell splits back into the same words. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellWord).join(' ');
}
