/**
 * The drain worker starts under the Node flags applications run with. A worker is given the
 * process's flags (so that preloads, --import and loaders apply to it too), less those that
 * only describe the main script; but Worker refuses V8 and per-process flags in execArgv
 * (ERR_WORKER_INVALID_EXEC_ARGV), so a process started with `--max-old-space-size`, as many
 * services are, got no drain worker at all: the emitting thread wrote the file for the
 * process's whole life, with a warning.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { killChildrenAfterEach, runFixture } from './support/child-process.js';
import { useTempDir } from './support/temp-files.js';
import { parseLines, readLines } from './support/threaded-sink-kit.js';

describe('ThreadedJSONLSinkCollector under Node flags', () => {
  const tempDir = useTempDir('calute-flags-');
  killChildrenAfterEach();

  for (const flags of [[], ['--import', 'node:fs']] as const) {
    it(`node ${flags.join(' ') || '(no flags)'}: a drain worker writes the file`, async () => {
      const file = path.join(tempDir(), 'audit.jsonl');
      const ended = await runFixture('emit-and-report-drain.mjs', [file], { execArgv: [...flags] });
      expect(ended.stderr).toBe('');
      expect(JSON.parse(ended.stdout)).toStrictEqual({
        drainingInline: false,
        workerRestarts: 0,
        writtenEvents: 10,
      });
      expect(parseLines(readLines(file))).toHaveLength(10);
    });
  }

  // V8 flags (--max-old-space-size, --stack-size, ...) make `new Worker` throw
  // ERR_WORKER_INVALID_EXEC_ARGV when given in execArgv (Node 20-24 document that they are not
  // supported there): the drain worker starts without them instead of the sink falling back
  // to writing from the emitting thread.
  for (const flag of ['--max-old-space-size=256', '--stack-size=2000']) {
    it(`node ${flag}: a drain worker writes the file`, async () => {
      const file = path.join(tempDir(), 'audit.jsonl');
      const ended = await runFixture('emit-and-report-drain.mjs', [file], { execArgv: [flag] });
      expect(ended.stderr).toBe('');
      expect(JSON.parse(ended.stdout)).toStrictEqual({
        drainingInline: false,
        workerRestarts: 0,
        writtenEvents: 10,
      });
    });
  }
});
