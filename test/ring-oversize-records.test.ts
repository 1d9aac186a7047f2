/**
 * Records larger than the ring stream through it in pieces: each is written whole, in
 * order between the small ones, and the ring never holds more than its size.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ThreadedJSONLSinkCollector, ToolCallCompleteEvent, TurnEndEvent } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-files.js';
import {
  FIXED_TIMESTAMP,
  jsonlBytes,
  makeFifo,
  parseLines,
  splitLines,
} from './support/threaded-sink-kit.js';

/** A string of `bytes` UTF-8 bytes, with multi-byte characters all through it. */
function bigText(seq: number, bytes: number): string {
  const unit = `${seq}:é€😀-`; // digits + 1 + 2 + 3 + 4 + 1 bytes
  const unitBytes = Buffer.byteLength(unit);
  return unit.repeat(Math.floor(bytes / unitBytes)) + 'x'.repeat(bytes % unitBytes);
}

/** Small, 10x and 100x the ring, small again, ...: the big ones in metadata strings. */
function makeEvents(ringSize: number, count: number) {
  const events: (TurnEndEvent | ToolCallCompleteEvent)[] = [];
  for (let seq = 0; seq < count; seq++) {
    const size = seq % 4 === 1 ? 10 * ringSize : seq % 4 === 3 ? 100 * ringSize : 0;
    events.push(
      size === 0
        ? new TurnEndEvent({ timestamp: FIXED_TIMESTAMP, contentPreview: `small ${seq}`, metadata: { seq } })
        : new ToolCallCompleteEvent({
            timestamp: FIXED_TIMESTAMP,
            toolName: 'big',
            metadata: { seq, size, payload: bigText(seq, size) },
          }),
    );
  }
  return events;
}

describe('ThreadedJSONLSinkCollector: records bigger than the ring', () => {
  const tempDir = useTempDir('calute-');

  // With ringSize 64 every record is bigger than the ring.
  for (const mode of [
    { ringSize: 64, onFull: 'wait', count: 40 },
    { ringSize: 1024, onFull: 'wait', count: 40 },
  ] as const) {
    it(`emit() of 10x and 100x records: ringSize ${mode.ringSize}, onFull '${mode.onFull}'`, () => {
      const events = makeEvents(mode.ringSize, mode.count);
      const lines = events.map((event) => event.serialize());
      // The big ones really are bigger than the ring, by 10x and 100x.
      expect(Buffer.byteLength(lines[1])).toBeGreaterThan(10 * mode.ringSize);
      expect(Buffer.byteLength(lines[3])).toBeGreaterThan(100 * mode.ringSize);

      const file = path.join(tempDir(), 'oversize.jsonl');
      const sink = new ThreadedJSONLSinkCollector(file, { ringSize: mode.ringSize, onFull: mode.onFull });
      try {
        for (const event of events) sink.emit(event);
        sink.flush();

        const actual = fs.readFileSync(file);
        const records = parseLines(splitLines(actual));
        expect(records.map((record) => record.metadata.seq)).toStrictEqual(events.map((_, seq) => seq));
        for (const record of records) {
          if (record.metadata.size > 0) {
            expect(record.metadata.payload).toBe(bigText(record.metadata.seq, record.metadata.size));
          }
        }
        expect(actual.equals(jsonlBytes(lines))).toBe(true);

        // Memory stays bounded: the ring never held more than its size.
        const stats = sink.stats();
        expect(stats.highWaterBytes).toBeGreaterThan(0);
        expect(stats.highWaterBytes).toBeLessThanOrEqual(mode.ringSize);
        expect(stats.droppedEvents).toBe(0);
        expect(stats.enqueuedEvents).toBe(mode.count);
        expect(stats.writtenEvents).toBe(mode.count);
        expect(stats.enqueuedBytes).toBe(actual.length);
        expect(stats.writtenBytes).toBe(actual.length);
      } finally {
        sink.close();
      }
    });
  }

  it("emit() of records bigger than the ring in 'drop' mode: dropped at once (never waits), counted and marked; the others whole and in order", () => {
    const ringSize = 1024;
    const events = makeEvents(ringSize, 40);
    const file = path.join(tempDir(), 'oversize-drop.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file, { ringSize, onFull: 'drop' });
    try {
      const started = performance.now();
      for (const event of events) {
        sink.emit(event);
        // Room for the next small record and the mark before it.
        sink.flush();
      }
      expect(performance.now() - started).toBeLessThan(5000);
      const records = parseLines(splitLines(fs.readFileSync(file)));
      // Each big record is gone, and an events_dropped mark stands in its place.
      const expected = events.flatMap((_event, seq) =>
        seq % 2 === 1 ? ['events_dropped'] : [`turn_end:${seq}`],
      );
      expect(
        records.map((record) =>
          record.event_type === 'events_dropped'
            ? 'events_dropped'
            : `${record.event_type}:${record.metadata.seq}`,
        ),
      ).toStrictEqual(expected);
      for (const mark of records.filter((record) => record.event_type === 'events_dropped')) {
        expect(mark.dropped_events).toBe(1);
      }
      expect(sink.stats().droppedEvents).toBe(20);
      expect(sink.stats().highWaterBytes).toBeLessThanOrEqual(ringSize);
    } finally {
      sink.close();
    }
  });

  it('emit of a record bigger than the ring, destination stalled: times out, counts the drop, next record on its own line', () => {
    const fifo = makeFifo(tempDir());
    const sink = new ThreadedJSONLSinkCollector(fifo.path, {
      ringSize: 64,
      waitTimeoutMs: 300,
      allowNonRegularFile: true,
      maxRecordBytes: 8 * 1024 * 1024,
    });
    try {
      const before = new TurnEndEvent({ timestamp: FIXED_TIMESTAMP, metadata: { seq: 'before' } });
      const big = new TurnEndEvent({
        timestamp: FIXED_TIMESTAMP,
        metadata: { payload: bigText(1, 4 * 1024 * 1024) },
      });
      const after = new TurnEndEvent({ timestamp: FIXED_TIMESTAMP, metadata: { seq: 'after' } });
      sink.emit(before);
      // Nobody reads the FIFO: once the pipe buffer is full the drain stops moving.
      expect(() => sink.emit(big)).toThrow(expect.objectContaining({ code: 'ERR_AUDIT_RING_FULL_TIMEOUT' }));
      expect(sink.stats().droppedEvents).toBe(1);
      // Emptying the pipe lets the drain move again (the pipe takes 64 KiB, far more than
      // what follows); the next record starts a fresh line.
      fifo.readAvailable();
      sink.emit(after);
      sink.flush();
      fifo.readAvailable();
      const lines = splitLines(Buffer.concat(fifo.received));
      expect(JSON.parse(lines[0]!).metadata.seq).toBe('before');
      expect(JSON.parse(lines.at(-1)!).metadata.seq).toBe('after');
      // Between them, only the abandoned head: one line that is not JSON.
      expect(lines).toHaveLength(3);
      expect(() => JSON.parse(lines[1]!)).toThrow();
      expect(lines[1]!.startsWith('{"event_type":"turn_end"')).toBe(true);
    } finally {
      sink.close();
      fifo.close();
    }
  });
});
