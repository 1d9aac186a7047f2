/**
 * The full-ring policies. 'wait' (the default) loses nothing when the drain is slower than
 * the producers, and gives up after waitTimeoutMs with a named error; 'drop' counts every
 * record it drops. A FIFO whose reader the test controls makes the drain as slow as needed:
 * while nobody reads it, the drain blocks in write() and the ring fills.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AuditError, AuditTimeoutError, ThreadedJSONLSinkCollector } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-files.js';
import {
  checkNumberedLine,
  FIXED_TIMESTAMP,
  makeFifo,
  numberedEvent,
  parseLines,
  splitLines,
} from './support/threaded-sink-kit.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

function runWorker<T>(file: string, workerData: unknown): Promise<T> {
  const worker = new Worker(fixture(file), { workerData });
  return new Promise<T>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`${file} exited with code ${code} before answering`)));
  });
}

/** Checks the lines are whole numbered events of `producer`, strictly in order; returns their seqs. */
function orderedSeqs(lines: readonly string[], producer: string): number[] {
  const seqs = lines.map((line) => {
    const parsed = checkNumberedLine(line);
    expect(parsed.producer).toBe(producer);
    return parsed.seq;
  });
  for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]);
  return seqs;
}

describe("ThreadedJSONLSinkCollector: onFull 'wait'", () => {
  const tempDir = useTempDir('calute-');
  const COUNT = 2000;

  for (const mode of ['regular file', 'FIFO read slowly by another thread'] as const) {
    it(`emit() burst into a tiny ring: nothing lost (${mode})`, async () => {
      const dir = tempDir();
      const lines = Array.from({ length: COUNT }, (_, seq) =>
        numberedEvent('main', seq, FIXED_TIMESTAMP).serialize(),
      );
      const totalBytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
      // More than the ring and a pipe's buffer (64 KiB) together: the producer must wait.
      expect(totalBytes).toBeGreaterThan(4 * 64 * 1024);

      const fifo = mode === 'regular file' ? undefined : makeFifo(dir);
      const file = fifo?.path ?? path.join(dir, 'burst.jsonl');
      const reader = fifo
        ? runWorker<Uint8Array>('slow-fifo-reader.mjs', {
            fd: fifo.readFd,
            totalBytes,
            chunkBytes: 4096,
            pauseMs: 1,
          })
        : undefined;
      const sink = new ThreadedJSONLSinkCollector(file, {
        ringSize: 1024,
        onFull: 'wait',
        allowNonRegularFile: fifo !== undefined,
      });
      try {
        for (let seq = 0; seq < COUNT; seq++) sink.emit(numberedEvent('main', seq, FIXED_TIMESTAMP));
        sink.flush();
        const written = reader ? Buffer.from(await reader) : fs.readFileSync(file);
        const got = splitLines(written);
        expect(got).toHaveLength(COUNT);
        expect(orderedSeqs(got, 'main')).toStrictEqual(lines.map((_, seq) => seq));
        expect(got).toStrictEqual(lines);

        const stats = sink.stats();
        expect(stats.droppedEvents).toBe(0);
        expect(stats.droppedBytes).toBe(0);
        expect(stats.enqueuedEvents).toBe(COUNT);
        expect(stats.writtenBytes).toBe(totalBytes);
        expect(stats.highWaterBytes).toBeLessThanOrEqual(1024);
        if (fifo) {
          // The burst outran the blocked drain: the ring filled up to less than one record.
          const maxLineBytes = Math.max(...lines.map((line) => Buffer.byteLength(line) + 1));
          expect(stats.highWaterBytes).toBeGreaterThan(1024 - maxLineBytes);
        }
      } finally {
        sink.close();
        fifo?.close();
      }
    });
  }

  it('emit() with waitTimeoutMs 200 and a destination nobody reads: AuditTimeoutError, no torn line', () => {
    const fifo = makeFifo(tempDir());
    const sink = new ThreadedJSONLSinkCollector(fifo.path, {
      ringSize: 1024,
      onFull: 'wait',
      waitTimeoutMs: 200,
      allowNonRegularFile: true,
    });
    try {
      let emitted = 0;
      let thrown: unknown;
      let elapsed = 0;
      // The pipe holds 64 KiB, the ring 1 KiB: a few hundred records, then emit must wait.
      for (let seq = 0; seq < 100_000 && thrown === undefined; seq++) {
        const start = performance.now();
        try {
          sink.emit(numberedEvent('main', seq, FIXED_TIMESTAMP));
          emitted++;
        } catch (error) {
          elapsed = performance.now() - start;
          thrown = error;
        }
      }
      expect(thrown).toBeInstanceOf(AuditTimeoutError);
      expect(thrown).toBeInstanceOf(AuditError);
      expect((thrown as AuditTimeoutError).code).toBe('ERR_AUDIT_RING_FULL_TIMEOUT');
      expect((thrown as Error).message).toBe(
        'emit timed out after 200 ms waiting for space in the ring (the destination is not keeping up)',
      );
      expect(elapsed).toBeGreaterThanOrEqual(200);
      expect(elapsed).toBeLessThan(5000);
      expect(emitted).toBeGreaterThan(100);

      // Once the reader catches up, every emit before the failed one is there, whole and in
      // order, and the failed one left no fragment behind to tear the next line.
      const before = splitLines(fifo.readUntil(sink.stats().enqueuedBytes));
      expect(orderedSeqs(before, 'main')).toStrictEqual(Array.from({ length: emitted }, (_, seq) => seq));
      sink.emit(numberedEvent('after', 0, FIXED_TIMESTAMP));
      sink.flush();
      const all = splitLines(fifo.readUntil(sink.stats().enqueuedBytes));
      expect(all).toHaveLength(emitted + 1);
      expect(checkNumberedLine(all[emitted])).toStrictEqual({ producer: 'after', seq: 0 });
    } finally {
      sink.close();
      fifo.close();
    }
  });
});

