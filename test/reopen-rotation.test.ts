/**
 * reopen() for log rotation: the file was renamed; events emitted before reopen() go to the
 * renamed file, later ones to a new file at the path, and none is lost.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AuditPathError, ThreadedJSONLSinkCollector } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-files.js';
import { emitNumbered, jsonlBytes, sleepSync } from './support/threaded-sink-kit.js';

/** The file holds exactly `lines`, byte for byte, in order. */
function expectExactly(file: string, lines: readonly string[]): void {
  const actual = fs.readFileSync(file);
  const expected = jsonlBytes(lines);
  if (!actual.equals(expected)) {
    expect(actual.toString('utf8')).toBe(expected.toString('utf8'));
  }
}

describe('ThreadedJSONLSinkCollector: reopen()', () => {
  const tempDir = useTempDir('calute-');

  /**
   * Where the drain is when A is emitted and reopen() is called:
   * - 'before the drain started': the worker is still starting; it finds the reopen request
   *   waiting at its first look.
   * - 'drain asleep, then dozing': a flush proved the worker runs, a pause lets it fall asleep;
   *   A's first emit wakes it and it dozes (drainIntervalMs) waiting for a batch, so the
   *   reopen request and B arrive while it dozes.
   */
  for (const mode of [
    { name: 'before the drain started', fsync: false },
    { name: 'drain asleep, then dozing', fsync: false },
    { name: 'drain asleep, then dozing', fsync: true },
  ]) {
    const name = `${mode.name}, fsync: ${mode.fsync}`;
    const running = mode.name !== 'before the drain started';
    const options = { fsync: mode.fsync, drainIntervalMs: 50 };
    /** Makes sure the drain worker runs, then gives it time to go to sleep. */
    const settle = (sink: ThreadedJSONLSinkCollector) => {
      if (!running) return;
      sink.flush();
      sleepSync(200);
    };

    it(`reopen() after a rename: the renamed file holds A, the new file B (${name})`, () => {
      const dir = tempDir();
      const file = path.join(dir, 'audit.jsonl');
      const sink = new ThreadedJSONLSinkCollector(file, options);
      try {
        settle(sink);
        const a = emitNumbered(sink, 'A', 50);
        fs.renameSync(file, path.join(dir, 'audit.jsonl.1'));
        sink.reopen();
        const b = emitNumbered(sink, 'B', 70);
        sink.flush();
        expectExactly(path.join(dir, 'audit.jsonl.1'), a);
        expectExactly(file, b);
        expect(sink.stats().writtenEvents).toBe(120);
      } finally {
        sink.close();
      }
    });

    it(`reopen() five times with events in between: nothing lost, each file exact (${name})`, () => {
      const dir = tempDir();
      const file = path.join(dir, 'audit.jsonl');
      const sink = new ThreadedJSONLSinkCollector(file, { ...options, ringSize: 4096 });
      const rounds: string[][] = [];
      try {
        settle(sink);
        for (let round = 1; round <= 5; round++) {
          rounds.push(emitNumbered(sink, `round-${round}`, 40 + round * 7));
          fs.renameSync(file, path.join(dir, `audit.jsonl.${round}`));
          sink.reopen();
        }
        const last = emitNumbered(sink, 'last', 33);
        sink.flush();
        for (let round = 1; round <= 5; round++) {
          expectExactly(path.join(dir, `audit.jsonl.${round}`), rounds[round - 1]);
        }
        expectExactly(file, last);
        expect(fs.readdirSync(dir).sort()).toStrictEqual(
          ['audit.jsonl', ...[1, 2, 3, 4, 5].map((round) => `audit.jsonl.${round}`)].sort(),
        );
      } finally {
        sink.close();
      }
    });
  }

  it('reopen() when the folder was removed: AuditPathError naming the path; the old file stays in use', () => {
    const dir = tempDir();
    const folder = path.join(dir, 'logs');
    fs.mkdirSync(folder);
    const file = path.join(folder, 'audit.jsonl');
    const kept = path.join(dir, 'kept.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file);
    try {
      const a = emitNumbered(sink, 'A', 20);
      fs.renameSync(file, kept);
      fs.rmdirSync(folder);
      let thrown: unknown;
      try {
        sink.reopen();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AuditPathError);
      expect((thrown as AuditPathError).code).toBe('ERR_AUDIT_PATH');
      expect((thrown as AuditPathError).path).toBe(file);
      expect((thrown as Error).message).toContain(`"${file}"`);
      expect((thrown as Error).message).toContain('ENOENT');
      const b = emitNumbered(sink, 'B', 20);
      sink.flush();
      expectExactly(kept, [...a, ...b]);
      expect(fs.existsSync(folder)).toBe(false);
    } finally {
      sink.close();
    }
  });
});
