/**
 * Many producers, one ring: the main thread and other threads (a real piscina pool, a plain
 * Worker) emit at the same time, released together from a shared-memory barrier. Each
 * producer's records must appear in its own order, complete, and no line may be torn.
 */
import path from 'node:path';
import { ThreadedJSONLSinkCollector } from 'calute-audit';
// The named export: under NodeNext the default import is typed as the CommonJS module, not the class (TS2351).
import { Piscina } from 'piscina';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-files.js';
import {
  checkNumberedLine,
  makeBarrier,
  numberedEvent,
  parseLines,
  readLines,
  releaseBarrier,
  startNumberedProducers,
  waitForArrivals,
} from './support/threaded-sink-kit.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

/**
 * Sequence verifier: every line parses and is exactly what its producer emitted, each
 * producer's sequence numbers are 0..count-1 in order, and the total is exact.
 */
function verifyProducers(file: string, counts: Record<string, number>): void {
  const lines = readLines(file);
  parseLines(lines);
  const seen: Record<string, number[]> = {};
  for (const line of lines) {
    const { producer, seq } = checkNumberedLine(line);
    seen[producer] ??= [];
    seen[producer].push(seq);
  }
  expect(Object.keys(seen).sort()).toStrictEqual(Object.keys(counts).sort());
  for (const [producer, count] of Object.entries(counts)) {
    expect(seen[producer], producer).toStrictEqual(Array.from({ length: count }, (_, seq) => seq));
  }
  expect(lines).toHaveLength(Object.values(counts).reduce((sum, count) => sum + count, 0));
}

function emitFromMain(sink: ThreadedJSONLSinkCollector, count: number): void {
  for (let seq = 0; seq < count; seq++) sink.emit(numberedEvent('main', seq));
}

describe('ThreadedJSONLSinkCollector: concurrent producers', () => {
  const tempDir = useTempDir('calute-');
  const WORKERS = 3;
  const PER_PRODUCER = 1500;

  // A small ring makes producers contend for space as well as for the lock.
  for (const mode of [
    { name: 'small ring', ringSize: 4096 },
    { name: 'default ring', ringSize: undefined },
  ]) {
    it(`connectCollector() in a piscina pool, concurrently with main-thread emit(): ${mode.name}`, async () => {
      const file = path.join(tempDir(), 'piscina.jsonl');
      const sink = new ThreadedJSONLSinkCollector(file, { ringSize: mode.ringSize });
      const pool = new Piscina({
        filename: fixture('emit-numbered-events.mjs').href,
        minThreads: WORKERS,
        maxThreads: WORKERS,
        atomics: 'disabled',
      });
      try {
        const { buffer, gate } = makeBarrier();
        const tasks = Array.from({ length: WORKERS }, (_, index) =>
          pool.run({ handle: sink.handle, barrier: buffer, producer: `pool-${index}`, count: PER_PRODUCER }),
        );
        // Every task is running and parked at the barrier: let them all go, and emit here too.
        await waitForArrivals(gate, WORKERS);
        releaseBarrier(gate);
        emitFromMain(sink, PER_PRODUCER);
        expect(await Promise.all(tasks)).toStrictEqual(Array(WORKERS).fill(PER_PRODUCER));
        sink.flush();

        const counts: Record<string, number> = { main: PER_PRODUCER };
        for (let index = 0; index < WORKERS; index++) counts[`pool-${index}`] = PER_PRODUCER;
        verifyProducers(file, counts);
        const stats = sink.stats();
        expect(stats.enqueuedEvents).toBe((WORKERS + 1) * PER_PRODUCER);
        expect(stats.writtenEvents).toBe((WORKERS + 1) * PER_PRODUCER);
        expect(stats.droppedEvents).toBe(0);
      } finally {
        await pool.close();
        sink.close();
      }
    });
  }

  it('connectCollector() in a worker_threads Worker (handle in workerData), concurrently with main', async () => {
    const file = path.join(tempDir(), 'worker.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file, { ringSize: 4096 });
    const { workers, replies, release } = await startNumberedProducers(
      sink.handle,
      ['worker-0', 'worker-1'],
      PER_PRODUCER,
    );
    try {
      release();
      emitFromMain(sink, PER_PRODUCER);
      expect(await Promise.all(replies)).toStrictEqual([{ done: PER_PRODUCER }, { done: PER_PRODUCER }]);
      sink.flush();
      verifyProducers(file, { main: PER_PRODUCER, 'worker-0': PER_PRODUCER, 'worker-1': PER_PRODUCER });
    } finally {
      await Promise.all(workers.map((worker) => worker.terminate()));
      sink.close();
    }
  });
});
