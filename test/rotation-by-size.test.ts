/**
 * `rotation: { maxBytes }`: the drain switches files at a record boundary before the file
 * would grow past maxBytes. With the main thread and two worker threads emitting at once,
 * every producer's sequence is complete, in order and unrepeated across the files read in
 * `listTrailFiles` order; every file stays within maxBytes unless it holds one larger record
 * alone; each file is created with the sink's mode; the names sort in time order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ThreadedJSONLSinkCollector, ToolCallAttemptEvent, TurnStartEvent } from 'calute-audit';
import { listTrailFiles } from 'calute-audit/trail';
import { describe, expect, it } from 'vitest';
import { collectNotices, lifecycleDone, ROTATED_NAME, trailContents } from './support/lifecycle-kit.js';
import { useTempDir } from './support/temp-files.js';
import { checkNumberedLine, numberedEvent, startNumberedProducers } from './support/threaded-sink-kit.js';

const PER_PRODUCER = 2000;
const MAX_BYTES = 16 * 1024;
const MODE = 0o640;

/** Each producer's sequence numbers, in the order the lines come. */
function sequences(lines: readonly string[]): Record<string, number[]> {
  const seen: Record<string, number[]> = {};
  for (const line of lines) {
    const { producer, seq } = checkNumberedLine(line);
    seen[producer] ??= [];
    seen[producer].push(seq);
  }
  return seen;
}

