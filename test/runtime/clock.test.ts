// The real clock's timers: a delay past Node's longest timer must wait, not fire at once.
import { expect, it } from 'vitest';
import { MAX_TIMER_MS, systemClock } from '../../runtime/clock.js';

it('waits out a delay longer than Node can time (timeout: 600h) instead of firing after 1 ms', async () => {
  let fired = 0;
  const handle = systemClock.setTimer(() => fired++, 600 * 3_600_000, undefined);
  try {
    // Node turns an overlong delay into 1 ms: a route timeout of 600h ended every request at once.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fired).toBe(0);
  } finally {
    systemClock.clearTimer(handle);
  }
  expect(MAX_TIMER_MS).toBe(2 ** 31 - 1);
});
