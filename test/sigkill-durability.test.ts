/**
 * SIGKILL at a random moment (seeded; replay with SIGKILL_SEED=<seed>) while a child emits a
 * numbered sequence and flushes every K events (test/fixtures/emit-numbered-flush-every.mjs).
 * The bound the README states: every line in the file is whole JSON except possibly a torn
 * last line, which the next writer cuts off when it opens the file; the numbers form a
 * gap-free prefix 0..n, and n reaches at least the last number a flush() confirmed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ThreadedJSONLSinkCollector, TurnEndEvent } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { killChildrenAfterEach, startFixture } from './support/child-process.js';
import { useTempDir } from './support/temp-files.js';
import { parseLines, readLines, seededRandom, seedFrom } from './support/threaded-sink-kit.js';

const FIXTURE = 'emit-numbered-flush-every.mjs';
const ITERATIONS = 5;
const FLUSH_EVERY = 50;
/** 4 KiB: the drain writes at most 1 KiB at a time, so a kill often lands inside a record. */
const RING_SIZE = 4096;
const MAX_DELAY_MS = 250;

/** The bytes of the file split at newlines: whole lines, and what follows the last newline. */
function splitTorn(bytes: Buffer): { whole: string[]; torn: string } {
  const end = bytes.lastIndexOf(0x0a) + 1;
  const whole =
    end === 0
      ? []
      : bytes
          .subarray(0, end - 1)
          .toString('utf8')
          .split('\n');
  return { whole, torn: bytes.subarray(end).toString('utf8') };
}

describe('ThreadedJSONLSinkCollector: SIGKILL at a random moment', () => {
  const tempDir = useTempDir('calute-sigkill-');
  killChildrenAfterEach();

  it(`emit() + flush() every ${FLUSH_EVERY}, then SIGKILL: a gap-free prefix past the last flush; the next writer ends a torn tail and keeps it`, async () => {
    const random = seededRandom(seedFrom('SIGKILL_SEED', 'sigkill-durability'));
    let tornTails = 0;
    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      const file = path.join(tempDir(), 'audit.jsonl');
      const running = startFixture(FIXTURE, [file, String(FLUSH_EVERY), String(RING_SIZE)]);
      await running.waitForStdout(/^flushed \d+$/m);
      const delay = Math.floor(random() * MAX_DELAY_MS);
      await new Promise((resolve) => setTimeout(resolve, delay));
      running.child.kill('SIGKILL');
      const ended = await running.ended;
      expect(ended.signal).toBe('SIGKILL');
      const flushed = [...ended.stdout.matchAll(/^flushed (\d+)$/gm)].map((match) => Number(match[1]));
      const lastFlushed = flushed[flushed.length - 1];

      // Before anyone reopens the file: every line whole JSON, except possibly a torn last one.
      const { whole, torn } = splitTorn(fs.readFileSync(file));
      const seqs = parseLines(whole).map((record) => record.metadata.seq as number);
      expect(seqs).toStrictEqual(Array.from({ length: seqs.length }, (_, seq) => seq));
      expect(seqs.length - 1).toBeGreaterThanOrEqual(lastFlushed);
      if (torn !== '') {
        tornTails++;
        expect(() => JSON.parse(torn)).toThrow();
      }

      // The next writer: opening the path ends the torn tail with a newline (no byte of it is
      // removed), so its first record is on a line of its own and whole.
      const sizeBefore = fs.statSync(file).size;
      const next = new ThreadedJSONLSinkCollector(file);
      next.emit(new TurnEndEvent({ metadata: { next: iteration } }));
      next.close();
      const lines = readLines(file);
      expect(lines.slice(0, whole.length)).toStrictEqual(whole);
      if (torn !== '') expect(lines[whole.length]).toBe(torn);
      const after = parseLines(lines.slice(torn === '' ? whole.length : whole.length + 1));
      expect(after).toHaveLength(1);
      expect(after[0]).toMatchObject({ event_type: 'turn_end', metadata: { next: iteration } });
      expect(
        fs
          .readFileSync(file)
          .subarray(0, sizeBefore)
          .equals(Buffer.from(`${whole.map((l) => `${l}\n`).join('')}${torn}`)),
      ).toBe(true);
      console.log(
        `sigkill-durability: kill after ${delay} ms, ${seqs.length} whole records, last flushed ${lastFlushed}, ` +
          `torn tail ${torn.length} bytes`,
      );
    }
    console.log(`sigkill-durability: ${tornTails} of ${ITERATIONS} kills left a torn last line`);
  });
});
