// Where a compile's time goes: named points along the pipeline, recorded only once a caller asks
// (bench/compile's child, to break a one-service change down in bench/RESULTS.md). Off, each point
// costs one branch. Sessions before this one rebuilt the same breakdown by patching a copy of the
// bundle by hand.

let clock: (() => number) | undefined;
const marks: [name: string, at: number][] = [];

/** Starts recording the points passed from now on, timed by `now` (performance.now by default). */
export function recordPhases(now: () => number = () => performance.now()): void {
  clock = now;
  marks.length = 0;
}

/** The end of the phase `name`: the time since the previous point (or since recording began) is its. */
export function phaseEnds(name: string): void {
  if (clock) marks.push([name, clock()]);
}

/** What each phase took since `start`, by name, in the order first seen; a name passed twice adds up. */
export function phaseDurations(start: number): [name: string, ms: number][] {
  const out = new Map<string, number>();
  let last = start;
  for (const [name, at] of marks) {
    out.set(name, (out.get(name) ?? 0) + (at - last));
    last = at;
  }
  return [...out];
}
