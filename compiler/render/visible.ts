// Text from a spec (keys, values, file names) shown on a terminal or in a CI log: control characters
// are written as escapes, so a spec cannot clear the screen, recolour the report or rewrite a line
// (an ESC sequence in a key went out raw). Tabs are kept: code frames line up with them. Characters
// that reorder or break a line without being controls (bidirectional overrides: "Trojan Source";
// U+2028/2029) are escaped too, and a CI runner's in-line commands (`##[add-mask]`, `##vso[...]`,
// which GitHub's and Azure's runners find anywhere in a line, unlike `::`) are broken up.

/** C0 controls but tab, DEL, C1 controls, bidirectional marks and overrides, line and paragraph separators. */
const CONTROL =
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/** Also keeps CR and LF: where a line break means one (GitHub's %0A-encoded annotation lines). */
const CONTROL_BUT_BREAKS =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/** `##[` and `##vso[`: a runner command wherever it stands in a line of the log. */
const RUNNER_COMMAND = /##(?=\[|vso\[)/gi;

/**
 * `text` with each control character written as `\xNN` (`\n` and `\r` as those escapes; one above
 * U+00FF as `\u{NNNN}`), or with line breaks kept when `keepBreaks`; `##[` becomes `#\u200b#[`, which
 * reads the same and commands nothing.
 */
export function visible(text: string, keepBreaks = false): string {
  return text
    .replace(keepBreaks ? CONTROL_BUT_BREAKS : CONTROL, (c) => {
      if (c === '\n') return '\\n';
      if (c === '\r') return '\\r';
      const code = c.charCodeAt(0);
      return code > 0xff ? `\\u{${code.toString(16)}}` : `\\x${code.toString(16).padStart(2, '0')}`;
    })
    .replace(RUNNER_COMMAND, '#\u200b#');
}
