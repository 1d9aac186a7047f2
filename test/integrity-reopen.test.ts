/**
 * `integrity` with an outside rotation (`reopen()`, as on logrotate's SIGHUP): the sink
 * either refuses it with an error naming the conflict, or keeps a trail that verifies; it
 * never leaves an untouched trail that fails verification.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AuditOptionError, ThreadedJSONLSinkCollector } from 'calute-audit';
import { verifyAuditTrail } from 'calute-audit/trail';
import { describe, expect, it } from 'vitest';
import { keyPair, trailLines } from './support/lifecycle-kit.js';
import { useTempDir } from './support/temp-files.js';
import { emitNumbered } from './support/threaded-sink-kit.js';

const { privateKey, publicKey } = keyPair();

describe('ThreadedJSONLSinkCollector integrity + reopen()', () => {
  const tempDir = useTempDir('calute-integrity-reopen-');

  it('rename the file, reopen(): refused with AuditOptionError, or the new file verifies on its own', async () => {
    const dir = tempDir();
    const base = path.join(dir, 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(base, { integrity: { privateKey, checkpointEvery: 4 } });
    let refused: unknown = null;
    let after: string[] = [];
    try {
      emitNumbered(sink, 'before', 10);
      sink.flush();
      fs.renameSync(base, `${base}.1`);
      try {
        sink.reopen();
      } catch (error) {
        refused = error;
      }
      after = emitNumbered(sink, 'after', 6);
    } finally {
      sink.close();
    }
    if (refused !== null) {
      expect(refused).toBeInstanceOf(AuditOptionError);
      expect((refused as Error).message).toContain('integrity');
      return;
    }
    expect(trailLines(base)).toStrictEqual(after);
    const report = await verifyAuditTrail(base, { publicKey });
    expect(report.problems.filter((problem) => problem.severity === 'error')).toStrictEqual([]);
    expect(report.exitCode).toBe(0);
  });
});
