/**
 * `rotation: { interval }` with an injected clock (`rotation.clock`): 'hourly' and 'daily'
 * rotate at the first record boundary after each UTC hour or day, a number every so many ms
 * from the file's start. Each rotated file is named after the rotation's time and holds
 * exactly what was written before it; an empty file is not rotated (its due time moves on).
 *
 * The sinks have `fsync: true` so that `flush()` is always served by the drain, which looks
 * at the clock before it answers: after `settle()`, a rotation that was due has happened,
 * and one that was not has not.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ThreadedJSONLSinkCollector } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { TestClock, trailContents, waitUntil } from './support/lifecycle-kit.js';
import { useTempDir } from './support/temp-files.js';
import { emitNumbered } from './support/threaded-sink-kit.js';

const at = (iso: string) => Date.parse(iso);

/** Lets the drain see the clock's value, then has it answer a flush. */
async function settle(sink: ThreadedJSONLSinkCollector, clock: TestClock): Promise<number> {
  await clock.published();
  sink.flush();
  return sink.stats().rotations;
}

function open(
  base: string,
  clock: TestClock,
  interval: 'hourly' | 'daily' | number,
): ThreadedJSONLSinkCollector {
  return new ThreadedJSONLSinkCollector(base, { fsync: true, rotation: { interval, clock: clock.read } });
}

describe('ThreadedJSONLSinkCollector rotation by time (injected clock)', () => {
  const tempDir = useTempDir('calute-rotation-time-');

  it("interval 'hourly': rotates at each UTC hour, names the file after the rotation's time; an empty file is not rotated", async () => {
    const dir = tempDir();
    const base = path.join(dir, 'audit.jsonl');
    const clock = new TestClock(at('2026-01-01T10:59:00.000Z'));
    const sink = open(base, clock, 'hourly');
    try {
      const a = emitNumbered(sink, 'A', 5);
      expect(await settle(sink, clock)).toBe(0);
      clock.set(at('2026-01-01T10:59:59.999Z'));
      expect(await settle(sink, clock)).toBe(0);
      clock.set(at('2026-01-01T11:00:00.000Z'));
      expect(await settle(sink, clock)).toBe(1);

      const b = emitNumbered(sink, 'B', 7);
      clock.set(at('2026-01-01T11:59:59.000Z'));
      expect(await settle(sink, clock)).toBe(1);
      clock.set(at('2026-01-01T12:00:00.250Z'));
      expect(await settle(sink, clock)).toBe(2);

      // Nothing written in the 12:00 hour: at 13:00 the empty file stays, due again at 14:00.
      clock.set(at('2026-01-01T13:00:00.000Z'));
      expect(await settle(sink, clock)).toBe(2);
      const c = emitNumbered(sink, 'C', 3);
      clock.set(at('2026-01-01T13:59:59.999Z'));
      expect(await settle(sink, clock)).toBe(2);
      clock.set(at('2026-01-01T14:00:00.000Z'));
      expect(await settle(sink, clock)).toBe(3);
      const d = emitNumbered(sink, 'D', 2);
      sink.close();

      expect(trailContents(base).map((file) => [file.name, file.lines])).toStrictEqual([
        ['audit.20260101T110000.000000Z.jsonl', a],
        ['audit.20260101T120000.250000Z.jsonl', b],
        ['audit.20260101T140000.000000Z.jsonl', c],
        ['audit.jsonl', d],
      ]);
      expect(fs.readdirSync(dir)).toHaveLength(4);
    } finally {
      sink.close();
    }
  });

  it("interval 'hourly': an idle sink (no emit, no flush) still rotates once the hour has passed", async () => {
    const base = path.join(tempDir(), 'audit.jsonl');
    const clock = new TestClock(at('2026-01-01T10:30:00.000Z'));
    const sink = open(base, clock, 'hourly');
    try {
      const a = emitNumbered(sink, 'A', 4);
      sink.flush();
      clock.set(at('2026-01-01T11:00:00.500Z'));
      // The drain sleeps at most a second at a time while idle.
      await waitUntil(() => sink.stats().rotations === 1, 'the rotation of an idle sink', 3000);
      expect(trailContents(base).map((file) => [file.name, file.lines])).toStrictEqual([
        ['audit.20260101T110000.500000Z.jsonl', a],
        ['audit.jsonl', []],
      ]);
    } finally {
      sink.close();
    }
  });

  it("interval 'daily': rotates at UTC midnight only, not at the hours in between", async () => {
    const base = path.join(tempDir(), 'audit.jsonl');
    const clock = new TestClock(at('2026-03-31T23:59:59.500Z'));
    const sink = open(base, clock, 'daily');
    try {
      const a = emitNumbered(sink, 'A', 5);
      expect(await settle(sink, clock)).toBe(0);
      clock.set(at('2026-04-01T00:00:00.000Z'));
      expect(await settle(sink, clock)).toBe(1);
      const b = emitNumbered(sink, 'B', 6);
      clock.set(at('2026-04-01T13:00:00.000Z'));
      expect(await settle(sink, clock)).toBe(1);
      clock.set(at('2026-04-01T23:59:59.999Z'));
      expect(await settle(sink, clock)).toBe(1);
      clock.set(at('2026-04-02T00:00:00.001Z'));
      expect(await settle(sink, clock)).toBe(2);
      sink.close();
      expect(trailContents(base).map((file) => [file.name, file.lines])).toStrictEqual([
        ['audit.20260401T000000.000000Z.jsonl', a],
        ['audit.20260402T000000.001000Z.jsonl', b],
        ['audit.jsonl', []],
      ]);
    } finally {
      sink.close();
    }
  });

  it('interval 60000 ms: every 60 s from the start of each file', async () => {
    const base = path.join(tempDir(), 'audit.jsonl');
    const start = at('2026-01-01T10:00:00.000Z');
    const clock = new TestClock(start);
    const sink = open(base, clock, 60_000);
    try {
      const a = emitNumbered(sink, 'A', 5);
      clock.set(start + 59_999);
      expect(await settle(sink, clock)).toBe(0);
      clock.set(start + 60_000);
      expect(await settle(sink, clock)).toBe(1);
      const b = emitNumbered(sink, 'B', 5);
      // The second file started at 10:01:00.000: due at 10:02:00.000.
      clock.set(start + 119_999);
      expect(await settle(sink, clock)).toBe(1);
      clock.set(start + 120_000);
      expect(await settle(sink, clock)).toBe(2);
      sink.close();
      expect(trailContents(base).map((file) => [file.name, file.lines])).toStrictEqual([
        ['audit.20260101T100100.000000Z.jsonl', a],
        ['audit.20260101T100200.000000Z.jsonl', b],
        ['audit.jsonl', []],
      ]);
    } finally {
      sink.close();
    }
  });
});
