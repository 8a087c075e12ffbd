// Whether a worker thread would help: the cores other processes leave idle, measured from CPU time.
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import * as cores from '../../compiler/idle-cores.js';

describe('idle cores', () => {
  it('gives a worker per core more than half idle, up to the cap', () => {
    const n = availableParallelism();
    expect(cores.idleWorkerThreads(100, 0)).toBe(n - 1);
    expect(cores.idleWorkerThreads(100, n)).toBe(0);
    expect(cores.idleWorkerThreads(1.9, 0)).toBe(Math.min(n - 1, 1));
    expect(cores.idleWorkerThreads(100, n - 1.6)).toBe(1);
    expect(cores.idleWorkerThreads(100, n - 1.4)).toBe(0);
  });

  it('counts the cores other processes kept busy, not this one', () => {
    const from = { wallMs: 1_000, busyMs: 50_000, ownMs: 200 };
    // 200 ms: the machine used 300 ms of CPU, this process 180 of them: others kept 0.6 cores busy.
    expect(cores.othersBusyCores(from, { wallMs: 1_200, busyMs: 50_300, ownMs: 380 })).toBeCloseTo(0.6);
    // Only this process worked: nobody else is busy (never below zero, whatever the tick rounding).
    expect(cores.othersBusyCores(from, { wallMs: 1_200, busyMs: 50_190, ownMs: 400 })).toBe(0);
    // 30 ms is three ticks of the kernel's CPU accounting: too short to tell.
    expect(cores.othersBusyCores(from, { wallMs: 1_030, busyMs: 50_030, ownMs: 210 })).toBeUndefined();
  });

  it('samples the machine and this process', () => {
    const a = cores.sampleCpu();
    let spin = 0;
    for (const end = performance.now() + 20; performance.now() < end;) spin++;
    const b = cores.sampleCpu();
    expect(spin).toBeGreaterThan(0);
    expect(a && b).toBeTruthy();
    expect(b!.ownMs).toBeGreaterThan(a!.ownMs);
    expect(b!.busyMs).toBeGreaterThanOrEqual(a!.busyMs);
  });
});
