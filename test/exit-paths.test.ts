/**
 * Every way a process ends, each in a forked child (test/fixtures/emit-burst-then-end.mjs)
 * whose file the test then reads: every record emitted before the end is there, whole, once,
 * in emit order. The child's drain waits a whole second for a batch, so the burst is still in
 * the ring when the child ends (it prints "written-before-end 0" to show it): only the exit
 * or signal hook can have written it.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Ended, killChildrenAfterEach, runFixture, startFixture } from './support/child-process.js';
import { useTempDir } from './support/temp-files.js';
import { parseLines, readLines } from './support/threaded-sink-kit.js';

const FIXTURE = 'emit-burst-then-end.mjs';
/** Below the drain's batch size (64 KiB with the default ring): the burst stays in the ring. */
const SMALL_BURST = 200;
/** Many times a 16 KiB ring: the burst wraps it and waits for the drain many times. */
const BIG_BURST = 3000;
const SMALL_RING = String(16 * 1024);

/** The file's sequence numbers and previews, checked against what `mode` emitted. */
function expectEveryRecord(file: string, mode: string, seqs: readonly number[]): void {
  const records = parseLines(readLines(file));
  expect(records.map((record) => record.metadata.seq)).toStrictEqual(seqs);
  expect(records.map((record) => record.prompt_preview)).toStrictEqual(seqs.map((seq) => `${mode} ${seq}`));
  expect(records.every((record) => record.event_type === 'turn_start')).toBe(true);
}

/** -1 (the record flushed before the burst, except before-ready), then 0 .. count - 1. */
function emitted(mode: string, count: number, extra = 0): number[] {
  const first = mode === 'before-ready' ? [] : [-1];
  return [...first, ...Array.from({ length: count + extra }, (_, seq) => seq)];
}

function writtenBeforeEnd(ended: Ended): number {
  const match = /written-before-end (\d+)/.exec(ended.stdout);
  if (!match)
    throw new Error(`no "written-before-end" in the child's stdout: ${ended.stdout} ${ended.stderr}`);
  return Number(match[1]);
}

describe('ThreadedJSONLSinkCollector: every record emitted before the process ends is in the file', () => {
  const tempDir = useTempDir('calute-exit-');
  killChildrenAfterEach();

  const endings = [
    { mode: 'return', code: 0, stderr: '' },
    { mode: 'process-exit', code: 0, stderr: '' },
    { mode: 'uncaught-exception', code: 1, stderr: 'fixture: uncaught exception after the burst' },
    { mode: 'unhandled-rejection', code: 1, stderr: 'fixture: unhandled rejection after the burst' },
    { mode: 'before-ready', code: 0, stderr: '' },
  ] as const;

  for (const ending of endings) {
    it(`emit() burst, then ${ending.mode}: every record in the file, in order (small burst, drain dozing)`, async () => {
      const file = path.join(tempDir(), 'audit.jsonl');
      const ended = await runFixture(FIXTURE, [ending.mode, file, String(SMALL_BURST)]);
      expect(ended.timedOut).toBe(false);
      expect(ended.signal).toBeNull();
      expect(ended.code).toBe(ending.code);
      if (ending.stderr === '') expect(ended.stderr).toBe('');
      else expect(ended.stderr).toContain(ending.stderr);
      // Nothing of the burst was written when the process began to end: the hook wrote it all.
      expect(writtenBeforeEnd(ended)).toBe(ending.mode === 'before-ready' ? 0 : 1);
      expectEveryRecord(file, ending.mode, emitted(ending.mode, SMALL_BURST));
    });
  }

  for (const ending of endings) {
    it(`emit() burst through a 16 KiB ring, then ${ending.mode}: every record in the file, in order`, async () => {
      const file = path.join(tempDir(), 'audit.jsonl');
      const ended = await runFixture(FIXTURE, [ending.mode, file, String(BIG_BURST), SMALL_RING]);
      expect(ended.timedOut).toBe(false);
      expect(ended.code).toBe(ending.code);
      expectEveryRecord(file, ending.mode, emitted(ending.mode, BIG_BURST));
    });
  }

  it("emit() from a process.on('exit') listener registered after the sink: the record lands last", async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const ended = await runFixture(FIXTURE, ['exit-listener', file, String(SMALL_BURST)]);
    expect(ended.timedOut).toBe(false);
    expect(ended.code).toBe(0);
    expect(ended.stderr).toBe('');
    // seq SMALL_BURST is the one emitted inside the exit listener.
    expectEveryRecord(file, 'exit-listener', emitted('exit-listener', SMALL_BURST, 1));
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`handleSignals: true, ${signal} while idle: the file is complete and the signal still ends the process`, async () => {
      const file = path.join(tempDir(), 'audit.jsonl');
      const running = startFixture(FIXTURE, [signal, file, String(SMALL_BURST)]);
      await running.waitForStdout(/^ready$/m);
      running.child.kill(signal);
      const ended = await running.ended;
      expect(ended.timedOut).toBe(false);
      // Re-raised with no listener left: the process ends as the signal alone would have ended it.
      expect(ended.code).toBeNull();
      expect(ended.signal).toBe(signal);
      expect(ended.stderr).toBe('');
      expect(writtenBeforeEnd(ended)).toBe(1);
      expectEveryRecord(file, signal, emitted(signal, SMALL_BURST));
    });
  }
});
