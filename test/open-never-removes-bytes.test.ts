/**
 * Opening a file never removes a byte from it. A second sink (or the synchronous sink, or
 * another process) that opens the live file while the first one's drain is writing leaves
 * every record in place; a file whose last line lacks its newline keeps that line whole and
 * gets the newline after it. Before, every opener cut what looked like a torn last line: a
 * drain write caught half done lost its records, and a 100 KB one-line file became empty.
 */
import fs from 'node:fs';
import path from 'node:path';
import { JSONLSinkCollector, ThreadedJSONLSinkCollector, TurnStartEvent } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-files.js';
import { FIXED_TIMESTAMP, parseLines, readLines } from './support/threaded-sink-kit.js';

type Opener = 'JSONLSinkCollector' | 'ThreadedJSONLSinkCollector';

const openers: Record<Opener, (file: string) => { emit(event: TurnStartEvent): void; close(): void }> = {
  JSONLSinkCollector: (file) => new JSONLSinkCollector(file),
  ThreadedJSONLSinkCollector: (file) => new ThreadedJSONLSinkCollector(file),
};

/**
 * Spins until the file at `file` is longer than `before` but shorter than `after`: another
 * thread's write(2) is under way (Linux makes the size visible page by page). Returns false
 * if the write was seen only once finished.
 */
function catchWriteUnderWay(file: string, before: number, after: number): boolean {
  const deadline = performance.now() + 5000;
  for (;;) {
    const size = fs.statSync(file).size;
    if (size > before && size < after) return true;
    if (size >= after) return false;
    if (performance.now() > deadline) throw new Error(`the file stayed at ${size} bytes for 5 s`);
  }
}

describe('opening the live file of a ThreadedJSONLSinkCollector while its drain writes', () => {
  const tempDir = useTempDir('calute-open-live-');
  const ROUNDS = 10;
  /**
   * One record, one write(2) of 3 MB (a millisecond or so, page by page): a window wide
   * enough for the other opener to land in. Under the 4 MiB record cap set below.
   */
  const PAYLOAD = 3_000_000;

  for (const opener of Object.keys(openers) as Opener[]) {
    it(`new ${opener}(same path) in the middle of the drain's write: nothing deleted, every record whole`, () => {
      const file = path.join(tempDir(), 'audit.jsonl');
      const first = new ThreadedJSONLSinkCollector(file, {
        ringSize: 8 * 1024 * 1024,
        maxRecordBytes: 4 * 1024 * 1024,
      });
      const expected: string[] = [];
      let caught = 0;
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const before = fs.statSync(file).size;
          const fields = { timestamp: FIXED_TIMESTAMP, metadata: { producer: 'first', seq: round } };
          first.emit(new TurnStartEvent({ ...fields, promptPreview: `${round}:${'x'.repeat(PAYLOAD)}` }));
          // The record on disk: its envelope, the payload and the newline.
          const recordBytes =
            Buffer.byteLength(new TurnStartEvent({ ...fields, promptPreview: `${round}:` }).serialize()) +
            PAYLOAD +
            1;
          // The other sink opens the file when its size ends inside that record.
          if (catchWriteUnderWay(file, before, before + recordBytes)) caught++;
          const other = openers[opener](file);
          const mark = new TurnStartEvent({ timestamp: FIXED_TIMESTAMP, promptPreview: `opener ${round}` });
          other.emit(mark);
          other.close();
          // The mark is written at once; the drain's record may still be on its way.
          first.flush();
          expected.push(`${round}:${'x'.repeat(PAYLOAD)}`, `opener ${round}`);
        }
        expect(first.stats().writtenEvents).toBe(ROUNDS);
      } finally {
        first.close();
      }
      const lines = readLines(file);
      // An opener that sees the size stay put for 30 ms in the middle of a write (the writer was
      // descheduled that long) takes the tail for torn and adds a newline after it: an empty
      // line, never a removed byte. Only an open that saw a write under way can do that.
      const empty = lines.filter((line) => line === '').length;
      console.log(`${opener}: ${caught} of ${ROUNDS} opens saw a write under way; ${empty} empty lines`);
      expect(empty).toBeLessThanOrEqual(caught);
      const records = parseLines(lines.filter((line) => line !== ''));
      // Both records of each round, whole; which came first depends on which write finished first.
      expect(records).toHaveLength(2 * ROUNDS);
      const previews = records.map((record) => record.prompt_preview as string);
      for (let round = 0; round < ROUNDS; round++) {
        expect(previews.slice(2 * round, 2 * round + 2).sort()).toStrictEqual(
          expected.slice(2 * round, 2 * round + 2).sort(),
        );
      }
    });
  }
});

describe('opening a file whose last line has no newline', () => {
  const tempDir = useTempDir('calute-open-torn-');
  // 100 KB of one complete record with no newline after it.
  const oneLine = JSON.stringify({ event_type: 'turn_start', prompt_preview: 'p'.repeat(100 * 1024) });

  for (const opener of Object.keys(openers) as Opener[]) {
    it(`new ${opener}() on a 100 KB one-line file without a newline: every byte kept, the newline added`, async () => {
      const file = path.join(tempDir(), 'one-line.jsonl');
      fs.writeFileSync(file, oneLine);
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => warnings.push(warning);
      process.on('warning', onWarning);
      const sink = openers[opener](file);
      const next = new TurnStartEvent({ timestamp: FIXED_TIMESTAMP, promptPreview: 'next' });
      sink.emit(next);
      sink.close();
      await new Promise((resolve) => setImmediate(resolve));
      process.off('warning', onWarning);
      expect(fs.readFileSync(file, 'utf8')).toBe(`${oneLine}\n${next.serialize()}\n`);
      expect(JSON.parse(readLines(file)[0])).toStrictEqual(JSON.parse(oneLine));
      // Not silent: the application hears that the file ended in a line without its newline.
      const about = warnings.filter((warning) => warning.message.includes(file));
      expect(about.map((warning) => (warning as NodeJS.ErrnoException).code)).toStrictEqual([
        'CALUTE_AUDIT_TORN_LINE',
      ]);
      expect(about[0].message).toContain(`of ${Buffer.byteLength(oneLine)} bytes`);
    });
  }
});
