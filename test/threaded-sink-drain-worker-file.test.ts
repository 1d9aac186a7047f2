/**
 * Where ThreadedJSONLSinkCollector finds its drain worker, and what it does when that file
 * cannot run: the `drainWorker` option (a path or a file URL), else
 * `globalThis.__bundlerPathsOverrides['calute-audit-drain']` (pino's convention for bundler
 * plugins), else the installed file. A worker that cannot start (no such file, a file that
 * throws or exits as it loads) is reported once as an AuditWorkerError, and the sink writes
 * from the emitting thread: every event lands, and close()/closeAsync() do not wait for a
 * worker that will never run.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  AuditOptionError,
  AuditWorkerError,
  ThreadedJSONLSinkCollector,
  ToolCallAttemptEvent,
} from 'calute-audit';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES } from './support/child-process.js';
import { useTempDir } from './support/temp-files.js';

const COUNT = 2000;
/** Far smaller than the events emitted, so that emitting itself must drain. */
const RING = 16 * 1024;
const PROMPT_MS = 1000;
/** The installed drain worker, found through the package's "./drain-worker" export. */
const INSTALLED_DRAIN = createRequire(import.meta.url).resolve('calute-audit/drain-worker');
const OVERRIDES = '__bundlerPathsOverrides';

const tempDir = useTempDir();
const globals = globalThis as { [OVERRIDES]?: Record<string, unknown> };
afterEach(() => {
  delete globals[OVERRIDES];
});

function emitAll(sink: ThreadedJSONLSinkCollector, from = 0, count = COUNT): void {
  for (let i = from; i < from + count; i++) {
    sink.emit(new ToolCallAttemptEvent({ toolName: 'tool', argumentsPreview: String(i) }));
  }
}

function expectAll(file: string, count = COUNT): void {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  expect(lines.pop()).toBe('');
  expect(lines.map((line) => JSON.parse(line).arguments_preview)).toStrictEqual(
    Array.from({ length: count }, (_, i) => String(i)),
  );
}

/** Resolves with the first error reported, or rejects after `ms`. */
function firstError(errors: Error[], ms = 10_000): Promise<Error> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const look = () => {
      if (errors.length > 0) resolve(errors[0]);
      else if (Date.now() - started > ms) reject(new Error(`no error reported within ${ms} ms`));
      else setTimeout(look, 5);
    };
    look();
  });
}

/** Errors are reported on a later tick (the cause may be noticed inside emit(), which must not throw for it). */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

const missingMessage = (file: string) =>
  `The drain worker could not start (the drain worker file ${file} does not exist ` +
  '(a bundled application: see "Bundlers" in the README); writing from the emitting thread)';

