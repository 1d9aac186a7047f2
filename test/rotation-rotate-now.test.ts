/**
 * `sink.rotate()`: rotates now, synchronously, at a record boundary; the rotated file holds
 * what was emitted before the call and the fresh file what comes after, as `reopen()`
 * promises for an outside rotation. An empty file is not rotated. Without the `rotation`
 * option, or after `close()`, it throws a named error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AuditClosedError, AuditOptionError, ThreadedJSONLSinkCollector } from 'calute-audit';
import { listTrailFiles } from 'calute-audit/trail';
import { describe, expect, it } from 'vitest';
import { thrownBy } from './support/assertions.js';
import { ROTATED_NAME, trailContents } from './support/lifecycle-kit.js';
import { useTempDir } from './support/temp-files.js';
import { emitNumbered } from './support/threaded-sink-kit.js';

const ROTATION = { maxBytes: 1024 * 1024 };

describe('ThreadedJSONLSinkCollector.rotate()', () => {
  const tempDir = useTempDir('calute-rotate-now-');

  it('emit, flush, rotate() three times: each rotated file holds exactly its round, the active file the rest', () => {
    const base = path.join(tempDir(), 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(base, { rotation: ROTATION });
    const rounds: string[][] = [];
    try {
      for (let round = 0; round < 3; round++) {
        rounds.push(emitNumbered(sink, `round-${round}`, 20 + round));
        sink.flush();
        sink.rotate();
        expect(sink.stats().rotations).toBe(round + 1);
      }
      rounds.push(emitNumbered(sink, 'last', 4));
    } finally {
      sink.close();
    }
    const files = trailContents(base);
    expect(files.map((file) => file.lines)).toStrictEqual(rounds);
    for (const file of files.slice(0, -1)) expect(file.name).toMatch(ROTATED_NAME);
    expect(files.at(-1)?.name).toBe('audit.jsonl');
  });

  it('emit then rotate() without a flush: what was emitted before the call is in the rotated file', () => {
    const base = path.join(tempDir(), 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(base, { rotation: ROTATION });
    let before: string[] = [];
    let after: string[] = [];
    try {
      before = emitNumbered(sink, 'before', 25);
      sink.rotate();
      after = emitNumbered(sink, 'after', 10);
      sink.flush();
      expect(sink.stats().rotations).toBe(1);
    } finally {
      sink.close();
    }
    expect(trailContents(base).map((file) => file.lines)).toStrictEqual([before, after]);
  });

  it('rotate() on an empty file: no rotation, no file made', () => {
    const dir = tempDir();
    const base = path.join(dir, 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(base, { rotation: ROTATION });
    try {
      sink.rotate();
      expect(sink.stats().rotations).toBe(0);
      expect(fs.readdirSync(dir)).toStrictEqual(['audit.jsonl']);
      const lines = emitNumbered(sink, 'A', 3);
      sink.flush();
      sink.rotate();
      sink.rotate();
      expect(sink.stats().rotations).toBe(1);
      expect(trailContents(base).map((file) => file.lines)).toStrictEqual([lines, []]);
    } finally {
      sink.close();
    }
  });

  it('rotate() without the rotation option throws AuditOptionError naming it; after close(), AuditClosedError', () => {
    const base = path.join(tempDir(), 'audit.jsonl');
    const plain = new ThreadedJSONLSinkCollector(base);
    try {
      const error = thrownBy(() => plain.rotate());
      expect(error).toBeInstanceOf(AuditOptionError);
      expect((error as Error).message).toBe(
        'Invalid option "rotation": expected set, for rotate(), got undefined',
      );
    } finally {
      plain.close();
    }
    const rotating = new ThreadedJSONLSinkCollector(base, { rotation: ROTATION });
    rotating.close();
    expect(thrownBy(() => rotating.rotate())).toBeInstanceOf(AuditClosedError);
    expect(listTrailFiles(base).map((file) => path.basename(file.path))).toStrictEqual(['audit.jsonl']);
  });
});
