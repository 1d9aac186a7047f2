/**
 * ThreadedJSONLSinkCollector in a script given on the command line: `node --input-type=module
 * -e "<script>"` and `node -e "<script>"` (CommonJS, require). Workers inherit the process's
 * flags, and a drain worker started with `--input-type` or `-e` fails to start; the sink
 * leaves those flags out, so its drain worker runs and writes every line.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { killChildrenAfterEach, startNode } from './support/child-process.js';
import { readRecords, useTempDir } from './support/temp-files.js';

const COUNT = 500;

killChildrenAfterEach();
const tempDir = useTempDir();

// Half the events, then time for a worker that cannot start to say so (it fails within
// milliseconds), then the rest.
const body = `
const errors = [];
const sink = new ThreadedJSONLSinkCollector(process.argv[1], { onError: (error) => errors.push(error.message) });
const audit = new AuditEmitter({ collector: sink, sessionId: 'eval' });
const emit = (from, to) => { for (let i = from; i < to; i++) audit.emitToolCallAttempt({ toolName: 'eval', args: String(i) }); };
emit(0, ${COUNT / 2});
setTimeout(() => {
  emit(${COUNT / 2}, ${COUNT});
  sink.flush();
  const { drainingInline, writtenEvents } = sink.stats();
  sink.close();
  setImmediate(() => process.stdout.write(JSON.stringify({ drainingInline, writtenEvents, errors })));
}, 500);
`;

const scripts = {
  'node --input-type=module -e': [
    '--input-type=module',
    '-e',
    `import { AuditEmitter, ThreadedJSONLSinkCollector } from 'calute-audit';\n${body}`,
  ],
  'node -e (CommonJS, require)': [
    '-e',
    `const { AuditEmitter, ThreadedJSONLSinkCollector } = require('calute-audit');\n${body}`,
  ],
};

describe('a script given with -e', () => {
  for (const [name, args] of Object.entries(scripts)) {
    it(`${name}: the drain worker runs and writes every line, no worker error`, async () => {
      const file = path.join(tempDir(), 'audit.jsonl');
      const ended = await startNode([...args, file], { timeoutMs: 30_000 }).ended;
      // require(esm) may print its ExperimentalWarning on the Node versions that still have it.
      expect(
        ended.stderr.split('\n').filter((line) => line && !/ExperimentalWarning|--trace-/.test(line)),
      ).toStrictEqual([]);
      expect(ended.code).toBe(0);
      expect(JSON.parse(ended.stdout)).toStrictEqual({
        drainingInline: false,
        writtenEvents: COUNT,
        errors: [],
      });
      expect(readRecords(file).map((record) => record.arguments_preview)).toStrictEqual(
        Array.from({ length: COUNT }, (_, i) => String(i)),
      );
    });
  }
});