describe('the drainWorker option', () => {
  for (const how of ['close', 'closeAsync'] as const) {
    it(`a path to no file: one AuditWorkerError naming it, every event written from this thread, ${how}() at once`, async () => {
      const dir = tempDir();
      const file = path.join(dir, 'audit.jsonl');
      const missing = path.join(dir, 'dist', 'calute-audit-drain.js');
      const errors: Error[] = [];
      const sink = new ThreadedJSONLSinkCollector(file, {
        drainWorker: missing,
        ringSize: RING,
        onError: (error) => errors.push(error),
      });
      emitAll(sink);
      expect(sink.stats().drainingInline).toBe(true);
      const started = performance.now();
      if (how === 'close') sink.close();
      else await sink.closeAsync();
      expect(performance.now() - started).toBeLessThan(PROMPT_MS);
      expectAll(file);
      await nextTurn();
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(AuditWorkerError);
      expect((errors[0] as AuditWorkerError).code).toBe('ERR_AUDIT_WORKER_EXIT');
      expect(errors[0].message).toBe(missingMessage(missing));
    });
  }

  const broken = [
    { name: 'throws as it loads', fixture: 'drain-worker-throws.mjs', detail: 'threw not a drain worker' },
    { name: 'exits as it loads', fixture: 'drain-worker-exits.mjs', detail: 'exit code 7' },
  ];
  for (const { name, fixture, detail } of broken) {
    it(`a file URL to a worker that ${name}: noticed without a flush, reported once, nothing lost`, async () => {
      const file = path.join(tempDir(), 'audit.jsonl');
      const errors: Error[] = [];
      const sink = new ThreadedJSONLSinkCollector(file, {
        drainWorker: pathToFileURL(path.join(FIXTURES, fixture)),
        ringSize: RING,
        onError: (error) => errors.push(error),
      });
      emitAll(sink, 0, 10);
      // The worker's error or exit arrives while the event loop turns, before anything waits.
      const error = await firstError(errors);
      expect(error).toBeInstanceOf(AuditWorkerError);
      expect(error.message).toBe(
        `The drain worker could not start (${detail}; writing from the emitting thread)`,
      );
      expect(sink.stats().drainingInline).toBe(true);
      emitAll(sink, 10, COUNT - 10);
      const started = performance.now();
      await sink.closeAsync();
      expect(performance.now() - started).toBeLessThan(PROMPT_MS);
      expectAll(file);
      expect(errors).toHaveLength(1);
    });
  }

  it('the installed file, by path and by URL: a drain worker runs', async () => {
    for (const drainWorker of [INSTALLED_DRAIN, pathToFileURL(INSTALLED_DRAIN)]) {
      const file = path.join(tempDir(), 'audit.jsonl');
      const errors: Error[] = [];
      const sink = new ThreadedJSONLSinkCollector(file, {
        drainWorker,
        onError: (error) => errors.push(error),
      });
      emitAll(sink);
      sink.flush();
      expect(sink.stats().drainingInline).toBe(false);
      sink.close();
      expectAll(file);
      await nextTurn();
      expect(errors).toStrictEqual([]);
    }
  });

  it('neither a path nor a URL: an AuditOptionError naming drainWorker', () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    for (const drainWorker of [42, '', { href: 'file:///x.js' }]) {
      expect(() => new ThreadedJSONLSinkCollector(file, { drainWorker: drainWorker as string })).toThrow(
        AuditOptionError,
      );
      expect(() => new ThreadedJSONLSinkCollector(file, { drainWorker: drainWorker as string })).toThrow(
        /Invalid option "drainWorker": expected a file path or a file URL/,
      );
    }
  });
});

describe("globalThis.__bundlerPathsOverrides['calute-audit-drain']", () => {
  it('names the file when no option does (a path or a file: URL string), beside other keys', async () => {
    const dir = tempDir();
    const missing = path.join(dir, 'bundle', 'calute-audit-drain.js');
    for (const [index, override] of [missing, pathToFileURL(missing).href].entries()) {
      globals[OVERRIDES] = { 'pino-worker': '/elsewhere/pino-worker.js', 'calute-audit-drain': override };
      const file = path.join(dir, `audit-${index}.jsonl`);
      const errors: Error[] = [];
      const sink = new ThreadedJSONLSinkCollector(file, { onError: (error) => errors.push(error) });
      emitAll(sink);
      sink.close();
      expectAll(file);
      await nextTurn();
      expect(errors.map((error) => error.message)).toStrictEqual([missingMessage(missing)]);
    }
  });

  it('the option wins over it', async () => {
    globals[OVERRIDES] = { 'calute-audit-drain': path.join(tempDir(), 'missing.js') };
    const file = path.join(tempDir(), 'audit.jsonl');
    const errors: Error[] = [];
    const sink = new ThreadedJSONLSinkCollector(file, {
      drainWorker: INSTALLED_DRAIN,
      onError: (error) => errors.push(error),
    });
    emitAll(sink);
    sink.flush();
    expect(sink.stats().drainingInline).toBe(false);
    sink.close();
    expectAll(file);
    await nextTurn();
    expect(errors).toStrictEqual([]);
  });
});

it('nobody listening: the AuditWorkerError becomes one process warning, never a throw', async () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('warning', onWarning);
  try {
    const dir = tempDir();
    const missing = path.join(dir, 'calute-audit-drain.js');
    const file = path.join(dir, 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file, { drainWorker: missing, ringSize: RING });
    emitAll(sink);
    await sink.closeAsync();
    await nextTurn();
    expectAll(file);
    const ours = warnings.filter((warning) => warning.name === 'AuditWorkerError');
    expect(ours.map((warning) => warning.message)).toStrictEqual([missingMessage(missing)]);
  } finally {
    process.off('warning', onWarning);
  }
});
