/**
 * reopen() in a synchronous rotation loop under a low descriptor limit: the descriptor the
 * drain stopped using is closed by the next reopen() itself, not only later on the event
 * loop, so the loop holds two or three descriptors at a time whatever its length. Before,
 * every old descriptor waited for the event loop, and the loop failed with EMFILE once the
 * limit was reached. A forked child under `ulimit -n 64` runs 300 rounds
 * (test/fixtures/reopen-rotation-loop.mjs).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from './support/child-process.js';
import { useTempDir } from './support/temp-files.js';
import { parseLines, readLines } from './support/threaded-sink-kit.js';

const ROUNDS = 300;
/** Enough for Node, its drain worker and the sink; far below one descriptor per round. */
const DESCRIPTOR_LIMIT = 64;

describe('ThreadedJSONLSinkCollector: reopen() in a synchronous loop', () => {
  const tempDir = useTempDir('calute-reopen-limit-');

  it(`rename + reopen() ${ROUNDS} times without a turn of the event loop, ulimit -n ${DESCRIPTOR_LIMIT}: no EMFILE, each file holds its record`, () => {
    const dir = tempDir();
    const child = spawnSync(
      'sh',
      [
        '-c',
        `ulimit -n ${DESCRIPTOR_LIMIT} && exec "$0" "$@"`,
        process.execPath,
        path.join(FIXTURES, 'reopen-rotation-loop.mjs'),
        dir,
        String(ROUNDS),
      ],
      { cwd: FIXTURES, encoding: 'utf8', timeout: 60_000 },
    );
    expect(child.signal).toBeNull();
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout)).toStrictEqual({ done: ROUNDS });
    for (let round = 0; round < ROUNDS; round++) {
      const records = parseLines(readLines(path.join(dir, `audit.jsonl.${round}`)));
      expect(records.map((record) => record.prompt_preview)).toStrictEqual([`round ${round}`]);
    }
    expect(
      parseLines(readLines(path.join(dir, 'audit.jsonl'))).map((record) => record.prompt_preview),
    ).toStrictEqual(['last']);
    expect(fs.readdirSync(dir)).toHaveLength(ROUNDS + 1);
  });
});
