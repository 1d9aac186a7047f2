/**
 * `integrity` and `close()`: once `close()` returns, nothing of the sink touches the trail
 * again, even when it is closed before its drain worker started (the worker that starts
 * late must not open, create or write a sidecar). An application may move or archive the
 * files right after closing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ThreadedJSONLSinkCollector, TurnEndEvent } from 'calute-audit';
import { verifyAuditTrail } from 'calute-audit/trail';
import { describe, expect, it } from 'vitest';
import { delay, keyPair, namesIn } from './support/lifecycle-kit.js';
import { useTempDir } from './support/temp-files.js';

const { privateKey, publicKey } = keyPair();

describe('ThreadedJSONLSinkCollector integrity: close() before the drain worker started', () => {
  const tempDir = useTempDir('calute-integrity-close-');

  for (const closing of ['close()', 'closeAsync()'] as const) {
    it(`${closing}, then the files are moved away: no sidecar appears at the path afterwards; the moved trail verifies`, async () => {
      const dir = tempDir();
      const base = path.join(dir, 'audit.jsonl');
      const sink = new ThreadedJSONLSinkCollector(base, { integrity: { privateKey } });
      sink.emit(new TurnEndEvent({ metadata: { seq: 0 } }));
      if (closing === 'close()') sink.close();
      else await sink.closeAsync();
      const archive = path.join(dir, 'archive');
      fs.mkdirSync(archive);
      fs.renameSync(base, path.join(archive, 'audit.jsonl'));
      fs.renameSync(`${base}.checkpoints`, path.join(archive, 'audit.jsonl.checkpoints'));
      // Time for a drain worker that was still starting to run, if one does.
      await delay(500);
      expect(namesIn(dir)).toStrictEqual(['archive']);
      const report = await verifyAuditTrail(path.join(archive, 'audit.jsonl'), { publicKey });
      expect(report.problems).toStrictEqual([]);
      expect(report.files.map((file) => file.lines)).toStrictEqual([1]);
    });
  }
});
