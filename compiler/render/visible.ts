// Text from a spec (keys, values, file names) shown on a terminal or in a CI log: control characters
// are written as escapes, so a spec cannot clear the screen, recolour the report or rewrite a line
// (an ESC sequence in a key went out raw). Tabs are kept: code frames line up with them.

/** C0 controls but tab, DEL and C1 controls. */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

/** Also keeps CR and LF: where a line break means one (GitHub's %0A-encoded annotation lines). */
const CONTROL_BUT_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/**
 * `text` with each control character written as `\xNN` (`\n` and `\r` as those escapes), or with
 * line breaks kept when `keepBreaks`.
 */
export function visible(text: string, keepBreaks = false): string {
  return text.replace(keepBreaks ? CONTROL_BUT_BREAKS : CONTROL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}
