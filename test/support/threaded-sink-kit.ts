/**
 * Helpers for the offloaded sink's tests: raw JSONL lines, FIFOs whose reader the test
 * controls, a seeded generator, and shared-memory barriers for threads.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { type AuditCollector, type RingHandle, ToolCallAttemptEvent } from 'calute-audit';

/** A fixed timestamp, so that a test can rebuild the exact line an event was written as. */
export const FIXED_TIMESTAMP = '2025-06-15T14:30:00.123456+00:00';

/** The fixtures' `argumentsFor` (test/fixtures/emit-numbered-events.mjs): keep the two the same. */
export function argumentsFor(producer: string, seq: number): string {
  return `${producer}:${seq}:${'é€😀'.repeat(seq % 7)}`;
}

/** The event test/fixtures/emit-numbered-events.mjs emits for (`producer`, `seq`). */
export function numberedEvent(producer: string, seq: number, timestamp?: string): ToolCallAttemptEvent {
  return new ToolCallAttemptEvent({
    timestamp,
    toolName: 'numbered',
    argumentsPreview: argumentsFor(producer, seq),
    metadata: { producer, seq },
  });
}

/**
 * Checks that `line` is exactly what `numberedEvent` writes for the producer and sequence
 * number it names (with the timestamp it carries), and returns them.
 */
/** Emits `count` numbered events of `producer` and returns their lines. */
export function emitNumbered(sink: AuditCollector, producer: string, count: number): string[] {
  const lines: string[] = [];
  for (let seq = 0; seq < count; seq++) {
    const event = numberedEvent(producer, seq, FIXED_TIMESTAMP);
    lines.push(event.serialize());
    sink.emit(event);
  }
  return lines;
}

export function checkNumberedLine(line: string): { producer: string; seq: number } {
  const record = JSON.parse(line) as { timestamp: string; metadata: { producer: string; seq: number } };
  const { producer, seq } = record.metadata;
  const expected = numberedEvent(producer, seq, record.timestamp).serialize();
  if (line !== expected) throw new Error(`line differs from what was emitted:\n${line}\n${expected}`);
  return { producer, seq };
}

/** The file's lines as text, without their newlines; throws if the last line is not whole. */
export function readLines(file: string): string[] {
  return splitLines(fs.readFileSync(file));
}

/** Splits JSONL bytes into lines; throws if the bytes do not end with a newline. */
export function splitLines(bytes: Buffer): string[] {
  if (bytes.length === 0) return [];
  if (bytes[bytes.length - 1] !== 0x0a) {
    throw new Error(`the JSONL bytes do not end with a newline: …${bytes.subarray(-80).toString('utf8')}`);
  }
  return bytes.subarray(0, -1).toString('utf8').split('\n');
}

/** Parses every line; the error names the line that is not whole JSON. */
export function parseLines(lines: readonly string[]): Record<string, any>[] {
  return lines.map((line, index) => {
    try {
      return JSON.parse(line) as Record<string, any>;
    } catch {
      throw new Error(`line ${index + 1} is not whole JSON: ${line.slice(0, 200)}`);
    }
  });
}

/** The bytes of the lines as the sink writes them: each followed by a newline. */
export function jsonlBytes(lines: readonly string[]): Buffer {
  return Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
}

/** Blocks this thread for `ms` without spinning (the drain runs on another thread). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A FIFO at `dir/name` with its read end already open (non-blocking), so a writer can open it. */
export interface Fifo {
  readonly path: string;
  readonly readFd: number;
  /** Everything read so far. */
  readonly received: Buffer[];
  /** Bytes read so far. */
  receivedBytes(): number;
  /** Reads what is there now without waiting; returns the byte count. */
  readAvailable(): number;
  /** Reads synchronously until `total` bytes were read in all, or throws after `timeoutMs`. */
  readUntil(total: number, timeoutMs?: number): Buffer;
  close(): void;
}

export function makeFifo(dir: string, name = 'audit.fifo'): Fifo {
  const fifoPath = path.join(dir, name);
  execFileSync('mkfifo', [fifoPath]);
  const readFd = fs.openSync(fifoPath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const received: Buffer[] = [];
  const chunk = Buffer.alloc(64 * 1024);
  let count = 0;
  const readAvailable = (): number => {
    let got = 0;
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(readFd, chunk, 0, chunk.length, null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return got;
        throw error;
      }
      if (n === 0) return got;
      received.push(Buffer.from(chunk.subarray(0, n)));
      count += n;
      got += n;
    }
  };
  return {
    path: fifoPath,
    readFd,
    received,
    receivedBytes: () => count,
    readAvailable,
    readUntil(total: number, timeoutMs = 10_000): Buffer {
      const deadline = performance.now() + timeoutMs;
      while (count < total) {
        if (readAvailable() === 0) {
          if (performance.now() > deadline) {
            throw new Error(`read ${count} of ${total} bytes from the FIFO in ${timeoutMs} ms`);
          }
          sleepSync(2);
        }
      }
      return Buffer.concat(received);
    },
    close() {
      fs.closeSync(readFd);
    },
  };
}

/** mulberry32: a small, fast, seeded generator of floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The seed from `process.env[name]` when set (to replay a failure), else a fresh one. Printed. */
export function seedFrom(name: string, label: string): number {
  const fromEnv = process.env[name];
  const seed = fromEnv === undefined ? (Math.random() * 2 ** 32) >>> 0 : Number(fromEnv) >>> 0;
  console.log(`${label}: seed ${seed} (replay with ${name}=${seed})`);
  return seed;
}

/**
 * A barrier in shared memory: slot 0 counts threads that arrived, slot 1 turns non-zero
 * when they may go. The fixtures under test/fixtures/ use the same two slots.
 */
export function makeBarrier(): { buffer: SharedArrayBuffer; gate: Int32Array } {
  const buffer = new SharedArrayBuffer(8);
  return { buffer, gate: new Int32Array(buffer) };
}

/** Waits without blocking the event loop until `gate[0] >= count`, or throws after `timeoutMs`. */
export async function waitForArrivals(gate: Int32Array, count: number, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const arrived = Atomics.load(gate, 0);
    if (arrived >= count) return;
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`${arrived} of ${count} threads reached the barrier in ${timeoutMs} ms`);
    const result = Atomics.waitAsync(gate, 0, arrived, Math.min(left, 100));
    if (result.async) await result.value;
  }
}

/** Lets every thread waiting at the barrier go. */
export function releaseBarrier(gate: Int32Array): void {
  Atomics.store(gate, 1, 1);
  Atomics.notify(gate, 1);
}

/**
 * One worker per producer name, each emitting `count` numbered events into the sink of
 * `handle` (test/fixtures/worker-emit-numbered-events.mjs), all waiting at one barrier.
 * `release()` lets them go at once. The caller terminates the workers.
 */
export async function startNumberedProducers(
  handle: RingHandle,
  producers: readonly string[],
  count: number,
): Promise<{ workers: Worker[]; replies: Promise<unknown>[]; release(): void }> {
  const { buffer, gate } = makeBarrier();
  const fixture = new URL('../fixtures/worker-emit-numbered-events.mjs', import.meta.url);
  const workers = producers.map(
    (producer) => new Worker(fixture, { workerData: { handle, barrier: buffer, producer, count } }),
  );
  const replies = workers.map(
    (worker) =>
      new Promise<unknown>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      }),
  );
  try {
    await waitForArrivals(gate, workers.length);
  } catch (error) {
    await Promise.all(workers.map((worker) => worker.terminate()));
    throw error;
  }
  return { workers, replies, release: () => releaseBarrier(gate) };
}
