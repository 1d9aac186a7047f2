/**
 * When drain workers keep dying, the thread that owns the sink writes the ring itself, with
 * the same drain code as the worker: flush() with `fsync: true` fsyncs there too. Before, the
 * fallback was a second copy of the drain that never fsynced, and every flush() and close()
 * threw ERR_AUDIT_FLUSH_TIMEOUT although every line was in the file.
 *
 * A forked child runs with two preloads: test/fixtures/preload-drain-fault.mjs makes every
 * drain worker exit at its first write (after five restarts the owner writes instead), and
 * test/fixtures/preload-count-fsync.mjs logs each fs.fsyncSync call and the thread it ran on.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, killChildrenAfterEach, runFixture } from './support/child-process.js';
import { useTempDir } from './support/temp-files.js';
import { parseLines, readLines } from './support/threaded-sink-kit.js';

const ROUNDS = 4;
/** More than the fixture's 64 KiB ring: emit() waits for the drain, and each drain dies there. */
const BURST = 3000;
const EVENTS = BURST + 40 * ROUNDS;

describe('ThreadedJSONLSinkCollector({ fsync: true }) when drain workers keep dying', () => {
  const tempDir = useTempDir('calute-fsync-inline-');
  killChildrenAfterEach();

  it(`flush() and close() from the emitting thread's drain: each fsyncs there, none times out`, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'audit.jsonl');
    const log = path.join(dir, 'fsync.log');
    const ended = await runFixture('flush-fsync-rounds.mjs', [file, 'as-is', String(ROUNDS), String(BURST)], {
      execArgv: [
        '--import',
        path.join(FIXTURES, 'preload-count-fsync.mjs'),
        '--import',
        path.join(FIXTURES, 'preload-drain-fault.mjs'),
      ],
      env: { CALUTE_TEST_FSYNC_LOG: log, CALUTE_TEST_DRAIN_FAULT: 'exit', CALUTE_TEST_DRAIN_FAULT_AT: '1' },
      timeoutMs: 30_000,
    });
    expect(ended.timedOut).toBe(false);
    expect(ended.stderr).toBe('');
    expect(ended.code).toBe(0);
    const result = JSON.parse(ended.stdout);
    // The owner writes the ring for good: five workers restarted, the sixth death ends it.
    expect(result.stats).toMatchObject({ drainingInline: true, workerRestarts: 5 });
    expect(result.errors).toHaveLength(6);
    expect(result.errors.at(-1)).toMatch(/writing from the emitting thread\)$/);
    // Every flush and the close returned, each after one more fsync, made on the main thread.
    expect(result.flushed).toStrictEqual(
      Array.from({ length: ROUNDS + 1 }, (_, index) => 'm'.repeat(index + 1)),
    );
    expect(result.closed).toMatch(new RegExp(`^m{${ROUNDS + 2}}$`));
    expect(result.stats).toMatchObject({ enqueuedEvents: EVENTS, pendingBytes: 0, droppedEvents: 0 });
    const seqs = parseLines(readLines(file)).map((record) => record.metadata.seq);
    expect(seqs).toStrictEqual(Array.from({ length: EVENTS }, (_, seq) => seq));
  });
});
