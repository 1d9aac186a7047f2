/**
 * Many laps around a deliberately tiny ring, with multi-byte UTF-8 characters placed so that
 * they straddle the wrap point. The file must be exactly the emitted lines, in order.
 * Replay a failure with the seed it prints: CALUTE_RING_SEED=<seed> npx vitest run test/ring-wraparound.test.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { ThreadedJSONLSinkCollector, TurnStartEvent } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-files.js';
import {
  FIXED_TIMESTAMP,
  jsonlBytes,
  parseLines,
  seededRandom,
  seedFrom,
  splitLines,
} from './support/threaded-sink-kit.js';

/** Characters by UTF-8 length: ASCII, 2-byte, 3-byte, 4-byte (a surrogate pair in JS). */
const CHARS: readonly (readonly string[])[] = [
  [],
  ['a', 'z', '0', '-', ' ', '~'],
  ['é', 'ß', 'Ж', 'ñ'],
  ['€', '中', '한', '⚙'],
  ['😀', '𝄞', '🧪', '𐍈'],
];

type Kind = 'char-on-wrap' | 'line-ends-on-wrap' | 'random';

interface Planned {
  preview: string;
  line: string;
  kind: Kind;
}

/**
 * Plans the lines of `count` events as they will sit in the byte stream (the ring's write
 * position is the file offset: both start at 0 and only grow). Each line is either random,
 * or padded so that a multi-byte character straddles the next multiple of `ringSize`, or so
 * that the line's newline is the last byte before the wrap.
 */
function planLines(count: number, ringSize: number, random: () => number): Planned[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  /** Random characters adding up to exactly `bytes` UTF-8 bytes. */
  const fill = (bytes: number): string => {
    let text = '';
    while (bytes > 0) {
      const size = 1 + Math.floor(random() * Math.min(4, bytes));
      text += pick(CHARS[size]);
      bytes -= size;
    }
    return text;
  };
  const planned: Planned[] = [];
  let offset = 0;
  for (let seq = 0; seq < count; seq++) {
    const make = (promptPreview: string) =>
      new TurnStartEvent({ timestamp: FIXED_TIMESTAMP, metadata: { seq }, promptPreview }).serialize();
    // The line is `${prefix}${promptPreview}"}`: prompt_preview is the last key.
    const prefixBytes = Buffer.byteLength(make('')) - 2;
    const roll = random();
    let kind: Kind = roll < 0.6 ? 'char-on-wrap' : roll < 0.75 ? 'line-ends-on-wrap' : 'random';
    let preview: string;
    const nextWrap = (from: number) => Math.ceil((from + 1) / ringSize) * ringSize;
    if (kind === 'char-on-wrap') {
      const size = 2 + Math.floor(random() * 3);
      const before = 1 + Math.floor(random() * (size - 1)); // bytes of the character before the wrap
      const wrap = nextWrap(offset + prefixBytes + before - 1);
      preview =
        fill(wrap - before - (offset + prefixBytes)) + pick(CHARS[size]) + fill(Math.floor(random() * 40));
    } else if (kind === 'line-ends-on-wrap') {
      // prefix + preview + '"}' + '\n' ends exactly at a multiple of the ring size.
      const wrap = nextWrap(offset + prefixBytes + 2);
      preview = fill(wrap - (offset + prefixBytes + 3));
    } else {
      kind = 'random';
      preview = fill(Math.floor(random() * ringSize * 1.5));
    }
    const line = make(preview);
    expect(line).toBe(`${make('').slice(0, -2)}${preview}"}`);
    planned.push({ preview, line, kind });
    offset += Buffer.byteLength(line) + 1;
  }
  return planned;
}

/** The position of byte `at` in a ring of `ringSize`. */
const ringPosition = (at: number, ringSize: number) => at % ringSize;

describe('ThreadedJSONLSinkCollector: ring wrap-around', () => {
  const tempDir = useTempDir('calute-');
  const seed = seedFrom('CALUTE_RING_SEED', 'ring-wraparound');

  for (const mode of [
    { ringSize: 64, count: 1200 },
    { ringSize: 128, count: 1200 },
    { ringSize: 256, count: 1500 },
    { ringSize: 1024, count: 2000 },
  ]) {
    it(`emit() then flush(): ringSize ${mode.ringSize}, seeded sizes, multi-byte UTF-8 on the wrap point`, () => {
      const random = seededRandom(seed + mode.ringSize);
      const planned = planLines(mode.count, mode.ringSize, random);
      const expectedBytes = jsonlBytes(planned.map((p) => p.line));

      // The plan does what it says: characters straddle the wrap, lines end on it, many laps.
      let straddling = 0;
      let endingOnWrap = 0;
      let offset = 0;
      for (const { line, kind } of planned) {
        const bytes = Buffer.from(`${line}\n`);
        for (let i = 1; i < bytes.length; i++) {
          // A continuation byte (10xxxxxx) at ring position 0: a character split by the wrap.
          if (ringPosition(offset + i, mode.ringSize) === 0 && (bytes[i] & 0xc0) === 0x80) straddling++;
        }
        if (kind === 'line-ends-on-wrap') {
          expect(ringPosition(offset + bytes.length, mode.ringSize)).toBe(0);
          endingOnWrap++;
        }
        offset += bytes.length;
      }
      expect(straddling).toBeGreaterThan(mode.count / 3);
      expect(endingOnWrap).toBeGreaterThan(mode.count / 20);
      expect(expectedBytes.length / mode.ringSize).toBeGreaterThan(100);

      const file = path.join(tempDir(), 'wrap.jsonl');
      const sink = new ThreadedJSONLSinkCollector(file, { ringSize: mode.ringSize });
      try {
        for (let seq = 0; seq < planned.length; seq++) {
          const promptPreview = planned[seq].preview;
          sink.emit(new TurnStartEvent({ timestamp: FIXED_TIMESTAMP, metadata: { seq }, promptPreview }));
        }
        sink.flush();

        // Sequence verifier: every line parses, the sequence is complete and in order...
        const actual = fs.readFileSync(file);
        const records = parseLines(splitLines(actual));
        expect(records.map((record) => record.metadata.seq)).toStrictEqual(planned.map((_, seq) => seq));
        // ...and the content is byte for byte what was emitted.
        expect(actual.length).toBe(expectedBytes.length);
        expect(actual.equals(expectedBytes)).toBe(true);

        const stats = sink.stats();
        expect(stats.enqueuedEvents).toBe(mode.count);
        expect(stats.writtenEvents).toBe(mode.count);
        expect(stats.enqueuedBytes).toBe(expectedBytes.length);
        expect(stats.writtenBytes).toBe(expectedBytes.length);
        expect(stats.droppedEvents).toBe(0);
        expect(stats.highWaterBytes).toBeLessThanOrEqual(mode.ringSize);
      } finally {
        sink.close();
      }
    });
  }
});
