// Worker thread entry of the emit pool (emit-pool.ts): each message is a batch of bundles as their
// canonical JSON bytes; it answers with what each bundle-only target made of each, the files' bytes
// transferred, not copied, when they are their own buffer. Holds no state between batches. An error
// other than a TargetError is not caught: the worker dies and the pool does the batch on the main
// thread, where it throws again.
import { parentPort } from 'node:worker_threads';
import { Claim, type EmitBatch, type EmitReply, runBundleTargets } from './bundle-targets.js';

const decoder = new TextDecoder();

parentPort?.on('message', ({ id, targets, bundles, claim }: EmitBatch) => {
  // The main thread may have taken the batch while it sat in this worker's queue.
  if (Atomics.compareExchange(claim, 0, Claim.unclaimed, Claim.worker) !== Claim.unclaimed) {
    parentPort?.postMessage({ id } satisfies EmitReply);
    return;
  }
  const outcomes = bundles.map((bytes) => runBundleTargets(targets, JSON.parse(decoder.decode(bytes))));
  const transfer = new Set<ArrayBuffer>();
  for (const perTarget of outcomes)
    for (const outcome of perTarget)
      if ('files' in outcome)
        for (const { bytes } of outcome.files) if (ownsBuffer(bytes)) transfer.add(bytes.buffer);
  const reply: EmitReply = { id, outcomes };
  parentPort?.postMessage(reply, [...transfer]);
});

/** Only a view that is its whole buffer may be transferred: a pooled Buffer shares its slab. */
function ownsBuffer(bytes: Uint8Array): bytes is Uint8Array<ArrayBuffer> {
  return (
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
  );
}
