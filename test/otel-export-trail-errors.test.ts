/**
 * exportTrail's errors and options: a missing trail or a directory names the path, bad
 * options name the option, a collector that refuses a batch fails the export naming the
 * URL and what was sent before, and a caller's own exporter is used and left open.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { AuditError, AuditOptionError, AuditPathError, JSONLSinkCollector } from 'calute-audit';
import { exportTrail } from 'calute-audit/otel';
import { describe, expect, it } from 'vitest';
import { twoTurnRun, useOtlpReceiver } from './support/otel-kit.js';
import { useTempDir } from './support/temp-files.js';

const tempDir = useTempDir('calute-audit-otel-errors-');
const receiver = useOtlpReceiver();

function scriptedTrail(): string {
  const file = path.join(tempDir(), 'audit.jsonl');
  const sink = new JSONLSinkCollector(file);
  for (const event of twoTurnRun()) sink.emit(event);
  sink.close();
  return file;
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('exportTrail: sources that are not a trail', () => {
  it('a base path with neither the file nor rotated files: AuditPathError naming it', async () => {
    const missing = path.join(tempDir(), 'nothing.jsonl');
    const error = await rejectionOf(exportTrail(missing, { url: 'http://127.0.0.1:9/v1/traces' }));
    expect(error).toBeInstanceOf(AuditPathError);
    expect((error as AuditPathError).path).toBe(missing);
    expect(error.message).toBe(
      `No audit trail at "${missing}": neither the file nor rotated files of it exist`,
    );
  });

  it('a directory, or a listed file that is missing: AuditPathError naming it', async () => {
    const dir = tempDir();
    const asDir = await rejectionOf(exportTrail(dir, { url: 'http://127.0.0.1:9/v1/traces' }));
    expect(asDir).toBeInstanceOf(AuditPathError);
    expect(asDir.message).toBe(`Cannot read "${dir}": not a regular file`);
    const gone = path.join(dir, 'gone.jsonl');
    const listed = await rejectionOf(exportTrail([gone], { url: 'http://127.0.0.1:9/v1/traces' }));
    expect(listed.message).toBe(`Cannot read "${gone}": ENOENT`);
  });
});

describe('exportTrail: bad options name the option', () => {
  const cases: [string, unknown, unknown, string][] = [
    [
      'source',
      [],
      {},
      'Invalid option "source": expected a trail\'s base path, a file path, or a non-empty array',
    ],
    ['url', 'x', { url: 'ftp://host/v1/traces' }, 'Invalid option "url": expected an http: or https: URL'],
    ['headers', 'x', { headers: { key: 1 } }, 'Invalid option "headers": expected an object of strings'],
    [
      'batchSize',
      'x',
      { batchSize: 0 },
      'Invalid option "batchSize": expected an integer from 1 to 1000000, got 0',
    ],
    [
      'exporter',
      'x',
      { exporter: {} },
      'Invalid option "exporter": expected a SpanExporter (with export and shutdown)',
    ],
    ['unknown key', 'x', { URL: 'http://x' }, 'Invalid option "options.URL": expected one of url, headers'],
    [
      'resourceAttributes',
      'x',
      { resourceAttributes: { a: {} } },
      'Invalid option "resourceAttributes": expected an object of strings, numbers and booleans',
    ],
  ];
  for (const [label, source, options, message] of cases) {
    it(label, async () => {
      const error = await rejectionOf(exportTrail(source as string, options as never));
      expect(error).toBeInstanceOf(AuditOptionError);
      expect(error.message).toContain(message);
    });
  }
});

describe('exportTrail: the collector refuses', () => {
  it('an HTTP 400 on the second batch rejects with ERR_AUDIT_OTEL_EXPORT naming the URL and what was sent', async () => {
    const otlp = await receiver();
    otlp.failWith(400, 1);
    const error = await rejectionOf(exportTrail(scriptedTrail(), { url: otlp.url, batchSize: 2 }));
    expect(error).toBeInstanceOf(AuditError);
    expect((error as AuditError).code).toBe('ERR_AUDIT_OTEL_EXPORT');
    expect(error.message).toMatch(
      new RegExp(
        `^exportTrail: sending spans 3 to 4 to ${otlp.url.replace(/[.]/g, '\\.')} failed \\(.+\\); the 2 spans before them were sent, and exporting again sends the same spans$`,
      ),
    );
    expect(otlp.spans()).toHaveLength(2);
  });
});

describe('exportTrail: options.exporter', () => {
  it("sends through the caller's SDK exporter and leaves it open", async () => {
    const exporter = new InMemorySpanExporter();
    const result = await exportTrail(scriptedTrail(), { exporter, batchSize: 4 });
    expect(result.batches).toBe(2);
    // InMemorySpanExporter forgets its spans on shutdown: they are still there.
    expect(
      exporter
        .getFinishedSpans()
        .map((span) => span.name)
        .sort(),
    ).toStrictEqual([
      'chat gpt-4o',
      'execute_tool book',
      'execute_tool search',
      'execute_tool weather',
      'invoke_agent booker',
      'invoke_agent planner',
    ]);
    expect(fs.existsSync(result.files[0])).toBe(true);
  });
});
