/**
 * SIGTERM and SIGINT (how containers and terminals stop a process): by default the sink
 * flushes first. When the program has no listener of its own for the signal, the signal then
 * ends the process as it would have; when it has one, ending is left to it. handleSignals:
 * false leaves signals alone. reopenOnSighup: true reopens the file on SIGHUP (logrotate's
 * `create`). Before, SIGTERM ended the process without a flush: of 33,000 lines, 31,914 were
 * lost. Each case is a forked child (test/fixtures/emit-then-await-signal.mjs) whose last ten
 * events wait in the ring (the drain lets a batch build up for a second) when it is signalled.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { killChildrenAfterEach, startFixture } from './support/child-process.js';
import { useTempDir } from './support/temp-files.js';
import { parseLines, readLines } from './support/threaded-sink-kit.js';

const FIXTURE = 'emit-then-await-signal.mjs';
const COUNT = 33_000;
/** The burst and the ten events after it. */
const TOTAL = COUNT + 10;

/** Starts the child, waits for "ready", checks the last events were still in the ring, sends `signal`. */
async function signalWhenReady(file: string, mode: string, signal: NodeJS.Signals) {
  const running = startFixture(FIXTURE, [file, String(COUNT), mode], { timeoutMs: 30_000 });
  const ready = /^ready (\d+)$/m.exec(await running.waitForStdout(/^ready \d+$/m));
  expect(Number(ready![1])).toBeLessThan(TOTAL);
  running.child.kill(signal);
  return running.ended;
}

function seqsIn(file: string): number[] {
  return parseLines(readLines(file)).map((record) => record.metadata.seq);
}

const upTo = (count: number) => Array.from({ length: count }, (_, seq) => seq);

describe('ThreadedJSONLSinkCollector: signals', () => {
  const tempDir = useTempDir('calute-signals-');
  killChildrenAfterEach();

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}, defaults, no listener of the program's own: every line in the file, then the signal ends the process`, async () => {
      const file = path.join(tempDir(), 'audit.jsonl');
      const ended = await signalWhenReady(file, 'default', signal);
      expect(ended.timedOut).toBe(false);
      expect(ended.code).toBeNull();
      expect(ended.signal).toBe(signal);
      expect(ended.stderr).toBe('');
      expect(seqsIn(file)).toStrictEqual(upTo(TOTAL));
    });
  }

  it("SIGTERM with the program's own listener: the file is complete when it runs, and it decides the exit", async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const ended = await signalWhenReady(file, 'own-listener', 'SIGTERM');
    expect(ended.timedOut).toBe(false);
    expect(ended.signal).toBeNull();
    expect(ended.code).toBe(0);
    expect(ended.stderr).toBe('');
    expect(ended.stdout).toContain(`own listener saw ${TOTAL} lines\n`);
    expect(seqsIn(file)).toStrictEqual(upTo(TOTAL));
  });

  it('SIGTERM with handleSignals: false: the signal ends the process as Node would', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const ended = await signalWhenReady(file, 'off', 'SIGTERM');
    expect(ended.timedOut).toBe(false);
    expect(ended.code).toBeNull();
    expect(ended.signal).toBe('SIGTERM');
    // Lines may be missing (not flushed); what is there is a whole, ordered prefix.
    const seqs = seqsIn(file);
    expect(seqs).toStrictEqual(upTo(seqs.length));
  });

  it('SIGHUP with reopenOnSighup: true after a rename: earlier events in the renamed file, later ones in a new file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'audit.jsonl');
    const rotated = path.join(dir, 'audit.jsonl.1');
    const running = startFixture(FIXTURE, [file, '100', 'sighup'], { timeoutMs: 30_000 });
    await running.waitForStdout(/^ready \d+$/m);
    fs.renameSync(file, rotated);
    running.child.kill('SIGHUP');
    const ended = await running.ended;
    expect(ended.timedOut).toBe(false);
    expect(ended.signal).toBeNull();
    expect(ended.code).toBe(0);
    expect(ended.stderr).toBe('');
    expect(ended.stdout).toContain('reopened\n');
    expect(seqsIn(rotated)).toStrictEqual(upTo(110));
    expect(seqsIn(file)).toStrictEqual(upTo(10).map((seq) => 110 + seq));
  });
});
