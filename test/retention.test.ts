/**
 * `retention: { maxFiles, maxAgeMs, minAgeMs }`: after each rotation (and when a sink
 * starts) rotated files beyond maxFiles or older than maxAgeMs are deleted with their
 * checkpoint sidecars, never one younger than the floor minAgeMs (7 days unless lowered),
 * never the active file. Each deletion is a `'deleted'` notice, or a process warning when
 * nobody listens. A maxAgeMs below the floor is refused at construction, naming both.
 *
 * Ages come from the rotated files' names and the injected clock, so the test moves days
 * ahead without waiting.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AuditOptionError, ThreadedJSONLSinkCollector } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { thrownBy } from './support/assertions.js';
import {
  collectNotices,
  keyPair,
  lifecycleDone,
  type Notice,
  namesIn,
  TestClock,
  trailContents,
  waitUntil,
} from './support/lifecycle-kit.js';
import { useTempDir } from './support/temp-files.js';
import { emitNumbered } from './support/threaded-sink-kit.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const ROTATION = { maxBytes: 1024 * 1024 };
const { privateKey } = keyPair();

/** The rotated name of a file rotated at `epochMs` (the naming scheme of listTrailFiles). */
function rotatedName(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  const stamp = iso.slice(0, 19).replace(/[-:]/g, '');
  return `audit.${stamp}.${iso.slice(20, 23)}000Z.jsonl`;
}

/**
 * At each time: set the clock and let the drain see it, emit a few records, flush, rotate().
 * Returns each round's lines.
 */
async function rotateAt(
  sink: ThreadedJSONLSinkCollector,
  clock: TestClock,
  times: readonly number[],
): Promise<string[][]> {
  const rounds: string[][] = [];
  for (const [index, time] of times.entries()) {
    clock.set(time);
    await clock.published();
    rounds.push(emitNumbered(sink, `at-${index}`, 3));
    sink.flush();
    sink.rotate();
  }
  return rounds;
}

const deletions = (notices: readonly Notice[]) =>
  notices
    .filter((notice) => notice.type === 'deleted')
    .map((notice) => [path.basename(notice.path), notice.message]);

