/**
 * 'wait' mode, a slow destination that keeps moving (a FIFO read in small chunks with pauses),
 * and one producer streaming a record larger than the ring: it holds the ring lock for as
 * long as the record takes to go through, here far longer than waitTimeoutMs. Another
 * producer's emit waits for the lock that whole time without throwing: a wait that sees bytes
 * move is not a timeout. Before, it threw ERR_AUDIT_LOCK_TIMEOUT after waitTimeoutMs while
 * megabytes kept flowing.
 */
import { Worker } from 'node:worker_threads';
import { JSONLSinkCollector, ThreadedJSONLSinkCollector, TurnEndEvent } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { TORN } from '../src/shared/protocol.js';
import { useTempDir } from './support/temp-files.js';
import {
  FIXED_TIMESTAMP,
  jsonlBytes,
  makeFifo,
  numberedEvent,
  sleepSync,
} from './support/threaded-sink-kit.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

const RING_SIZE = 64 * 1024;
const WAIT_TIMEOUT_MS = 300;
/** About a second through a reader taking 16 KiB every 5 ms: more than three times waitTimeoutMs. */
const BIG_BYTES = 3_000_000;
const MAX_RECORD_BYTES = 4 * 1024 * 1024;
const SMALL = 20;

/** The line the sink writes for `event` with the record cap used here (the encoder's own output). */
function lineOf(event: TurnEndEvent): string {
  let text = '';
  const sink = new JSONLSinkCollector(
    { write: (chunk: string) => (text += chunk) },
    { maxRecordBytes: MAX_RECORD_BYTES },
  );
  sink.emit(event);
  return text.slice(0, -1);
}

function answer<T>(worker: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

describe("ThreadedJSONLSinkCollector({ onFull: 'wait' }): the ring lock held by a record streaming to a slow destination", () => {
  const tempDir = useTempDir('calute-lock-stream-');

  it(`emit() behind a ${BIG_BYTES / 1e6} MB record streaming for about a second: waits past waitTimeoutMs (${WAIT_TIMEOUT_MS} ms) without throwing`, async () => {
    const fifo = makeFifo(tempDir());
    const big = lineOf(
      new TurnEndEvent({
        timestamp: FIXED_TIMESTAMP,
        contentPreview: 'big',
        metadata: { payload: 'y'.repeat(BIG_BYTES) },
      }),
    );
    const small = Array.from({ length: SMALL }, (_, seq) => numberedEvent('main', seq, FIXED_TIMESTAMP));
    const expected = jsonlBytes([big, ...small.map((event) => event.serialize())]);
    const reader = new Worker(fixture('slow-fifo-reader.mjs'), {
      workerData: { fd: fifo.readFd, totalBytes: expected.length, chunkBytes: 16 * 1024, pauseMs: 5 },
    });
    const received = answer<Uint8Array>(reader);
    received.catch(() => {}); // awaited below; a failure before that is the test's own
    const sink = new ThreadedJSONLSinkCollector(fifo.path, {
      allowNonRegularFile: true,
      ringSize: RING_SIZE,
      onFull: 'wait',
      waitTimeoutMs: WAIT_TIMEOUT_MS,
      maxRecordBytes: MAX_RECORD_BYTES,
    });
    try {
      const streamer = new Worker(fixture('worker-emit-big-record.mjs'), {
        workerData: { handle: sink.handle, bytes: BIG_BYTES, timestamp: FIXED_TIMESTAMP },
      });
      const streamed = answer<{ done?: true; error?: string }>(streamer);
      // The record is streaming (its first piece is published) and its producer holds the lock.
      const control = new Int32Array(sink.handle.buffer, 0, 32);
      const deadline = performance.now() + 10_000;
      while (Atomics.load(control, TORN) === 0) {
        if (performance.now() > deadline) throw new Error('the big record never started streaming');
        sleepSync(1);
      }
      const started = performance.now();
      sink.emit(small[0]);
      const waited = performance.now() - started;
      for (const event of small.slice(1)) sink.emit(event);
      expect(await streamed).toStrictEqual({ done: true });
      sink.flush();
      // The first emit waited for the lock longer than waitTimeoutMs, and did not throw.
      expect(waited).toBeGreaterThan(WAIT_TIMEOUT_MS);
      const bytes = Buffer.from(await received);
      expect(bytes.length).toBe(expected.length);
      expect(bytes.equals(expected)).toBe(true);
      expect(sink.stats()).toMatchObject({ enqueuedEvents: SMALL + 1, droppedEvents: 0 });
    } finally {
      sink.close();
      await reader.terminate();
      fifo.close();
    }
  });
});
