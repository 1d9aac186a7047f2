/**
 * What flush(), flushAsync(), close() and stats() promise. The drain is slowed down on
 * purpose (drainIntervalMs 1000: it lets a batch build up for a second) so that a flush
 * that did not wait for the drain would find the file short.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AuditClosedError, AuditError, ThreadedJSONLSinkCollector } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { openDescriptors, thrownBy } from './support/assertions.js';
import { useTempDir } from './support/temp-files.js';
import {
  checkNumberedLine,
  FIXED_TIMESTAMP,
  jsonlBytes,
  makeFifo,
  numberedEvent,
  readLines,
  splitLines,
} from './support/threaded-sink-kit.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
const SLOW_DRAIN = { drainIntervalMs: 1000 };
const CLOSED_MESSAGE = 'ThreadedJSONLSinkCollector is closed: cannot emit or flush';

function emitNumbered(
  sink: ThreadedJSONLSinkCollector,
  producer: string,
  from: number,
  to: number,
): string[] {
  const lines: string[] = [];
  for (let seq = from; seq < to; seq++) {
    const event = numberedEvent(producer, seq, FIXED_TIMESTAMP);
    lines.push(event.serialize());
    sink.emit(event);
  }
  return lines;
}

describe('ThreadedJSONLSinkCollector: flush()', () => {
  const tempDir = useTempDir('calute-');

  for (const mode of [{ fsync: false }, { fsync: true }]) {
    it(`flush(): main-thread emits are in the file when it returns (fsync: ${mode.fsync})`, () => {
      const file = path.join(tempDir(), 'main.jsonl');
      const sink = new ThreadedJSONLSinkCollector(file, { ...SLOW_DRAIN, fsync: mode.fsync });
      try {
        const first = emitNumbered(sink, 'main', 0, 50);
        sink.flush();
        // Read right away, synchronously, without close().
        expect(fs.readFileSync(file).equals(jsonlBytes(first))).toBe(true);
        const second = emitNumbered(sink, 'main', 50, 51);
        sink.flush();
        expect(fs.readFileSync(file).equals(jsonlBytes([...first, ...second]))).toBe(true);
      } finally {
        sink.close();
      }
    });

    it(`flush(): emits another thread made before it are in the file (fsync: ${mode.fsync})`, async () => {
      const file = path.join(tempDir(), 'worker.jsonl');
      const sink = new ThreadedJSONLSinkCollector(file, { ...SLOW_DRAIN, fsync: mode.fsync });
      const worker = new Worker(fixture('worker-emit-numbered-events.mjs'), {
        workerData: { handle: sink.handle, producer: 'worker', count: 200 },
      });
      try {
        // The worker emitted all 200 and said so; it never flushed.
        const reply = new Promise((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
        });
        expect(await reply).toStrictEqual({ done: 200 });
        sink.flush();
        const lines = readLines(file);
        expect(lines.map((line) => checkNumberedLine(line))).toStrictEqual(
          Array.from({ length: 200 }, (_, seq) => ({ producer: 'worker', seq })),
        );
      } finally {
        await worker.terminate();
        sink.close();
      }
    });

    it(`flushAsync(): resolves with the bytes in the file (fsync: ${mode.fsync})`, async () => {
      const file = path.join(tempDir(), 'async.jsonl');
      const sink = new ThreadedJSONLSinkCollector(file, { ...SLOW_DRAIN, fsync: mode.fsync });
      try {
        const lines = emitNumbered(sink, 'main', 0, 100);
        await sink.flushAsync();
        expect(fs.readFileSync(file).equals(jsonlBytes(lines))).toBe(true);
      } finally {
        sink.close();
      }
    });
  }

  it('flushAsync(): the event loop runs while it waits for a destination that is read later', async () => {
    // A FIFO holds 64 KiB: the flush cannot finish before this thread reads the rest.
    const fifo = makeFifo(tempDir());
    const sink = new ThreadedJSONLSinkCollector(fifo.path, {
      allowNonRegularFile: true,
      flushTimeoutMs: 5000,
    });
    try {
      const lines = emitNumbered(sink, 'main', 0, 1500);
      const total = sink.stats().enqueuedBytes;
      expect(total).toBeGreaterThan(4 * 64 * 1024);
      let settled = false;
      const flushed = sink.flushAsync().finally(() => {
        settled = true;
      });
      // Runs only if flushAsync() gave the event loop back while it waits.
      const settledAtFirstTick = await new Promise<boolean>((resolve) =>
        setImmediate(() => resolve(settled)),
      );
      expect(settledAtFirstTick).toBe(false);
      // The await below resumes before a pump already queued runs, and the FIFO is closed by
      // then: the pump stops at `settled` before it reads.
      const pump = (): void => {
        if (settled) return;
        fifo.readAvailable();
        setImmediate(pump);
      };
      pump();
      await flushed;
      expect(splitLines(fifo.readUntil(total))).toStrictEqual(lines);
    } finally {
      sink.close();
      fifo.close();
    }
  });
});

describe('ThreadedJSONLSinkCollector: close()', () => {
  const tempDir = useTempDir('calute-');

  it('close(): flushes and closes the file; a second close() is a no-op', () => {
    const file = path.join(tempDir(), 'close.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file, SLOW_DRAIN);
    const lines = emitNumbered(sink, 'main', 0, 30);
    expect(openDescriptors(file)).toBe(1);
    sink.close();
    expect(openDescriptors(file)).toBe(0);
    expect(fs.readFileSync(file).equals(jsonlBytes(lines))).toBe(true);
    expect(sink.stats().state).toBe('closed');
    expect(() => sink.close()).not.toThrow();
    expect(fs.readFileSync(file).equals(jsonlBytes(lines))).toBe(true);
  });

  it('emit() after close(): AuditClosedError (ERR_AUDIT_CLOSED) with a clear message, nothing written', () => {
    const file = path.join(tempDir(), 'emit-closed.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file);
    const lines = emitNumbered(sink, 'main', 0, 1);
    sink.close();
    const thrown = thrownBy(() => sink.emit(numberedEvent('main', 1)));
    expect(thrown).toBeInstanceOf(AuditClosedError);
    expect(thrown).toBeInstanceOf(AuditError);
    expect((thrown as AuditClosedError).code).toBe('ERR_AUDIT_CLOSED');
    expect((thrown as Error).message).toBe(CLOSED_MESSAGE);
    expect(fs.readFileSync(file).equals(jsonlBytes(lines))).toBe(true);
  });

  it('flush() and flushAsync() after close(): AuditClosedError', async () => {
    const sink = new ThreadedJSONLSinkCollector(path.join(tempDir(), 'flush-closed.jsonl'));
    sink.close();
    const thrown = thrownBy(() => sink.flush());
    expect(thrown).toBeInstanceOf(AuditClosedError);
    expect((thrown as Error).message).toBe(CLOSED_MESSAGE);
    await expect(sink.flushAsync()).rejects.toThrow(AuditClosedError);
  });

  it('emit() and flush() from a connected worker after close(): AuditClosedError there too', async () => {
    const file = path.join(tempDir(), 'worker-closed.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file);
    const worker = new Worker(fixture('worker-emit-on-request.mjs'), { workerData: { handle: sink.handle } });
    const ask = (request: object) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.postMessage(request);
      });
    try {
      expect(await ask({ producer: 'worker', seq: 0 })).toStrictEqual({ ok: true });
      sink.close();
      const closed = {
        ok: false,
        name: 'AuditClosedError',
        code: 'ERR_AUDIT_CLOSED',
        message: 'The audit sink is closed: cannot emit or flush',
      };
      expect(await ask({ producer: 'worker', seq: 1 })).toStrictEqual(closed);
      expect(await ask({ flush: true })).toStrictEqual(closed);
      const records = readLines(file).map((line) => JSON.parse(line));
      expect(records.map((record) => record.metadata)).toStrictEqual([{ producer: 'worker', seq: 0 }]);
    } finally {
      await worker.terminate();
    }
  });

  it('[Symbol.asyncDispose](): flushes and closes', async () => {
    const file = path.join(tempDir(), 'dispose.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file, SLOW_DRAIN);
    const lines = emitNumbered(sink, 'main', 0, 40);
    await sink[Symbol.asyncDispose]();
    expect(sink.stats().state).toBe('closed');
    expect(openDescriptors(file)).toBe(0);
    expect(fs.readFileSync(file).equals(jsonlBytes(lines))).toBe(true);
    expect(thrownBy(() => sink.emit(numberedEvent('main', 40)))).toBeInstanceOf(AuditClosedError);
    await expect(sink[Symbol.asyncDispose]()).resolves.toBeUndefined();
  });

  it('[Symbol.dispose](): flushes and closes synchronously', () => {
    const file = path.join(tempDir(), 'dispose-sync.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file, SLOW_DRAIN);
    const lines = emitNumbered(sink, 'main', 0, 40);
    sink[Symbol.dispose]();
    expect(sink.stats().state).toBe('closed');
    expect(openDescriptors(file)).toBe(0);
    expect(fs.readFileSync(file).equals(jsonlBytes(lines))).toBe(true);
  });
});

describe('ThreadedJSONLSinkCollector: stats()', () => {
  const tempDir = useTempDir('calute-');

  it('stats() after flush(): events and bytes enqueued and written match the file; flushes counted', () => {
    const file = path.join(tempDir(), 'stats.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file, { ...SLOW_DRAIN, ringSize: 64 * 1024 });
    try {
      expect(sink.stats()).toMatchObject({ state: 'open', enqueuedEvents: 0, writtenEvents: 0, flushes: 0 });
      emitNumbered(sink, 'main', 0, 120);
      sink.flush();
      emitNumbered(sink, 'main', 120, 200);
      sink.flush();
      const size = fs.statSync(file).size;
      expect(size).toBeGreaterThan(0);
      expect(sink.stats()).toStrictEqual({
        state: 'open',
        enqueuedEvents: 200,
        enqueuedBytes: size,
        writtenEvents: 200,
        writtenBytes: size,
        droppedEvents: 0,
        droppedBytes: 0,
        pendingBytes: 0,
        highWaterBytes: sink.stats().highWaterBytes,
        ringSize: 64 * 1024,
        flushes: 2,
        writeErrors: 0,
        workerRestarts: 0,
        rotations: 0,
        drainingInline: false,
      });
      // The drain waited for a batch, so the ring held more than one record at some point.
      expect(sink.stats().highWaterBytes).toBeGreaterThan(size / 200);
      expect(sink.stats().highWaterBytes).toBeLessThanOrEqual(64 * 1024);
    } finally {
      sink.close();
    }
  });
});
