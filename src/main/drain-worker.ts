/**
 * Starts the drain worker: a plain `worker_threads` Worker, not a piscina task (a task that
 * never returns keeps the process alive, and piscina has no unref; see docs/design.md).
 * The worker file is resolved here and nowhere else.
 */
import { Worker } from 'node:worker_threads';
import type { DrainMessage, DrainWorkerData } from '#shared/protocol.js';

const DRAIN_WORKER_URL = new URL('../worker/drain.js', import.meta.url);

export interface DrainWorkerEvents {
  onMessage(message: DrainMessage): void;
  /** The worker ended; `error` is what it threw, if it threw. */
  onExit(worker: Worker, code: number, error: Error | undefined): void;
}

export function startDrainWorker(data: DrainWorkerData, events: DrainWorkerEvents): Worker {
  const worker = new Worker(DRAIN_WORKER_URL, {
    workerData: data,
    name: 'calute-audit drain',
    // The drain never keeps the process alive; exit hooks flush synchronously instead.
    stdout: false,
    stderr: false,
  });
  let thrown: Error | undefined;
  worker.on('message', (message: DrainMessage) => events.onMessage(message));
  worker.on('error', (error) => {
    thrown = error;
  });
  worker.on('exit', (code) => events.onExit(worker, code, thrown));
  // After the listeners: adding a 'message' listener refs the worker's port again (Node 20).
  worker.unref();
  return worker;
}
