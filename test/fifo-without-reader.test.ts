/**
 * allowNonRegularFile and a FIFO that nobody reads: opening it for writing fails at once
 * (ENXIO) with an AuditPathError naming the path, from the constructors and from reopen().
 * Special files are opened non-blocking. Before, the constructor and reopen() blocked in
 * open(2) until a reader came, possibly for ever. Each case runs in a forked child
 * (test/fixtures/open-fifo-without-reader.mjs) whose life is bounded, since a blocked open
 * cannot be interrupted from inside the process.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { killChildrenAfterEach, runFixture } from './support/child-process.js';
import { useTempDir } from './support/temp-files.js';

describe('allowNonRegularFile: a FIFO without a reader', () => {
  const tempDir = useTempDir('calute-fifo-noreader-');
  killChildrenAfterEach();

  const cases = [
    ['new ThreadedJSONLSinkCollector(fifo)', 'ThreadedJSONLSinkCollector', 'audit.fifo'],
    ['new JSONLSinkCollector(fifo)', 'JSONLSinkCollector', 'audit.fifo'],
    ['reopen() after the path became a FIFO', 'reopen', 'audit.jsonl'],
  ] as const;

  for (const [name, how, fileName] of cases) {
    it(`${name}: AuditPathError (ENXIO) naming the path, at once`, async () => {
      const dir = tempDir();
      const ended = await runFixture('open-fifo-without-reader.mjs', [dir, how], { timeoutMs: 10_000 });
      expect(ended.timedOut).toBe(false);
      expect(ended.stderr).toBe('');
      expect(ended.code).toBe(0);
      const { thrown, ms } = JSON.parse(ended.stdout);
      const fifo = path.join(dir, fileName);
      expect(thrown).toStrictEqual({
        name: 'AuditPathError',
        code: 'ERR_AUDIT_PATH',
        message: expect.stringContaining(`"${fifo}"`),
        path: fifo,
      });
      expect(thrown.message).toContain('ENXIO');
      expect(thrown.message).toContain('no process has the FIFO open for reading');
      expect(ms).toBeLessThan(1000);
    });
  }
});
