// SIGINT and SIGTERM as a request to stop `meshc proxy` gracefully (decision 0064). bin/meshc.js
// listens before it loads the CLI, so a signal while the proxy starts is a graceful stop (exit 0) too,
// and the listeners stay while the proxy drains: a second signal (coreutils `timeout` sends two, a
// second Ctrl-C) is reported, not Node's default death by signal. SIGKILL still forces the stop.
// No imports: bin/meshc.js loads this file before anything else.

export interface StopSignals {
  /** Resolves with the first SIGINT or SIGTERM. */
  readonly first: Promise<NodeJS.Signals>;
  /** The first signal, once it came (null before). */
  received(): NodeJS.Signals | null;
  /**
   * `report` is called once, with the first signal after the first one (also when that came before
   * `report` was given); later ones are ignored quietly.
   */
  onRepeat(report: (signal: NodeJS.Signals) => void): void;
  /**
   * Stops listening, so the signals' default handling applies again, unless a signal came: then the
   * process is stopping, and one more signal must not cut what is left of the stop.
   */
  dispose(): void;
}

let current: StopSignals | undefined;

/** Starts listening, or returns the listening already started (by bin/meshc.js) with what it heard. */
export function listenForStop(): StopSignals {
  current ??= startListening();
  return current;
}

function startListening(): StopSignals {
  let first: NodeJS.Signals | null = null;
  let repeated: NodeJS.Signals | null = null;
  let report: ((signal: NodeJS.Signals) => void) | null = null;
  let reported = false;
  let resolveFirst!: (signal: NodeJS.Signals) => void;
  const firstSignal = new Promise<NodeJS.Signals>((resolve) => (resolveFirst = resolve));
  const tell = () => {
    if (reported || !report || !repeated) return;
    reported = true;
    report(repeated);
  };
  const heard = (signal: NodeJS.Signals) => {
    if (first === null) {
      first = signal;
      resolveFirst(signal);
      return;
    }
    repeated ??= signal;
    tell();
  };
  process.on('SIGINT', heard);
  process.on('SIGTERM', heard);
  return {
    first: firstSignal,
    received: () => first,
    onRepeat(next) {
      report = next;
      tell();
    },
    dispose() {
      if (first !== null) return;
      process.off('SIGINT', heard);
      process.off('SIGTERM', heard);
      current = undefined;
    },
  };
}
