/**
 * `compress: true`: rotated files are gzipped on the owner's thread, off the drain's write
 * path; each `.gz` decompresses to exactly the bytes the plain file had, takes the sink's
 * mode, and replaces the plain file only once complete. The active file is never
 * compressed. A new sink compresses what a crash left plain (and redoes an interrupted
 * compression) when it starts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type AuditNotice, ThreadedJSONLSinkCollector } from 'calute-audit';
import { listTrailFiles, rotatedPath } from 'calute-audit/trail';
import { describe, expect, it } from 'vitest';
import {
  collectNotices,
  fileBytes,
  lifecycleDone,
  namesIn,
  trailContents,
  waitUntil,
} from './support/lifecycle-kit.js';
import { useTempDir } from './support/temp-files.js';
import { emitNumbered, jsonlBytes } from './support/threaded-sink-kit.js';

const MODE = 0o640;

describe('ThreadedJSONLSinkCollector compress: true', () => {
  const tempDir = useTempDir('calute-compress-');

  it('rotate() three times: each rotated file becomes a .gz holding exactly its bytes; the active file stays plain', async () => {
    const dir = tempDir();
    const base = path.join(dir, 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(base, {
      mode: MODE,
      rotation: { maxBytes: 1024 * 1024 },
      compress: true,
    });
    const notices = collectNotices(sink);
    const rounds: string[][] = [];
    try {
      for (let round = 0; round < 3; round++) {
        rounds.push(emitNumbered(sink, `round-${round}`, 50 + round));
        sink.flush();
        sink.rotate();
      }
      rounds.push(emitNumbered(sink, 'active', 10));
      sink.flush();
      await lifecycleDone(sink, notices);
      // Notices come on a later tick than the work they tell of.
      await waitUntil(
        () => notices.filter((notice) => notice.type === 'compressed').length === 3,
        'three compressed notices',
      );
    } finally {
      sink.close();
    }
    const files = listTrailFiles(base);
    expect(files.map((file) => file.compressed)).toStrictEqual([true, true, true, false]);
    expect(files.at(-1)?.path).toBe(base);
    for (const [index, file] of files.entries()) {
      expect(fileBytes(file.path).equals(jsonlBytes(rounds[index])), path.basename(file.path)).toBe(true);
      expect(fs.statSync(file.path).mode & 0o777, path.basename(file.path)).toBe(MODE);
    }
    // Only the .gz files and the active one: no plain copy, no .partial.
    expect(namesIn(dir)).toStrictEqual(files.map((file) => path.basename(file.path)).sort());
    const rotated = notices.filter((notice) => notice.type === 'rotated').map((notice) => notice.path);
    expect(notices.filter((notice) => notice.type === 'compressed')).toStrictEqual(
      rotated.map((plain) => ({
        type: 'compressed',
        path: `${plain}.gz`,
        message: `compressed ${plain} to ${plain}.gz`,
      })),
    );
  });

  it('a burst rotating by size while the owner thread never yields: the drain rotates without waiting for zlib, every file is compressed afterwards', async () => {
    const dir = tempDir();
    const base = path.join(dir, 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(base, { rotation: { maxBytes: 8192 }, compress: true });
    const notices = collectNotices(sink);
    let lines: string[] = [];
    try {
      // Synchronous from the first emit to the listing: no compression can run on this thread.
      lines = emitNumbered(sink, 'burst', 1500);
      sink.flush();
      const during = listTrailFiles(base);
      expect(sink.stats().rotations).toBeGreaterThan(20);
      expect(during).toHaveLength(sink.stats().rotations + 1);
      expect(during.every((file) => !file.compressed)).toBe(true);
      await lifecycleDone(sink, notices);
    } finally {
      sink.close();
    }
    const files = listTrailFiles(base);
    expect(files.slice(0, -1).every((file) => file.compressed)).toBe(true);
    expect(files.at(-1)).toMatchObject({ path: base, compressed: false });
    expect(trailContents(base).flatMap((file) => file.lines)).toStrictEqual(lines);
    for (const file of files) expect(fileBytes(file.path).length).toBeLessThanOrEqual(8192);
  });

  it('a new sink compresses the plain rotated files a crash left, including one whose compression was cut short', async () => {
    const dir = tempDir();
    const base = path.join(dir, 'audit.jsonl');
    // A first sink without compression leaves two plain rotated files.
    const first = new ThreadedJSONLSinkCollector(base, { rotation: { maxBytes: 1024 * 1024 } });
    const rounds: string[][] = [];
    try {
      for (let round = 0; round < 2; round++) {
        rounds.push(emitNumbered(first, `round-${round}`, 40));
        first.flush();
        first.rotate();
      }
    } finally {
      first.close();
    }
    const [one, two] = listTrailFiles(base).map((file) => file.path);
    // What a crash mid-compression leaves: a .partial beside the first, and for the second
    // a complete-looking .gz renamed into place before its plain file was unlinked.
    fs.writeFileSync(`${one}.gz.partial`, 'cut short');
    fs.writeFileSync(`${two}.gz`, 'not gzip at all');
    expect(listTrailFiles(base).map((file) => [file.path, file.compressed])).toStrictEqual([
      [one, false],
      [two, false],
      [base, false],
    ]);

    const second = new ThreadedJSONLSinkCollector(base, {
      rotation: { maxBytes: 1024 * 1024 },
      compress: true,
    });
    const notices = collectNotices(second);
    try {
      await second.settled();
      await waitUntil(
        () => notices.filter((notice) => notice.type === 'compressed').length === 2,
        'two compressed notices',
      );
    } finally {
      second.close();
    }
    expect(namesIn(dir)).toStrictEqual([
      path.basename(`${one}.gz`),
      path.basename(`${two}.gz`),
      'audit.jsonl',
    ]);
    expect(fileBytes(`${one}.gz`).equals(jsonlBytes(rounds[0]))).toBe(true);
    expect(fileBytes(`${two}.gz`).equals(jsonlBytes(rounds[1]))).toBe(true);
    expect(fs.readFileSync(base).length).toBe(0);
  });

  it('the start-up sweep compresses a plain rotated file but never the active file', async () => {
    const dir = tempDir();
    const base = path.join(dir, 'audit.jsonl');
    const earlier = rotatedPath(base, Date.parse('2026-01-01T00:00:00Z') * 1000);
    fs.writeFileSync(earlier, '{"a":1}\n');
    fs.writeFileSync(base, '{"b":2}\n');
    const sink = new ThreadedJSONLSinkCollector(base, {
      rotation: { maxBytes: 1024 * 1024 },
      compress: true,
    });
    try {
      await sink.settled();
    } finally {
      sink.close();
    }
    expect(namesIn(dir)).toStrictEqual([`${path.basename(earlier)}.gz`, 'audit.jsonl']);
    expect(fs.readFileSync(base, 'utf8')).toBe('{"b":2}\n');
    expect(fileBytes(`${earlier}.gz`).toString()).toBe('{"a":1}\n');
  });

  it('rotate() then settled(): the rotated file is compressed, and its notice delivered, when settled() resolves', async () => {
    const dir = tempDir();
    const base = path.join(dir, 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(base, {
      rotation: { maxBytes: 1024 * 1024 },
      compress: true,
    });
    const notices: AuditNotice[] = [];
    sink.on('notice', (notice) => notices.push(notice));
    try {
      await sink.ready();
      const lines = emitNumbered(sink, 'A', 5);
      sink.flush();
      sink.rotate();
      await sink.settled();
      const files = listTrailFiles(base);
      expect(files.map((file) => file.compressed)).toStrictEqual([true, false]);
      expect(fileBytes(files[0].path).equals(jsonlBytes(lines))).toBe(true);
      expect(notices.map((notice) => notice.type)).toStrictEqual(['rotated', 'compressed']);
    } finally {
      sink.close();
    }
  });

  it('close() while compressions are still queued, then a new sink on the same path: no error, every file compressed once with its exact bytes', async () => {
    const dir = tempDir();
    const base = path.join(dir, 'audit.jsonl');
    const errors: Error[] = [];
    const options = {
      rotation: { maxBytes: 16 * 1024 },
      compress: true,
      onError: (error: Error) => errors.push(error),
    } as const;
    const first = new ThreadedJSONLSinkCollector(base, options);
    // Synchronous up to the next sink: the first sink's compressions have not run yet.
    const lines = emitNumbered(first, 'burst', 2000);
    first.close();
    const rotations = first.stats().rotations;
    expect(rotations).toBeGreaterThan(10);
    const second = new ThreadedJSONLSinkCollector(base, options);
    const notices = collectNotices(second);
    try {
      await second.settled();
      await waitUntil(
        () => listTrailFiles(base).filter((file) => file.compressed).length === rotations,
        'every rotated file compressed',
      );
      // Both sinks' queues have run by now; give a stray failure a moment to be reported.
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      second.close();
    }
    expect(errors.map((error) => error.message)).toStrictEqual([]);
    expect(notices.filter((notice) => notice.type === 'compressed').length).toBeLessThanOrEqual(rotations);
    expect(namesIn(dir).filter((name) => name.endsWith('.partial'))).toStrictEqual([]);
    expect(trailContents(base).flatMap((file) => file.lines)).toStrictEqual(lines);
  });
});
