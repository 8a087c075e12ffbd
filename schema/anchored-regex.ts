// How a route or match regex is compiled wherever it is run: anchored at both ends (a full match, as
// Envoy's safe_regex), in Unicode mode (as validation checks it). The proxy's matcher and the
// compiler's shadowed-route check must read a pattern the same way; they had each written this.

/** `pattern` as a full-match RegExp; throws as `new RegExp` does for a pattern it cannot compile. */
export function anchoredRegex(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`, 'u');
}
