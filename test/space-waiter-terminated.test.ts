/**
 * A producer thread terminated while it waited for space (a piscina task aborted while the
 * ring was full) leaves nothing behind: once another producer takes the lock over from the
 * dead thread, the "someone waits for space" flag is down, and the drain goes back to letting
 * batches build up (drainIntervalMs) instead of writing every record at once. Before, a count
 * of space waiters stayed raised for good: the drain took every batch as urgent, and
 * throughput fell 1.7 times for the rest of the process.
 */
import { Worker } from 'node:worker_threads';
import { ThreadedJSONLSinkCollector } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { LOCK, SPACE_WAIT } from '../src/shared/protocol.js';
import { useTempDir } from './support/temp-files.js';
import {
  checkNumberedLine,
  FIXED_TIMESTAMP,
  makeFifo,
  numberedEvent,
  sleepSync,
  splitLines,
} from './support/threaded-sink-kit.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
/** Long: an urgent drain writes at once, a dozing one waits this long for a batch. */
const DRAIN_INTERVAL_MS = 1000;

/** Polls `condition` every millisecond for up to 10 s. */
function waitFor(what: string, condition: () => boolean): void {
  const deadline = performance.now() + 10_000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    sleepSync(1);
  }
}

describe('ThreadedJSONLSinkCollector: a producer terminated while it waits for space', () => {
  const tempDir = useTempDir('calute-space-waiter-');

  it('worker.terminate() during its wait: after the lock is taken over the flag is down and the drain dozes again', async () => {
    // The test holds the read end and reads only when it says so.
    const fifo = makeFifo(tempDir());
    const sink = new ThreadedJSONLSinkCollector(fifo.path, {
      allowNonRegularFile: true,
      ringSize: 4096,
      waitTimeoutMs: 20_000,
      drainIntervalMs: DRAIN_INTERVAL_MS,
    });
    const control = new Int32Array(sink.handle.buffer, 0, 32);
    try {
      await sink.ready();
      // The worker fills the pipe (64 KiB) and the ring, then waits for space with the lock held.
      const worker = new Worker(fixture('worker-emit-numbered-events.mjs'), {
        workerData: { handle: sink.handle, producer: 'worker', count: 1_000_000 },
      });
      worker.on('error', () => {});
      // Waits for the steady state: the worker waits for space and the drain can write no more
      // (the pipe is full): a first wait for space may end when the drain catches up.
      let writtenSoFar = -1;
      let stillSince = performance.now();
      waitFor('the worker waits for space with the pipe full', () => {
        const now = sink.stats().writtenBytes;
        if (now !== writtenSoFar || Atomics.load(control, SPACE_WAIT) === 0) {
          writtenSoFar = now;
          stillSince = performance.now();
          return false;
        }
        return performance.now() - stillSince >= 100;
      });
      await worker.terminate();
      expect(Atomics.load(control, LOCK)).not.toBe(0);

      // The destination takes everything the ring holds; then this thread's emit takes the lock
      // over from the dead worker (after its half-second owner check).
      waitFor('the ring is empty', () => {
        fifo.readAvailable();
        return sink.stats().pendingBytes === 0;
      });
      sink.emit(numberedEvent('main', 0, FIXED_TIMESTAMP));
      sink.flush();
      expect(Atomics.load(control, SPACE_WAIT)).toBe(0);

      // Nobody waits: a few records (less than half the ring, which would wake the drain) are
      // left to build up into a batch, not written at once.
      fifo.readAvailable();
      sleepSync(100);
      const written = sink.stats().writtenEvents;
      for (let seq = 1; seq <= 3; seq++) sink.emit(numberedEvent('main', seq, FIXED_TIMESTAMP));
      expect(sink.stats().pendingBytes).toBeLessThan(4096 / 2);
      sleepSync(DRAIN_INTERVAL_MS / 5);
      expect(sink.stats().writtenEvents).toBe(written);

      sink.flush();
      fifo.readAvailable();
      const lines = splitLines(Buffer.concat(fifo.received));
      const main = lines
        .map((line) => checkNumberedLine(line))
        .filter((record) => record.producer === 'main');
      expect(main.map((record) => record.seq)).toStrictEqual([0, 1, 2, 3]);
      // The worker's records that got in are whole and in order.
      const seqs = lines
        .map((line) => checkNumberedLine(line))
        .filter((record) => record.producer === 'worker');
      expect(seqs.map((record) => record.seq)).toStrictEqual(seqs.map((_, seq) => seq));
    } finally {
      sink.close();
      fifo.close();
    }
  });
});
