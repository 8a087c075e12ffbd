// A one-line progress indicator for long commands, on stderr and only when stderr is a terminal: a
// pipe or a CI log gets nothing (no carriage returns in logs), and stdout keeps only the result.
// The line is redrawn in place (\r, erase line) and erased at the end, so what stays on screen is
// exactly what the command would print without it.
import type { CliIo } from './types.js';

/** Meshes at least this large show progress; smaller ones finish before a line would be read. */
export const PROGRESS_MIN_SERVICES = 200;

export interface Progress {
  /** Shows `label done/total (pct %)`. */
  update(label: string, done: number, total: number): void;
  /** Shows a status with no count (a stage whose size is not known yet). */
  status(text: string): void;
  /** Erases the line (before anything else is written to stderr, and at the end). */
  clear(): void;
}

const ERASE_LINE = '\r\u001b[2K';
const SILENT: Progress = { update() {}, status() {}, clear() {} };

export function terminalProgress(io: CliIo): Progress {
  if (io.stderrIsTTY !== true) return SILENT;
  let shown = false;
  const draw = (text: string) => {
    io.stderr.write(`${ERASE_LINE}${text}`);
    shown = true;
  };
  return {
    update(label, done, total) {
      const pct = total > 0 ? Math.floor((done * 100) / total) : 100;
      draw(`${label} ${done}/${total} (${pct} %)`);
    },
    status: draw,
    clear() {
      if (shown) io.stderr.write(ERASE_LINE);
      shown = false;
    },
  };
}