describe('ThreadedJSONLSinkCollector rotation by size', () => {
  const tempDir = useTempDir('calute-rotation-size-');

  it(`main thread + 2 worker threads (connectCollector), maxBytes ${MAX_BYTES}: every sequence complete and ordered across the files, each file within maxBytes and rotated only when the next record would not fit`, async () => {
    const dir = tempDir();
    const base = path.join(dir, 'audit.jsonl');
    const startedMs = Date.now();
    const sink = new ThreadedJSONLSinkCollector(base, {
      mode: MODE,
      ringSize: 16 * 1024,
      rotation: { maxBytes: MAX_BYTES },
    });
    const notices = collectNotices(sink);
    const { workers, replies, release } = await startNumberedProducers(
      sink.handle,
      ['worker-0', 'worker-1'],
      PER_PRODUCER,
    );
    try {
      release();
      for (let seq = 0; seq < PER_PRODUCER; seq++) sink.emit(numberedEvent('main', seq));
      expect(await Promise.all(replies)).toStrictEqual([{ done: PER_PRODUCER }, { done: PER_PRODUCER }]);
      sink.flush();
      await lifecycleDone(sink, notices);
    } finally {
      await Promise.all(workers.map((worker) => worker.terminate()));
      sink.close();
    }
    const endedMs = Date.now();

    const files = trailContents(base);
    const all = files.flatMap((file) => file.lines);
    const seen = sequences(all);
    expect(Object.keys(seen).sort()).toStrictEqual(['main', 'worker-0', 'worker-1']);
    for (const producer of Object.keys(seen)) {
      expect(seen[producer], producer).toStrictEqual(Array.from({ length: PER_PRODUCER }, (_, seq) => seq));
    }
    expect(all).toHaveLength(3 * PER_PRODUCER);
    const totalBytes = files.reduce((sum, file) => sum + fs.statSync(file.path).size, 0);
    expect(totalBytes).toBe(sink.stats().writtenBytes);

    // Enough files for the bytes, one rotation per rotated file, each told in a notice.
    expect(files.length).toBeGreaterThanOrEqual(Math.ceil(totalBytes / MAX_BYTES));
    expect(sink.stats().rotations).toBe(files.length - 1);
    expect(notices.filter((notice) => notice.type === 'rotated').map((notice) => notice.path)).toStrictEqual(
      files.slice(0, -1).map((file) => file.path),
    );
    for (const [index, file] of files.entries()) {
      const size = fs.statSync(file.path).size;
      expect(size, file.name).toBeLessThanOrEqual(MAX_BYTES);
      expect(fs.statSync(file.path).mode & 0o777, file.name).toBe(MODE);
      if (index < files.length - 1) {
        // Rotated only because the next record would not have fit.
        const next = Buffer.byteLength(files[index + 1].lines[0]) + 1;
        expect(size + next, `${file.name} + the next file's first record`).toBeGreaterThan(MAX_BYTES);
      }
    }

    // The names: the base name with the rotation's UTC time, sorting in time order, the active file last.
    const names = files.map((file) => file.name);
    expect(names.at(-1)).toBe('audit.jsonl');
    const rotated = names.slice(0, -1);
    for (const name of rotated) expect(name).toMatch(ROTATED_NAME);
    expect([...rotated].sort()).toStrictEqual(rotated);
    expect(new Set(rotated).size).toBe(rotated.length);
    // Rotations within one millisecond get the next microsecond: times strictly increase.
    const stamps = listTrailFiles(base)
      .slice(0, -1)
      .map((file) => file.rotatedAt!);
    for (let index = 1; index < stamps.length; index++) expect(stamps[index] > stamps[index - 1]).toBe(true);
    const times = listTrailFiles(base)
      .slice(0, -1)
      .map((file) => file.rotatedAtMs!);
    expect(times[0]).toBeGreaterThanOrEqual(startedMs);
    expect(times.at(-1)).toBeLessThanOrEqual(endedMs);
    // Nothing else in the folder: no leftovers of a rotation.
    expect(fs.readdirSync(dir).sort()).toStrictEqual([...names].sort());
  });

  it('a record larger than maxBytes gets a file of its own; the files around it stay within maxBytes', async () => {
    const base = path.join(tempDir(), 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(base, { rotation: { maxBytes: 4096 } });
    const notices = collectNotices(sink);
    const lines: string[] = [];
    const emit = (event: TurnStartEvent) => {
      lines.push(event.serialize());
      sink.emit(event);
    };
    const event = (seq: number, size: number) =>
      new TurnStartEvent({
        timestamp: '2025-06-15T14:30:00.123456+00:00',
        promptPreview: 'p',
        metadata: { seq, pad: 'x'.repeat(size) },
      });
    for (let seq = 0; seq < 10; seq++) emit(event(seq, 200));
    emit(event(10, 10_000));
    emit(event(11, 12_000));
    for (let seq = 12; seq < 22; seq++) emit(event(seq, 200));
    await sink.closeAsync();
    await lifecycleDone(sink, notices);

    const files = trailContents(base);
    expect(files.flatMap((file) => file.lines)).toStrictEqual(lines);
    const holding = (seq: number) => files.find((file) => file.lines.some((line) => line === lines[seq]))!;
    expect(holding(10).lines).toStrictEqual([lines[10]]);
    expect(holding(11).lines).toStrictEqual([lines[11]]);
    for (const file of files) {
      if (file.lines.length === 1) continue;
      expect(fs.statSync(file.path).size, file.name).toBeLessThanOrEqual(4096);
    }
  });

  it('records larger than the ring (streamed through it in pieces) are never split between two files', async () => {
    const base = path.join(tempDir(), 'audit.jsonl');
    // A 4 KiB ring and records of 5-6 KiB: each record reaches the drain in several pieces.
    const sink = new ThreadedJSONLSinkCollector(base, { ringSize: 4096, rotation: { maxBytes: 16 * 1024 } });
    const notices = collectNotices(sink);
    const lines: string[] = [];
    for (let seq = 0; seq < 60; seq++) {
      const event = new ToolCallAttemptEvent({
        timestamp: '2025-06-15T14:30:00.123456+00:00',
        toolName: 'big',
        argumentsPreview: 'x',
        metadata: { seq, pad: 'y'.repeat(5000 + ((seq * 7919) % 1000)) },
      });
      lines.push(event.serialize());
      sink.emit(event);
    }
    await sink.closeAsync();
    await lifecycleDone(sink, notices);
    const files = listTrailFiles(base).map((file) => file.path);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const bytes = fs.readFileSync(file);
      expect(
        { first: String.fromCharCode(bytes[0]), last: bytes[bytes.length - 1] },
        `${path.basename(file)} begins and ends on a record boundary`,
      ).toStrictEqual({ first: '{', last: 0x0a });
    }
    expect(trailContents(base).flatMap((file) => file.lines)).toStrictEqual(lines);
  });
});
