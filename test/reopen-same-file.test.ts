/**
 * reopen() on a path that still names the file being written (a second SIGHUP, a reload
 * handler, logrotate's copytruncate followed by SIGHUP): nothing to switch to, so nothing
 * happens. Before, each such reopen() opened the path again and cut what looked like a torn
 * last line while the drain was in the middle of a batch: records went missing from the file
 * although stats() counted them as written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ThreadedJSONLSinkCollector } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { openDescriptors } from './support/assertions.js';
import { useTempDir } from './support/temp-files.js';
import { emitNumbered, jsonlBytes } from './support/threaded-sink-kit.js';

const COUNT = 30_000;
const REOPEN_EVERY = 500;

describe('ThreadedJSONLSinkCollector: reopen() of the file being written', () => {
  const tempDir = useTempDir('calute-reopen-same-');

  for (const ringSize of [4 * 1024, 64 * 1024]) {
    it(`reopen() every ${REOPEN_EVERY} of ${COUNT} events, path not renamed (ring ${ringSize / 1024} KiB): every record once, in order`, () => {
      const file = path.join(tempDir(), 'audit.jsonl');
      const sink = new ThreadedJSONLSinkCollector(file, { ringSize });
      const lines: string[] = [];
      try {
        for (let round = 0; round < COUNT / REOPEN_EVERY; round++) {
          lines.push(...emitNumbered(sink, `round-${round}`, REOPEN_EVERY));
          sink.reopen();
        }
        sink.flush();
        const actual = fs.readFileSync(file);
        const expected = jsonlBytes(lines);
        // Compared as bytes first (fast), as text for a readable difference.
        if (!actual.equals(expected)) expect(actual.toString('utf8')).toBe(expected.toString('utf8'));
        const stats = sink.stats();
        expect(stats.writtenEvents).toBe(COUNT);
        expect(stats.writtenBytes).toBe(actual.length);
        // No descriptor was opened for the reopen calls: the sink holds the file once.
        expect(openDescriptors(file)).toBe(1);
      } finally {
        sink.close();
      }
      expect(openDescriptors(file)).toBe(0);
    });
  }
});
