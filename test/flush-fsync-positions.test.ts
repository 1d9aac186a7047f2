/**
 * flush() with `fsync: true` fsyncs every time, wherever the ring's 32-bit byte positions
 * are. Before, a 32-bit SYNCED position moved only on flush: after 2 GiB written without a
 * flush it lagged READ by more than 2^31, the comparison wrapped, and flush() and close()
 * returned at once with no fsync (and without waiting for the drain). Writing 2 GiB in a test
 * is impractical, so the ring is staged as it is after such a run: READ and WRITE 2^31 + 1 MiB
 * past where the last flush left them, nothing else changed. And the positions are staged just
 * below 2^32, so the flushed records cross the point where they wrap.
 *
 * Each fsync is counted by test/fixtures/preload-count-fsync.mjs, which wraps fs.fsyncSync in
 * every thread of a forked child (the drain worker included); no strace, no hook in the product.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, killChildrenAfterEach, runFixture } from './support/child-process.js';
import { useTempDir } from './support/temp-files.js';
import { parseLines, readLines } from './support/threaded-sink-kit.js';

const ROUNDS = 4;
/** The first flush's event, then 40 per round (test/fixtures/flush-fsync-rounds.mjs). */
const EVENTS = 1 + 40 * ROUNDS;

describe("ThreadedJSONLSinkCollector({ fsync: true }): flush() fsyncs wherever the ring's positions are", () => {
  const tempDir = useTempDir('calute-fsync-');
  killChildrenAfterEach();

  const cases = [
    ['as-is', 'positions from 0, as in every sink'],
    ['gap', 'READ and WRITE 2^31 + 1 MiB past the last flush (as after 2 GiB without one)'],
    ['wrap', 'positions crossing 2^32 between flushes'],
  ] as const;

  for (const [positions, name] of cases) {
    it(`flush() after each of ${ROUNDS} rounds, ${name}: one more fsync each time, every record in the file`, async () => {
      const dir = tempDir();
      const file = path.join(dir, 'audit.jsonl');
      const log = path.join(dir, 'fsync.log');
      const ended = await runFixture('flush-fsync-rounds.mjs', [file, positions, String(ROUNDS)], {
        execArgv: ['--import', path.join(FIXTURES, 'preload-count-fsync.mjs')],
        env: { CALUTE_TEST_FSYNC_LOG: log },
      });
      expect(ended.timedOut).toBe(false);
      expect(ended.stderr).toBe('');
      expect(ended.code).toBe(0);
      const result = JSON.parse(ended.stdout);
      // The fsync log after the first flush and after each round: one more fsync per flush,
      // each made by the drain worker.
      expect(result.flushed).toStrictEqual(
        Array.from({ length: ROUNDS + 1 }, (_, index) => 'w'.repeat(index + 1)),
      );
      expect(result.closed).toMatch(new RegExp(`^w{${ROUNDS + 1},}$`));
      expect(result.errors).toStrictEqual([]);
      expect(result.stats).toMatchObject({ enqueuedEvents: EVENTS, writtenEvents: EVENTS, pendingBytes: 0 });
      const seqs = parseLines(readLines(file)).map((record) => record.metadata.seq);
      expect(seqs).toStrictEqual(Array.from({ length: EVENTS }, (_, seq) => seq));
      expect(fs.readFileSync(log, 'utf8')).toBe(result.closed);
    });
  }
});
