/**
 * `integrity` with an outside rotation: logrotate moves the audit file without its
 * checkpoint sidecar, so the chain could not follow it. `reopen()` is refused with an
 * AuditOptionError that says so (the sink keeps writing the file it has open, losing
 * nothing), and `reopenOnSighup` with `integrity` is refused at construction.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AuditOptionError, ThreadedJSONLSinkCollector } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { thrownBy } from './support/assertions.js';
import { fileLines, keyPair } from './support/lifecycle-kit.js';
import { useTempDir } from './support/temp-files.js';
import { emitNumbered } from './support/threaded-sink-kit.js';

const { privateKey } = keyPair();
const WHY =
  'an outside rotation moves the audit file without its checkpoint sidecar, and the chain links files by name; use the "rotation" option instead';

describe('ThreadedJSONLSinkCollector integrity + outside rotation', () => {
  const tempDir = useTempDir('calute-integrity-reopen-');

  it('reopen() after a rename throws AuditOptionError; every record, before and after, is in the renamed file', () => {
    const dir = tempDir();
    const base = path.join(dir, 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(base, { integrity: { privateKey, checkpointEvery: 4 } });
    let before: string[] = [];
    let after: string[] = [];
    try {
      before = emitNumbered(sink, 'before', 10);
      sink.flush();
      fs.renameSync(base, `${base}.1`);
      const error = thrownBy(() => sink.reopen());
      expect(error).toBeInstanceOf(AuditOptionError);
      expect((error as Error).message).toBe(`reopen() cannot be used with "integrity": ${WHY}`);
      after = emitNumbered(sink, 'after', 6);
    } finally {
      sink.close();
    }
    expect(fileLines(`${base}.1`)).toStrictEqual([...before, ...after]);
    expect(fs.existsSync(base)).toBe(false);
  });

  it('reopenOnSighup with integrity: AuditOptionError at construction, nothing created', () => {
    const dir = tempDir();
    const error = thrownBy(
      () =>
        new ThreadedJSONLSinkCollector(path.join(dir, 'audit.jsonl'), {
          integrity: { privateKey },
          reopenOnSighup: true,
        }),
    );
    expect(error).toBeInstanceOf(AuditOptionError);
    expect((error as Error).message).toBe(`"reopenOnSighup" cannot be used with "integrity": ${WHY}`);
    expect(fs.readdirSync(dir)).toStrictEqual([]);
  });
});
