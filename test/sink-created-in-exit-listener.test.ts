/**
 * A sink made inside a process.on('exit') listener (a last report written on the way out)
 * writes what is emitted into it: during 'exit' nothing asynchronous runs, so no drain worker
 * will ever start and exit listeners added now are never called; each emit is written from
 * the emitting thread at once. Before, those records were lost.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { killChildrenAfterEach, runFixture } from './support/child-process.js';
import { useTempDir } from './support/temp-files.js';
import { parseLines, readLines } from './support/threaded-sink-kit.js';

const COUNT = 500;

describe("ThreadedJSONLSinkCollector made inside process.on('exit')", () => {
  const tempDir = useTempDir('calute-exit-listener-');
  killChildrenAfterEach();

  for (const closing of ['no-close', 'close'] as const) {
    it(`emit() ${COUNT} events there, ${closing === 'close' ? 'then close()' : 'no close()'}: every record in the file, in order`, async () => {
      const file = path.join(tempDir(), 'audit.jsonl');
      const ended = await runFixture('sink-in-exit-listener.mjs', [file, String(COUNT), closing]);
      expect(ended.timedOut).toBe(false);
      expect(ended.stderr).toBe('');
      expect(ended.code).toBe(0);
      const records = parseLines(readLines(file));
      expect(records.map((record) => record.metadata.seq)).toStrictEqual(
        Array.from({ length: COUNT }, (_, seq) => seq),
      );
      expect(records.map((record) => record.prompt_preview)).toStrictEqual(
        Array.from({ length: COUNT }, (_, seq) => `in exit ${seq}`),
      );
    });
  }
});
