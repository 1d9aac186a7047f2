/**
 * 'drop' mode never waits for space: not for a record larger than the ring, not for the
 * records after it. With a destination that takes nothing (a FIFO nobody reads), an oversize
 * record is dropped at once and counted, every later emit returns at once and is counted, and
 * the trail marks the drops (`events_dropped`) once the destination moves again. Before, the
 * oversize record streamed, waited waitTimeoutMs and threw ERR_AUDIT_RING_FULL_TIMEOUT, and
 * the line it left open made every later emit wait waitTimeoutMs and throw, uncounted.
 */
import { Worker } from 'node:worker_threads';
import { ThreadedJSONLSinkCollector, TurnEndEvent } from 'calute-audit';
import { describe, expect, it } from 'vitest';
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

const RING_SIZE = 4096;
/** Long enough that a single wait for space would show in the timings below. */
const WAIT_TIMEOUT_MS = 2000;
const AFTER = 200;
/** What a pipe holds on Linux by default (pipe(7)). */
const PIPE_BYTES = 65_536;
/** Ten times the ring, as test/fixtures/worker-emit-big-record.mjs makes it in a worker. */
const BIG_BYTES = 40_000;

const bigEvent = () =>
  new TurnEndEvent({
    timestamp: FIXED_TIMESTAMP,
    contentPreview: 'big',
    metadata: { payload: 'y'.repeat(BIG_BYTES) },
  });

describe("ThreadedJSONLSinkCollector({ onFull: 'drop' }): a record larger than the ring, destination not read", () => {
  const tempDir = useTempDir('calute-drop-oversize-');

  for (const producer of ['main thread', 'connected worker'] as const) {
    it(`an oversize record from the ${producer}, then ${AFTER} more emits: each returns at once, all counted, marks in the trail`, async () => {
      const fifo = makeFifo(tempDir());
      const sink = new ThreadedJSONLSinkCollector(fifo.path, {
        allowNonRegularFile: true,
        ringSize: RING_SIZE,
        onFull: 'drop',
        waitTimeoutMs: WAIT_TIMEOUT_MS,
      });
      try {
        // The drain runs, then the pipe (64 KiB) and the ring fill up: once the drain has written
        // nothing more for a while and records are being dropped, the destination takes nothing.
        // ready(): the drain worker runs, so the drain that stops writing below is the one that
        // blocks on the pipe, not one that has not started yet.
        await sink.ready();
        let seq = 0;
        sink.emit(numberedEvent('main', seq++, FIXED_TIMESTAMP));
        sink.flush();
        // The pipe is full when the drain has written most of its 64 KiB (Linux's default pipe
        // size; the last batch may not fit whole) and nothing more for three looks: a drain
        // thread not scheduled for a while on a loaded machine also writes nothing for one.
        const deadline = performance.now() + 10_000;
        for (let written = -1, still = 0; ; ) {
          for (let index = 0; index < 50; index++) sink.emit(numberedEvent('main', seq++, FIXED_TIMESTAMP));
          const stats = sink.stats();
          still = stats.writtenBytes === written ? still + 1 : 0;
          if (still >= 3 && stats.writtenBytes > (PIPE_BYTES * 3) / 4 && stats.droppedEvents > 0) break;
          if (performance.now() > deadline) throw new Error('the pipe never filled up');
          written = stats.writtenBytes;
          sleepSync(50);
        }
        const before = sink.stats();

        const started = performance.now();
        if (producer === 'main thread') {
          sink.emit(bigEvent());
        } else {
          const worker = new Worker(fixture('worker-emit-big-record.mjs'), {
            workerData: { handle: sink.handle, bytes: BIG_BYTES, timestamp: FIXED_TIMESTAMP },
          });
          const reply = await new Promise((resolve, reject) => {
            worker.once('message', resolve);
            worker.once('error', reject);
          });
          expect(reply).toStrictEqual({ done: true });
        }
        const bigMs = performance.now() - started;
        // Dropped, not streamed: counted at once. It takes a place in the sequence numbers.
        expect(sink.stats().droppedEvents).toBe(before.droppedEvents + 1);
        seq++;
        const afterStarted = performance.now();
        for (let index = 0; index < AFTER; index++) sink.emit(numberedEvent('main', seq++, FIXED_TIMESTAMP));
        const afterMs = performance.now() - afterStarted;
        // No wait for space anywhere: far below one waitTimeoutMs (a worker's start-up aside).
        if (producer === 'main thread') expect(bigMs).toBeLessThan(WAIT_TIMEOUT_MS / 4);
        expect(afterMs).toBeLessThan(WAIT_TIMEOUT_MS / 4);
        // The destination took next to nothing: most of them were dropped too.
        expect(sink.stats().droppedEvents).toBeGreaterThan(before.droppedEvents + AFTER / 2);

        // The destination moves again: what was kept arrives whole, then the mark of the drops.
        fifo.readUntil(sink.stats().enqueuedBytes);
        sink.flush();
        const lines = splitLines(fifo.readUntil(sink.stats().enqueuedBytes));
        const stats = sink.stats();
        expect(lines).toHaveLength(stats.enqueuedEvents);
        // Every kept record is whole and in order, and each gap in the sequence is told by the
        // events_dropped marks since the record before it, to the record.
        let expectedSeq = 0;
        let marked = 0;
        let markedEvents = 0;
        let markedBytes = 0;
        for (const line of lines) {
          const record = JSON.parse(line);
          if (record.event_type === 'events_dropped') {
            expect(record.severity).toBe('warning');
            marked += record.dropped_events;
            markedEvents += record.dropped_events;
            markedBytes += record.dropped_bytes;
            continue;
          }
          const kept = checkNumberedLine(line).seq;
          expect(kept - expectedSeq).toBe(marked);
          expectedSeq = kept + 1;
          marked = 0;
        }
        // The last mark, written by the flush, tells the drops after the last record kept.
        expect(JSON.parse(lines.at(-1)!).event_type).toBe('events_dropped');
        expect(seq - expectedSeq).toBe(marked);
        expect(markedEvents).toBe(stats.droppedEvents);
        expect(markedBytes).toBe(stats.droppedBytes);
      } finally {
        sink.close();
        fifo.close();
      }
    });
  }
});
