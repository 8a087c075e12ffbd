// A retry budget (Finagle's RetryBudget, Linkerd's retry budget): retries may add at most `percent`
// of the recent request rate, plus a floor of `minPerSecond`, so a failing upstream sees bounded
// extra load instead of a retry storm. Recent = a sliding window of one-second slots on an injected clock.
import type { BundleRetries } from '../../schema/bundle.types.generated.js';
import type { Clock } from '../clock.js';

const SLOT_MS = 1000;
/** 100 tokens buy one retry; a request deposits `percent` tokens. */
const RETRY_COST = 100;

export class RetryBudget {
  private readonly slots: Float64Array;
  private readonly slotIds: Float64Array;
  private readonly reserve: number;

  constructor(
    private readonly budget: BundleRetries['budget'],
    private readonly clock: Pick<Clock, 'now'>,
    windowSeconds = 10,
  ) {
    this.slots = new Float64Array(windowSeconds);
    this.slotIds = new Float64Array(windowSeconds).fill(-1);
    this.reserve = budget.minPerSecond * windowSeconds * RETRY_COST;
  }

  /** Called once per request that could be retried: it earns `percent`% of a retry. */
  recordRequest(): void {
    this.add(this.budget.percent);
  }

  /** Spends one retry if the window's balance allows it; false means "do not retry". */
  tryWithdraw(): boolean {
    if (this.balance() < RETRY_COST) return false;
    this.add(-RETRY_COST);
    return true;
  }

  /** Tokens available now: deposits minus withdrawals in the window, plus the per-second floor. */
  balance(): number {
    const current = Math.floor(this.clock.now() / SLOT_MS);
    let sum = this.reserve;
    for (let i = 0; i < this.slots.length; i++) {
      if (this.slotIds[i]! > current - this.slots.length) sum += this.slots[i]!;
    }
    return sum;
  }

  private add(tokens: number): void {
    const id = Math.floor(this.clock.now() / SLOT_MS);
    const i = id % this.slots.length;
    if (this.slotIds[i] !== id) {
      this.slotIds[i] = id;
      this.slots[i] = 0;
    }
    this.slots[i]! += tokens;
  }
}
