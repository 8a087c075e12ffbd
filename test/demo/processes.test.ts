// The demo's process registry: once cleanup has begun (a failure or Ctrl-C while sidecars are still
// being started), no further child may be spawned, since the cleanup would never stop it.
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cleanup, startChild } from '../../examples/demo/processes.js';

describe('demo processes', () => {
  it('starts no child once cleanup has begun', async () => {
    const stopping = cleanup();
    let late: ChildProcess | undefined;
    try {
      expect(() => {
        late = startChild(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], 'reviews-v1');
      }).toThrow('demo: not starting reviews-v1, the demo is stopping');
    } finally {
      late?.kill();
    }
    await stopping;
  });
});
