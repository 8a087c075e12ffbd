// The few ANSI styles the text report uses, as functions that do nothing when colour is off, so the
// renderer never branches on colour itself.

export interface Palette {
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly red: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly cyan: (text: string) => string;
  readonly blue: (text: string) => string;
}

const style =
  (open: number, close: number) =>
  (text: string): string =>
    `\u001b[${open}m${text}\u001b[${close}m`;

const COLOURED: Palette = {
  bold: style(1, 22),
  dim: style(2, 22),
  red: style(31, 39),
  yellow: style(33, 39),
  cyan: style(36, 39),
  blue: style(34, 39),
};

const same = (text: string): string => text;
const PLAIN: Palette = { bold: same, dim: same, red: same, yellow: same, cyan: same, blue: same };

export function palette(color: boolean): Palette {
  return color ? COLOURED : PLAIN;
}
