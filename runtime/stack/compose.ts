// Folds a declared list of wrappers (outermost first, as the stack reads top-down) around a
// terminal handler. Called once per route at activation; the result is a single Handler.
import type { Handler, Wrap } from './types.js';

export function compose(layers: readonly Wrap[], terminal: Handler): Handler {
  let handler = terminal;
  for (let i = layers.length - 1; i >= 0; i--) handler = layers[i]!(handler);
  return handler;
}
