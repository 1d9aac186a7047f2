/**
 * Several processes appending to one file, each through its own sink (a Node cluster, PM2, a
 * restart overlap): every write(2) the drain makes ends on a record boundary (a span that
 * wraps the ring's end goes out as one vectored write), and O_APPEND writes to a local file
 * do not interleave, so no process splits another's lines. Before, a write could end
 * mid-record at the ring's end, and two processes' bytes met inside a line (even inside a
 * UTF-8 character). Four forked children (test/fixtures/append-from-process.mjs) with a 1 KiB
 * ring, so that spans wrap every few records, start together from a go-file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { killChildrenAfterEach, startFixture } from './support/child-process.js';
import { useTempDir } from './support/temp-files.js';
import { checkNumberedLine, splitLines } from './support/threaded-sink-kit.js';

const PROCESSES = 4;
const PER_PROCESS = 2000;
const RING_SIZE = 1024;

describe('ThreadedJSONLSinkCollector: several processes appending to one local file', () => {
  const tempDir = useTempDir('calute-multi-process-');
  killChildrenAfterEach();

  it(`${PROCESSES} processes x ${PER_PROCESS} events through ${RING_SIZE}-byte rings: every line whole, each process's records complete and in order`, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'audit.jsonl');
    const go = path.join(dir, 'go');
    const producers = Array.from({ length: PROCESSES }, (_, index) => `process-${index}`);
    const children = producers.map((producer) =>
      startFixture('append-from-process.mjs', [file, producer, String(PER_PROCESS), String(RING_SIZE), go], {
        timeoutMs: 60_000,
      }),
    );
    await Promise.all(children.map((child) => child.waitForStdout(/^ready$/m)));
    fs.writeFileSync(go, '');
    for (const ended of await Promise.all(children.map((child) => child.ended))) {
      expect(ended.timedOut).toBe(false);
      expect(ended.stderr).toBe('');
      expect(ended.code).toBe(0);
      expect(ended.stdout).toBe('ready\ndone\n');
    }
    const bytes = fs.readFileSync(file);
    // Valid UTF-8 throughout: no two processes' bytes met inside a character.
    expect(Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes)).toBe(true);
    const seqs: Record<string, number[]> = Object.fromEntries(producers.map((producer) => [producer, []]));
    for (const line of splitLines(bytes)) {
      // Each line is exactly a record its producer emitted.
      const { producer, seq } = checkNumberedLine(line);
      seqs[producer].push(seq);
    }
    const all = Array.from({ length: PER_PROCESS }, (_, seq) => seq);
    expect(seqs).toStrictEqual(Object.fromEntries(producers.map((producer) => [producer, all])));
  });
});
