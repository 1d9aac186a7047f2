/**
 * The drain worker dies mid-burst (exits, throws, is terminated): nothing already emitted or
 * emitted later is lost, the order holds, and onError hears about it. Each case runs in a
 * forked child (test/fixtures/emit-burst-with-faulty-drain.mjs) started with
 * `--import test/fixtures/preload-drain-fault.mjs`, which injects the fault from outside the
 * product: the preload also runs inside the drain worker (workers inherit execArgv) and patches
 * node:fs there, or, for termination, hands the drain's Worker object to the child.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, killChildrenAfterEach, runFixture } from './support/child-process.js';
import { useTempDir } from './support/temp-files.js';
import { parseLines, readLines } from './support/threaded-sink-kit.js';

const FIXTURE = 'emit-burst-with-faulty-drain.mjs';
const PRELOAD = path.join(FIXTURES, 'preload-drain-fault.mjs');
const COUNT = 3000;
const SMALL_RING = 16 * 1024;
const DEFAULT_RING = 4 * 1024 * 1024;

interface Summary {
  errors: { name: string; code: string; message: string }[];
  stats: {
    workerRestarts: number;
    writtenEvents: number;
    enqueuedEvents: number;
    droppedEvents: number;
    pendingBytes: number;
  };
}

interface Case {
  name: string;
  fault: 'exit' | 'exit-after-write' | 'throw' | 'terminate';
  /** The fault's trigger: the drain's Nth write, or the event after which to terminate it. */
  at: number;
  /** Whether only the first drain faults (a marker file) or every drain does. */
  once: boolean;
  ringSize: number;
  chunk: number;
  flushEvery: number;
  /** What onError must receive, in order. */
  details: RegExp[];
  restarts: number;
}

const RESTARTED_WHILE_BLOCKED = /\(it stopped while a write or flush waited; a new drain worker took over\)$/;
const RESTARTED_ON_EXIT_EVENT = /\(exit code 1; a new drain worker took over\)$/;
const RESTARTED_BLOCKED_OR_ON_EXIT =
  /\((it stopped while a write or flush waited|exit code 1); a new drain worker took over\)$/;

const cases: Case[] = [
  {
    name: 'drain exits (process.exit(1) at its 5th write) while emit() waits on the full ring',
    fault: 'exit',
    at: 5,
    once: true,
    ringSize: SMALL_RING,
    chunk: 0,
    flushEvery: 0,
    details: [RESTARTED_WHILE_BLOCKED],
    restarts: 1,
  },
  {
    name: 'drain exits (process.exit(1) at its 2nd write) while the event loop runs',
    fault: 'exit',
    at: 2,
    once: true,
    ringSize: DEFAULT_RING,
    chunk: 20,
    flushEvery: 0,
    details: [RESTARTED_ON_EXIT_EVENT],
    restarts: 1,
  },
  {
    name: 'drain throws (at its 5th write, before writing) while emit() waits on the full ring',
    fault: 'throw',
    at: 5,
    once: true,
    ringSize: SMALL_RING,
    chunk: 0,
    flushEvery: 0,
    details: [RESTARTED_WHILE_BLOCKED],
    restarts: 1,
  },
  {
    name: 'drain throws (at its 2nd write, before writing) while flush() waits',
    fault: 'throw',
    at: 2,
    once: true,
    ringSize: DEFAULT_RING,
    chunk: 0,
    flushEvery: 200,
    details: [RESTARTED_WHILE_BLOCKED],
    restarts: 1,
  },
  {
    name: 'drain exits right after its 5th write, before it records the write, while emit() waits',
    fault: 'exit-after-write',
    at: 5,
    once: true,
    ringSize: SMALL_RING,
    chunk: 0,
    flushEvery: 0,
    details: [RESTARTED_WHILE_BLOCKED],
    restarts: 1,
  },
  {
    name: 'drain terminated (worker.terminate()) while emit() waits on the full ring',
    fault: 'terminate',
    at: 1005,
    once: true,
    ringSize: SMALL_RING,
    chunk: 0,
    flushEvery: 0,
    details: [RESTARTED_WHILE_BLOCKED],
    restarts: 1,
  },
  {
    name: 'drain terminated (worker.terminate()) mid-burst while the event loop runs',
    fault: 'terminate',
    at: 1005,
    once: true,
    ringSize: DEFAULT_RING,
    chunk: 20,
    flushEvery: 0,
    details: [RESTARTED_ON_EXIT_EVENT],
    restarts: 1,
  },
  {
    // The burst pauses every 100 events until the new drain runs (sink.ready()), so that every
    // one of them gets to write, and die, in turn; in between, the emitting thread writes.
    name: 'every drain exits at its first write: after 5 restarts the emitting thread writes the ring',
    fault: 'exit',
    at: 1,
    once: false,
    ringSize: SMALL_RING,
    chunk: 100,
    flushEvery: 0,
    details: [
      ...Array.from({ length: 5 }, () => RESTARTED_BLOCKED_OR_ON_EXIT),
      /\((it stopped while a write or flush waited|exit code 1); not restarted after 5 deaths in a row without a byte written; writing from the emitting thread\)$/,
    ],
    restarts: 5,
  },
];

describe('ThreadedJSONLSinkCollector: the drain worker dies mid-burst', () => {
  const tempDir = useTempDir('calute-crash-');
  killChildrenAfterEach();

  for (const crash of cases) {
    it(`emit() burst, ${crash.name}: no record lost, order kept, onError told`, async () => {
      const dir = tempDir();
      const file = path.join(dir, 'audit.jsonl');
      const marker = path.join(dir, 'fault-injected');
      const ended = await runFixture(
        FIXTURE,
        [file, String(COUNT), String(crash.ringSize), String(crash.chunk), String(crash.flushEvery)],
        {
          execArgv: ['--import', PRELOAD],
          env: {
            CALUTE_TEST_DRAIN_FAULT: crash.fault,
            CALUTE_TEST_DRAIN_FAULT_AT: String(crash.at),
            CALUTE_TEST_DRAIN_FAULT_MARKER: crash.once ? marker : undefined,
          },
        },
      );
      expect(ended.timedOut).toBe(false);
      expect(ended.stderr).toBe('');
      expect(ended.code).toBe(0);
      if (crash.once && crash.fault !== 'terminate') expect(fs.existsSync(marker)).toBe(true);

      const summary = JSON.parse(ended.stdout) as Summary;
      expect(summary.errors.map((error) => [error.name, error.code])).toStrictEqual(
        crash.details.map(() => ['AuditWorkerError', 'ERR_AUDIT_WORKER_EXIT']),
      );
      summary.errors.forEach((error, index) => {
        expect(error.message).toMatch(/^The drain worker stopped unexpectedly \(/);
        expect(error.message).toMatch(crash.details[index]);
      });
      expect(summary.stats.workerRestarts).toBe(crash.restarts);
      expect(summary.stats.enqueuedEvents).toBe(COUNT);
      expect(summary.stats.pendingBytes).toBe(0);
      expect(summary.stats.droppedEvents).toBe(0);
      // A drain worker wrote every event (the emitting thread's own writes are not counted there),
      // so a new drain took over; unless every drain died, and then the emitting thread wrote.
      if (crash.once) expect(summary.stats.writtenEvents).toBe(COUNT);

      const records = parseLines(readLines(file));
      const seqs = Array.from({ length: COUNT }, (_, seq) => seq);
      expect(records.map((record) => record.metadata.seq)).toStrictEqual(seqs);
      expect(records.map((record) => record.prompt_preview)).toStrictEqual(seqs.map((seq) => `seq ${seq}`));
    });
  }
});
