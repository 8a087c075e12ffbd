// A loopback port whose TCP connects get no answer, as a blackholed address's: its listener lives in
// a worker thread blocked in Atomics.wait, so nothing accepts, and once its accept queue is full the
// kernel drops further SYNs (Linux: a listen backlog of 1 queues 2 connections). A connect to it
// neither succeeds nor fails until the kernel gives up, minutes later.
import net from 'node:net';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

const LISTENER = `
const net = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
const server = net.createServer((s) => s.destroy());
server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  // Blocks this thread's event loop: the listener accepts nothing until the test lets go.
  Atomics.wait(new Int32Array(workerData), 0, 0);
  server.close();
});
`;

/** Connections the accept queue holds before SYNs are dropped (backlog 1). */
const QUEUE_LENGTH = 2;

export interface UnansweredPort {
  readonly port: number;
  close(): Promise<void>;
}

export async function unansweredPort(): Promise<UnansweredPort> {
  const gate = new SharedArrayBuffer(4);
  const worker = new Worker(LISTENER, { eval: true, workerData: gate });
  const [port] = (await once(worker, 'message')) as [number];
  // Fills the accept queue: the kernel completes these handshakes without the listener.
  const fillers = Array.from({ length: QUEUE_LENGTH }, () => net.connect({ host: '127.0.0.1', port }));
  await Promise.all(fillers.map((s) => once(s, 'connect')));
  return {
    port,
    async close() {
      for (const s of fillers) s.destroy();
      const exited = once(worker, 'exit');
      const flag = new Int32Array(gate);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      await exited;
    },
  };
}