describe('ThreadedJSONLSinkCollector retention', () => {
  const tempDir = useTempDir('calute-retention-');

  it('maxFiles 2, minAgeMs 0: the two newest rotated files stay; the others go with their sidecars, each told', async () => {
    const dir = tempDir();
    const base = path.join(dir, 'audit.jsonl');
    const clock = new TestClock(T0);
    const sink = new ThreadedJSONLSinkCollector(base, {
      rotation: { ...ROTATION, clock: clock.read },
      retention: { maxFiles: 2, minAgeMs: 0 },
      integrity: { privateKey },
    });
    const notices = collectNotices(sink);
    const times = [1, 2, 3, 4, 5].map((hours) => T0 + hours * HOUR);
    try {
      const rounds = await rotateAt(sink, clock, times);
      const last = emitNumbered(sink, 'last', 2);
      sink.flush();
      await lifecycleDone(sink, notices);
      const names = times.map(rotatedName);
      expect(deletions(notices)).toStrictEqual(
        names
          .slice(0, 3)
          .map((name) => [name, `retention deleted ${path.join(dir, name)} (more than 2 rotated files)`]),
      );
      expect(namesIn(dir)).toStrictEqual([
        names[3],
        `${names[3]}.checkpoints`,
        names[4],
        `${names[4]}.checkpoints`,
        'audit.jsonl',
        'audit.jsonl.checkpoints',
      ]);
      expect(trailContents(base).map((file) => file.lines)).toStrictEqual([rounds[3], rounds[4], last]);
    } finally {
      sink.close();
    }
  });

  it('the floor: maxFiles 1 keeps every file younger than 7 days (the default minAgeMs), deletes the older ones', async () => {
    const dir = tempDir();
    const base = path.join(dir, 'audit.jsonl');
    const clock = new TestClock(T0);
    const sink = new ThreadedJSONLSinkCollector(base, {
      rotation: { ...ROTATION, clock: clock.read },
      retention: { maxFiles: 1 },
    });
    const notices = collectNotices(sink);
    try {
      const early = [1, 2, 3, 4].map((days) => T0 + days * DAY);
      await rotateAt(sink, clock, early);
      await lifecycleDone(sink, notices);
      // Four rotated files, all younger than a week: kept although maxFiles is 1.
      expect(deletions(notices)).toStrictEqual([]);
      expect(namesIn(dir)).toStrictEqual([...early.map(rotatedName), 'audit.jsonl']);

      // 10.5 days in: the files rotated 9.5, 8.5 and 7.5 days ago go; the one of 6.5 days stays.
      const late = T0 + 10.5 * DAY;
      await rotateAt(sink, clock, [late]);
      await lifecycleDone(sink, notices);
      expect(deletions(notices).map(([name]) => name)).toStrictEqual(early.slice(0, 3).map(rotatedName));
      expect(namesIn(dir)).toStrictEqual([rotatedName(early[3]), rotatedName(late), 'audit.jsonl']);
    } finally {
      sink.close();
    }
  });

  it('maxAgeMs 8 days: files rotated more than 8 days ago are deleted, the rest kept', async () => {
    const dir = tempDir();
    const base = path.join(dir, 'audit.jsonl');
    const clock = new TestClock(T0);
    const sink = new ThreadedJSONLSinkCollector(base, {
      rotation: { ...ROTATION, clock: clock.read },
      retention: { maxAgeMs: 8 * DAY },
    });
    const notices = collectNotices(sink);
    try {
      const times = [1, 2, 3, 4, 11].map((days) => T0 + days * DAY);
      await rotateAt(sink, clock, times);
      await lifecycleDone(sink, notices);
      // At day 11: rotated 10 and 9 days ago are too old; 8 days exactly is not older than 8 days.
      expect(deletions(notices)).toStrictEqual(
        times
          .slice(0, 2)
          .map((time) => [
            rotatedName(time),
            `retention deleted ${path.join(dir, rotatedName(time))} (older than ${8 * DAY} ms)`,
          ]),
      );
      expect(namesIn(dir)).toStrictEqual([...times.slice(2).map(rotatedName), 'audit.jsonl']);
    } finally {
      sink.close();
    }
  });

  it('a new sink applies retention to the files already there when it starts, before any rotation', async () => {
    const dir = tempDir();
    const base = path.join(dir, 'audit.jsonl');
    const clock = new TestClock(T0);
    const first = new ThreadedJSONLSinkCollector(base, { rotation: { ...ROTATION, clock: clock.read } });
    const times = [1, 2, 3].map((hours) => T0 + hours * HOUR);
    try {
      await rotateAt(first, clock, times);
    } finally {
      first.close();
    }
    const second = new ThreadedJSONLSinkCollector(base, {
      rotation: { ...ROTATION, clock: clock.read },
      retention: { maxFiles: 1, minAgeMs: 0 },
    });
    const notices = collectNotices(second);
    try {
      await second.settled();
      await waitUntil(() => deletions(notices).length === 2, 'two deleted notices');
      expect(deletions(notices).map(([name]) => name)).toStrictEqual(times.slice(0, 2).map(rotatedName));
      expect(namesIn(dir)).toStrictEqual([rotatedName(times[2]), 'audit.jsonl']);
      expect(second.stats().rotations).toBe(0);
    } finally {
      second.close();
    }
  });

  it('without a notice listener, each deletion is a process warning (code CALUTE_AUDIT_NOTICE)', async () => {
    const dir = tempDir();
    const base = path.join(dir, 'audit.jsonl');
    const clock = new TestClock(T0);
    const warnings: (Error & { code?: string })[] = [];
    const listener = (warning: Error & { code?: string }) => {
      if (warning.code === 'CALUTE_AUDIT_NOTICE') warnings.push(warning);
    };
    process.on('warning', listener);
    const sink = new ThreadedJSONLSinkCollector(base, {
      rotation: { ...ROTATION, clock: clock.read },
      retention: { maxFiles: 1, minAgeMs: 0 },
    });
    try {
      const times = [1, 2, 3].map((hours) => T0 + hours * HOUR);
      await rotateAt(sink, clock, times);
      await waitUntil(() => warnings.length === 2, 'two CALUTE_AUDIT_NOTICE warnings');
      await sink.settled();
      expect(warnings.map((warning) => warning.message)).toStrictEqual(
        times
          .slice(0, 2)
          .map(
            (time) => `retention deleted ${path.join(dir, rotatedName(time))} (more than 1 rotated files)`,
          ),
      );
      expect(namesIn(dir)).toStrictEqual([rotatedName(times[2]), 'audit.jsonl']);
    } finally {
      sink.close();
      process.off('warning', listener);
    }
  });

  it('maxAgeMs below the floor throws AuditOptionError naming both retention.maxAgeMs and retention.minAgeMs; nothing is created', () => {
    const dir = tempDir();
    const base = path.join(dir, 'audit.jsonl');
    for (const retention of [{ maxAgeMs: HOUR }, { maxAgeMs: 2 * DAY, minAgeMs: 3 * DAY }]) {
      const error = thrownBy(() => new ThreadedJSONLSinkCollector(base, { rotation: ROTATION, retention }));
      expect(error).toBeInstanceOf(AuditOptionError);
      const { message } = error as Error;
      expect(message).toContain('"retention.maxAgeMs"');
      expect(message).toContain('retention.minAgeMs');
      expect(message).toContain(`(${retention.minAgeMs ?? WEEK} ms)`);
      expect(message).toContain(`got ${retention.maxAgeMs}`);
    }
    expect(fs.readdirSync(dir)).toStrictEqual([]);
    // Lowered on purpose, the floor allows it.
    const sink = new ThreadedJSONLSinkCollector(base, {
      rotation: ROTATION,
      retention: { maxAgeMs: HOUR, minAgeMs: HOUR },
    });
    sink.close();
    expect(sink.options.retention).toStrictEqual({ maxFiles: null, maxAgeMs: HOUR, minAgeMs: HOUR });
  });
});