describe("ThreadedJSONLSinkCollector: onFull 'drop'", () => {
  const tempDir = useTempDir('calute-');
  const COUNT = 3000;

  for (const mode of ['main thread', 'connected worker'] as const) {
    it(`emit() burst while the destination is not read: drops counted exactly and marked in the trail (${mode})`, async () => {
      const fifo = makeFifo(tempDir());
      const sink = new ThreadedJSONLSinkCollector(fifo.path, {
        ringSize: 4096,
        onFull: 'drop',
        allowNonRegularFile: true,
      });
      try {
        const producer = mode === 'main thread' ? 'main' : 'worker';
        if (mode === 'main thread') {
          for (let seq = 0; seq < COUNT; seq++) sink.emit(numberedEvent(producer, seq, FIXED_TIMESTAMP));
        } else {
          const reply = await runWorker<{ done: number }>('worker-emit-numbered-events.mjs', {
            handle: sink.handle,
            producer,
            count: COUNT,
          });
          expect(reply.done).toBe(COUNT);
        }
        // Only now read the FIFO; then the flush writes the mark for the drops at the end of the burst.
        fifo.readUntil(sink.stats().enqueuedBytes);
        sink.flush();
        const all = splitLines(fifo.readUntil(sink.stats().enqueuedBytes));
        expect(fifo.readAvailable()).toBe(0);

        // Every kept line is whole and in order; each gap in the sequence is told by one
        // events_dropped mark in its place, whose count is the gap's size.
        const stats = sink.stats();
        const marks = all.filter((line) => line.startsWith('{"event_type":"events_dropped"'));
        const lines = all.filter((line) => !marks.includes(line));
        const seqs = orderedSeqs(lines, producer);
        parseLines(lines);
        expect(stats.droppedEvents).toBeGreaterThan(0);
        expect(marks.length).toBeGreaterThan(0);
        let expectedSeq = 0;
        let marked = 0;
        for (const line of all) {
          const record = JSON.parse(line);
          if (record.event_type === 'events_dropped') {
            expect(record.severity).toBe('warning');
            marked += record.dropped_events;
            continue;
          }
          const seq = record.metadata.seq;
          // Every record missing before this one was counted by the marks since the last kept one.
          expect(seq - expectedSeq).toBe(marked);
          expectedSeq = seq + 1;
          marked = 0;
        }
        expect(COUNT - expectedSeq).toBe(marked);
        expect(stats.droppedEvents + lines.length).toBe(COUNT);
        const markTotals = marks.map((line) => JSON.parse(line));
        expect(markTotals.reduce((sum, mark) => sum + mark.dropped_events, 0)).toBe(stats.droppedEvents);
        expect(markTotals.reduce((sum, mark) => sum + mark.dropped_bytes, 0)).toBe(stats.droppedBytes);
        expect(stats.enqueuedEvents).toBe(all.length);
        expect(stats.writtenEvents).toBe(all.length);
        const kept = new Set(seqs);
        let droppedBytes = 0;
        for (let seq = 0; seq < COUNT; seq++) {
          // Lines have the same length whatever their timestamp (a fixed format).
          if (!kept.has(seq)) droppedBytes += Buffer.byteLength(numberedEvent(producer, seq).serialize()) + 1;
        }
        expect(stats.droppedBytes).toBe(droppedBytes);
        expect(stats.highWaterBytes).toBeLessThanOrEqual(4096);
      } finally {
        sink.close();
        fifo.close();
      }
    });
  }
});
