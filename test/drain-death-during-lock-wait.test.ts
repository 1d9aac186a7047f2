/**
 * The drain dies while the owning thread waits for the ring lock, and the lock's holder is a
 * worker-thread producer waiting for space. The owner's lock wait looks after the drain like
 * its other waits do: it finds the drain dead and replaces it (or drains itself), space frees
 * up, the worker finishes its emit and lets the lock go. Before, only the space and flush
 * waits looked: nobody restarted the drain, the worker's emit timed out, and the owner's emit
 * waited out the whole waitTimeoutMs.
 *
 * A forked child (test/fixtures/emit-while-lock-held-drain-dies.mjs) stages it with
 * shared-memory barriers, no sleeps: test/fixtures/preload-drain-fault.mjs stops the drain
 * before its second write until the lock is contended, then makes it exit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, killChildrenAfterEach, runFixture } from './support/child-process.js';
import { useTempDir } from './support/temp-files.js';
import { checkNumberedLine, readLines } from './support/threaded-sink-kit.js';

const WORKER_COUNT = 2000;
const MAIN_COUNT = 500;
/** The child's waitTimeoutMs is 4000: the owner's emits must resume well before it runs out. */
const BOUND_MS = 2000;

describe('ThreadedJSONLSinkCollector: the drain dies while emit() waits for the ring lock', () => {
  const tempDir = useTempDir('calute-lock-death-');
  killChildrenAfterEach();

  it(`a worker holds the lock waiting for space, the owner waits for the lock, the drain exits: emits resume within ${BOUND_MS} ms, nothing lost`, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'audit.jsonl');
    const marker = path.join(dir, 'fault-injected');
    const ended = await runFixture(
      'emit-while-lock-held-drain-dies.mjs',
      [file, String(WORKER_COUNT), String(MAIN_COUNT)],
      {
        execArgv: ['--import', path.join(FIXTURES, 'preload-drain-fault.mjs')],
        env: {
          CALUTE_TEST_DRAIN_FAULT: 'exit-when-lock-contended',
          CALUTE_TEST_DRAIN_FAULT_AT: '2',
          CALUTE_TEST_DRAIN_FAULT_MARKER: marker,
        },
        timeoutMs: 30_000,
      },
    );
    expect(ended.timedOut).toBe(false);
    expect(ended.stderr).toBe('');
    expect(ended.code).toBe(0);
    // The fault ran: the first drain died in its second write.
    expect(fs.existsSync(marker)).toBe(true);
    const result = JSON.parse(ended.stdout);
    expect(result.mainErrors).toStrictEqual([]);
    expect(result.workerAnswer).toStrictEqual({ done: WORKER_COUNT });
    expect(result.firstEmitMs).toBeLessThan(BOUND_MS);
    expect(result.allEmitsMs).toBeLessThan(BOUND_MS);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(/^ERR_AUDIT_WORKER_EXIT: The drain worker stopped unexpectedly \(/);
    expect(result.stats).toMatchObject({
      enqueuedEvents: 1 + WORKER_COUNT + MAIN_COUNT,
      writtenEvents: 1 + WORKER_COUNT + MAIN_COUNT,
      droppedEvents: 0,
      pendingBytes: 0,
    });
    // Every producer's records, each once and in its order.
    const seqs: Record<string, number[]> = {};
    for (const line of readLines(file)) {
      const record = JSON.parse(line);
      const producer = record.metadata.producer as string;
      if (producer === 'worker') checkNumberedLine(line);
      seqs[producer] ??= [];
      seqs[producer].push(record.metadata.seq);
    }
    const upTo = (count: number) => Array.from({ length: count }, (_, seq) => seq);
    expect(seqs).toStrictEqual({ first: [0], worker: upTo(WORKER_COUNT), main: upTo(MAIN_COUNT) });
  });
});
