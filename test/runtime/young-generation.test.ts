// The sidecar's young-generation cap: in a child process (the cap is process-wide), a workload that
// keeps objects alive across many event-loop turns, as a busy proxy does, grows V8's new space to its
// default maximum without the cap and stays at the cap with it.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MODULE = fileURLToPath(new URL('../../dist/runtime/server/young-generation.js', import.meta.url));
const MB = 1024 * 1024;

/** Runs the workload in a fresh node and returns its final new-space size in bytes. */
function newSpaceAfterLoad(capBytes: number | null): number {
  const script = `
    import v8 from 'node:v8';
    const { capYoungGeneration } = await import(${JSON.stringify(MODULE)});
    if (${capBytes} !== null) capYoungGeneration(${capBytes});
    // Requests in flight: objects that survive a few scavenges, then die.
    let live = [];
    for (let turn = 0; turn < 3000; turn++) {
      for (let i = 0; i < 400; i++) live.push({ id: turn * 400 + i, headers: ['a', String(i)] });
      if (live.length > 40000) live = live.slice(20000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    process.stdout.write(String(ns.space_size));
  `;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

describe('capYoungGeneration', () => {
  it('keeps the new space at the cap where V8 would otherwise keep growing it', () => {
    const uncapped = newSpaceAfterLoad(null);
    const capped = newSpaceAfterLoad(4 * MB);
    expect(uncapped).toBeGreaterThan(8 * MB);
    expect(capped).toBe(4 * MB);
  }, 60_000);
});
