/**
 * process.exit() while the drain cannot write: a FIFO whose reader stopped reading (the same
 * holds for a pipe, or a socket). The special file is opened non-blocking, so the drain waits
 * for room in short slices instead of sitting inside write(2), and the exit hook gives up
 * after flushTimeoutMs: the process ends, and stderr says how many events were not written. Before, the
 * drain sat in write(2), and after the exit hook gave up Node joined the drain thread for
 * ever: only SIGKILL ended the process.
 */
import { describe, expect, it } from 'vitest';
import { killChildrenAfterEach, startFixture } from './support/child-process.js';
import { useTempDir } from './support/temp-files.js';
import { makeFifo } from './support/threaded-sink-kit.js';

const FLUSH_TIMEOUT_MS = 1000;
/** Room for a slow machine: process start-up is not part of it (timed from "exiting"). */
const MARGIN_MS = 2000;

describe('ThreadedJSONLSinkCollector: process.exit() with a FIFO whose reader stopped', () => {
  const tempDir = useTempDir('calute-exit-fifo-');
  killChildrenAfterEach();

  it(`emit() 3000 events (more than the pipe takes), then process.exit(0): the process ends within flushTimeoutMs (${FLUSH_TIMEOUT_MS} ms) and says on stderr how many events were not written`, async () => {
    // The test holds the read end and never reads: the pipe fills after 64 KiB.
    const fifo = makeFifo(tempDir());
    try {
      const running = startFixture(
        'emit-to-stalled-fifo-then-exit.mjs',
        [fifo.path, '3000', String(FLUSH_TIMEOUT_MS)],
        { timeoutMs: FLUSH_TIMEOUT_MS + 15_000 },
      );
      await running.waitForStdout(/^exiting$/m);
      const exitCalled = performance.now();
      const ended = await running.ended;
      const took = performance.now() - exitCalled;
      expect(ended.timedOut).toBe(false);
      expect(ended.signal).toBeNull();
      expect(ended.code).toBe(0);
      expect(took).toBeGreaterThanOrEqual(FLUSH_TIMEOUT_MS - 50);
      expect(took).toBeLessThan(FLUSH_TIMEOUT_MS + MARGIN_MS);
      const said =
        /^calute-audit: (\d+) events \((\d+) bytes\) emitted but not written to (.*): flush timed out after (\d+) ms: the drain worker did not confirm the write\n$/.exec(
          ended.stderr,
        );
      expect(said?.slice(3)).toStrictEqual([fifo.path, String(FLUSH_TIMEOUT_MS)]);
      // What reached the pipe: the first records, in order (the last one may be cut short).
      fifo.readAvailable();
      const lines = Buffer.concat(fifo.received).toString('utf8').split('\n').slice(0, -1);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.map((line) => JSON.parse(line).metadata.seq)).toStrictEqual(lines.map((_, seq) => seq));
      // The count it gives is exactly the records that did not reach the pipe whole.
      expect(Number(said?.[1])).toBe(3000 - lines.length);
      expect(Number(said?.[2])).toBeGreaterThan(0);
    } finally {
      fifo.close();
    }
  });
});
