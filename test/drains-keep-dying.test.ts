/**
 * Drain workers that keep dying, in a process that listens for nothing (no onError, no
 * 'error' listener): after five restarts the emitting thread writes the ring itself. Nothing
 * is lost, so nothing is thrown at the process: each death is a process warning, the program
 * runs to its end with exit code 0, and every record is in the file. Before, the last
 * AuditWorkerError ("not restarted, writing from the emitting thread") was thrown from the
 * worker's exit handler and crashed the process.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, killChildrenAfterEach, runFixture } from './support/child-process.js';
import { useTempDir } from './support/temp-files.js';
import { parseLines, readLines } from './support/threaded-sink-kit.js';

const COUNT = 3000;
/** Smaller than the burst: the ring fills while drains die, and emit() waits for whoever drains. */
const RING_SIZE = 16 * 1024;

describe('ThreadedJSONLSinkCollector: drain workers that keep dying, nobody listening for errors', () => {
  const tempDir = useTempDir('calute-keep-dying-');
  killChildrenAfterEach();

  it(`every drain exits at its first write, ${COUNT} events: warnings only, exit code 0, every record in the file`, async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const ended = await runFixture(
      'emit-burst-without-listener.mjs',
      [file, String(COUNT), String(RING_SIZE)],
      {
        execArgv: ['--import', path.join(FIXTURES, 'preload-drain-fault.mjs')],
        env: { CALUTE_TEST_DRAIN_FAULT: 'exit', CALUTE_TEST_DRAIN_FAULT_AT: '1' },
        timeoutMs: 30_000,
      },
    );
    expect(ended.timedOut).toBe(false);
    expect(ended.signal).toBeNull();
    expect(ended.code).toBe(0);
    expect(ended.stdout).toBe('done {"drainingInline":true}\n');
    // Six process warnings: five drains replaced, then the emitting thread taking over.
    const warnings = ended.stderr.split('\n').filter((line) => line.includes('AuditWorkerError'));
    expect(warnings).toHaveLength(6);
    for (const warning of warnings)
      expect(warning).toMatch(/^\(node:\d+\) \[ERR_AUDIT_WORKER_EXIT\] AuditWorkerError: /);
    expect(warnings.at(-1)).toMatch(/writing from the emitting thread\)$/);
    expect(ended.stderr).not.toMatch(/^\s+at /m);
    const seqs = parseLines(readLines(file)).map((record) => record.metadata.seq);
    expect(seqs).toStrictEqual(Array.from({ length: COUNT }, (_, seq) => seq));
  });
});
