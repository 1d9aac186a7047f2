/**
 * A slow destination: a FIFO read by another process in small chunks with pauses, which
 * copies what it read to a file. The full-ring policy holds: 'wait' loses nothing and keeps
 * to the ring's memory; 'drop' counts every record it drops, and what arrives is whole.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ThreadedJSONLSinkCollector } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { killChildrenAfterEach, type RunningChild, startNode } from './support/child-process.js';
import { useTempDir } from './support/temp-files.js';
import { checkNumberedLine, FIXED_TIMESTAMP, numberedEvent, readLines } from './support/threaded-sink-kit.js';

const RING_SIZE = 8 * 1024;
const COUNT = 2000;

/**
 * The slow reader: opens the FIFO, says "open", then reads at most `chunk` bytes at a time,
 * pausing `pause` ms after each read, and appends what it read to `out` until end of file.
 */
const SLOW_READER = `
const fs = require('node:fs');
const [fifo, out, chunk, pause] = process.argv.slice(1);
const fd = fs.openSync(fifo, 'r');
const outFd = fs.openSync(out, 'w');
fs.writeSync(1, 'open\\n');
const buffer = Buffer.alloc(Number(chunk));
const gate = new Int32Array(new SharedArrayBuffer(4));
for (;;) {
  const n = fs.readSync(fd, buffer, 0, buffer.length, null);
  if (n === 0) break;
  fs.writeSync(outFd, buffer, 0, n);
  Atomics.wait(gate, 0, 0, Number(pause));
}
`;

interface SlowPipe {
  sink: ThreadedJSONLSinkCollector;
  reader: RunningChild;
  /** Where the reader copies what it read. */
  out: string;
  /** The test's own read end: close it once the reader has opened. */
  placeholder: number;
}

/**
 * A FIFO with a sink writing into it and the slow reader reading it. The test holds a read end
 * of its own until the reader has opened, so that opening the FIFO never blocks this thread.
 */
function slowPipe(dir: string, policy: 'wait' | 'drop'): SlowPipe {
  const fifo = path.join(dir, 'audit.fifo');
  const out = path.join(dir, 'received.jsonl');
  execFileSync('mkfifo', [fifo]);
  const placeholder = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const sink = new ThreadedJSONLSinkCollector(fifo, {
    allowNonRegularFile: true,
    ringSize: RING_SIZE,
    onFull: policy,
  });
  const reader = startNode(['-e', SLOW_READER, fifo, out, '1024', '1']);
  return { sink, reader, out, placeholder };
}

describe('ThreadedJSONLSinkCollector: a FIFO read slowly by another process', () => {
  const tempDir = useTempDir('calute-slow-');
  killChildrenAfterEach();

  it(`emit() burst, onFull 'wait': every line arrives, in order; the ring never holds more than ringSize`, async () => {
    const { sink, reader, out, placeholder } = slowPipe(tempDir(), 'wait');
    await reader.waitForStdout(/^open$/m);
    fs.closeSync(placeholder);
    const lines: string[] = [];
    for (let seq = 0; seq < COUNT; seq++) {
      const event = numberedEvent('slow', seq, FIXED_TIMESTAMP);
      lines.push(event.serialize());
      sink.emit(event);
    }
    sink.flush();
    const stats = sink.stats();
    sink.close();
    const ended = await reader.ended;
    expect(ended.timedOut).toBe(false);
    expect(ended.code).toBe(0);

    expect(readLines(out)).toStrictEqual(lines);
    expect(stats).toMatchObject({
      enqueuedEvents: COUNT,
      writtenEvents: COUNT,
      droppedEvents: 0,
      pendingBytes: 0,
    });
    // Bounded: the ring filled up (emit waited for the reader) and never held more than its size.
    expect(stats.highWaterBytes).toBeLessThanOrEqual(RING_SIZE);
    expect(stats.highWaterBytes).toBeGreaterThan(RING_SIZE / 2);
  });

  it(`emit() burst, onFull 'drop': dropped + delivered = emitted; delivered lines whole and increasing`, async () => {
    const { sink, reader, out, placeholder } = slowPipe(tempDir(), 'drop');
    await reader.waitForStdout(/^open$/m);
    fs.closeSync(placeholder);
    for (let seq = 0; seq < COUNT; seq++) sink.emit(numberedEvent('slow', seq, FIXED_TIMESTAMP));
    sink.flush();
    const stats = sink.stats();
    sink.close();
    const ended = await reader.ended;
    expect(ended.timedOut).toBe(false);

    const all = readLines(out);
    // The drops are told in the trail: an events_dropped mark before the next record kept.
    const marks = all
      .filter((line) => line.startsWith('{"event_type":"events_dropped"'))
      .map((line) => JSON.parse(line));
    const delivered = all
      .filter((line) => !line.startsWith('{"event_type":"events_dropped"'))
      .map((line) => checkNumberedLine(line).seq);
    expect(stats.droppedEvents).toBeGreaterThan(0);
    expect(delivered.length + stats.droppedEvents).toBe(COUNT);
    expect(marks.reduce((sum, mark) => sum + mark.dropped_events, 0)).toBe(stats.droppedEvents);
    expect(stats.enqueuedEvents).toBe(all.length);
    expect(stats.writtenEvents).toBe(all.length);
    for (let index = 1; index < delivered.length; index++) {
      expect(delivered[index]).toBeGreaterThan(delivered[index - 1]);
    }
    expect(stats.highWaterBytes).toBeLessThanOrEqual(RING_SIZE);
  });
});
