/**
 * Options of the offloaded sink are validated at construction, with errors that name the
 * option (or the path); nothing is created or started for a rejected configuration.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  AuditError,
  AuditOptionError,
  AuditPathError,
  THREADED_DEFAULTS,
  ThreadedJSONLSinkCollector,
} from 'calute-audit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { thrownBy } from './support/assertions.js';
import { useTempDir } from './support/temp-files.js';
import {
  FIXED_TIMESTAMP,
  makeFifo,
  numberedEvent,
  readLines,
  splitLines,
} from './support/threaded-sink-kit.js';

describe('ThreadedJSONLSinkCollector(path, options): bad options', () => {
  const tempDir = useTempDir('calute-');

  const cases: [name: string, options: unknown, message: string][] = [
    [
      'ringSize negative',
      { ringSize: -64 },
      'Invalid option "ringSize": expected an integer from 64 to 1073741824, got -64',
    ],
    [
      'ringSize non-integer',
      { ringSize: 100.5 },
      'Invalid option "ringSize": expected an integer from 64 to 1073741824, got 100.5',
    ],
    [
      'ringSize a string',
      { ringSize: '4096' },
      'Invalid option "ringSize": expected an integer from 64 to 1073741824, got "4096"',
    ],
    [
      'ringSize not a power of two',
      { ringSize: 1000 },
      'Invalid option "ringSize": expected a power of two, got 1000',
    ],
    [
      'ringSize too small',
      { ringSize: 32 },
      'Invalid option "ringSize": expected an integer from 64 to 1073741824, got 32',
    ],
    [
      'ringSize too big',
      { ringSize: 2 ** 31 },
      'Invalid option "ringSize": expected an integer from 64 to 1073741824, got 2147483648',
    ],
    [
      'onFull unknown',
      { onFull: 'block' },
      'Invalid option "onFull": expected "wait" or "drop", got "block"',
    ],
    [
      'waitTimeoutMs negative',
      { waitTimeoutMs: -1 },
      'Invalid option "waitTimeoutMs": expected an integer from 0 to 2147483647, got -1',
    ],
    [
      'flushTimeoutMs not a number',
      { flushTimeoutMs: '10s' },
      'Invalid option "flushTimeoutMs": expected an integer from 0 to 2147483647, got "10s"',
    ],
    ['fsync not a boolean', { fsync: 'yes' }, 'Invalid option "fsync": expected a boolean, got "yes"'],
    [
      'mode out of range',
      { mode: 0o10000 },
      'Invalid option "mode": expected an integer from 0 to 4095, got 4096',
    ],
    [
      'onError not a function',
      { onError: 'log' },
      'Invalid option "onError": expected a function, got "log"',
    ],
    ['options not an object', 'fast', 'Invalid option "options": expected an options object, got "fast"'],
  ];

  for (const [name, options, message] of cases) {
    it(`constructor: ${name} throws AuditOptionError naming the option, and creates no file`, () => {
      const file = path.join(tempDir(), 'never.jsonl');
      const thrown = thrownBy(() => new ThreadedJSONLSinkCollector(file, options as never));
      expect(thrown).toBeInstanceOf(AuditOptionError);
      expect(thrown).toBeInstanceOf(AuditError);
      expect((thrown as AuditOptionError).code).toBe('ERR_AUDIT_OPTION');
      expect((thrown as Error).message).toBe(message);
      expect(fs.existsSync(file)).toBe(false);
    });
  }

  it('constructor: an unknown option key (a typo) throws naming the key', () => {
    const file = path.join(tempDir(), 'never.jsonl');
    const thrown = thrownBy(() => new ThreadedJSONLSinkCollector(file, { ringsize: 1024 } as never));
    expect(thrown).toBeInstanceOf(AuditOptionError);
    expect((thrown as Error).message).toMatch(
      /^Invalid option "options\.ringsize": expected one of ringSize, /,
    );
    expect(fs.existsSync(file)).toBe(false);
  });

  it('constructor: the smallest and largest ring sizes and every documented option are accepted', () => {
    const dir = tempDir();
    for (const ringSize of [64, 128, 2 ** 20]) {
      const sink = new ThreadedJSONLSinkCollector(path.join(dir, `ok-${ringSize}.jsonl`), {
        ringSize,
        onFull: 'drop',
        waitTimeoutMs: 0,
        flushTimeoutMs: 5000,
        fsync: true,
        mode: 0o600,
        allowNonRegularFile: false,
        drainIntervalMs: 0,
        handleSignals: false,
        onError: () => {},
      });
      expect(sink.options.ringSize).toBe(ringSize);
      expect(sink.stats().ringSize).toBe(ringSize);
      sink.close();
    }
  });

  it('constructor: defaults are the documented ones', () => {
    const sink = new ThreadedJSONLSinkCollector(path.join(tempDir(), 'defaults.jsonl'));
    try {
      expect(sink.options).toStrictEqual(THREADED_DEFAULTS);
      expect(THREADED_DEFAULTS).toMatchObject({
        ringSize: 4 * 1024 * 1024,
        onFull: 'wait',
        fsync: false,
        mode: 0o600,
        allowNonRegularFile: false,
      });
    } finally {
      sink.close();
    }
  });
});

describe('ThreadedJSONLSinkCollector(path): paths', () => {
  const tempDir = useTempDir('calute-');
  let umask = 0;
  beforeEach(() => {
    // A known umask, so the file's mode is the one asked for.
    umask = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(umask);
  });

  it('constructor: a path in a missing folder throws AuditPathError naming the path', () => {
    const file = path.join(tempDir(), 'missing', 'audit.jsonl');
    const thrown = thrownBy(() => new ThreadedJSONLSinkCollector(file));
    expect(thrown).toBeInstanceOf(AuditPathError);
    expect((thrown as AuditPathError).code).toBe('ERR_AUDIT_PATH');
    expect((thrown as AuditPathError).path).toBe(file);
    expect((thrown as Error).message).toContain(`Cannot open audit log "${file}" for appending`);
    expect((thrown as Error).message).toContain('ENOENT');
  });

  it('constructor: a directory throws AuditPathError naming the path', () => {
    const dir = tempDir();
    const thrown = thrownBy(() => new ThreadedJSONLSinkCollector(dir));
    expect(thrown).toBeInstanceOf(AuditPathError);
    expect((thrown as AuditPathError).path).toBe(dir);
    expect((thrown as Error).message).toContain(`"${dir}"`);
    expect((thrown as Error).message).toContain('directory');
  });

  for (const mode of [
    { name: 'default mode', options: {}, expected: 0o600 },
    { name: 'mode 0o640', options: { mode: 0o640 }, expected: 0o640 },
  ]) {
    it(`constructor: creates the file with ${mode.name} (0o${mode.expected.toString(8)})`, () => {
      const file = path.join(tempDir(), 'mode.jsonl');
      const sink = new ThreadedJSONLSinkCollector(file, mode.options);
      try {
        // Created at construction, before any emit.
        expect(fs.statSync(file).mode & 0o777).toBe(mode.expected);
        sink.emit(numberedEvent('main', 0, FIXED_TIMESTAMP));
        sink.flush();
        expect(fs.statSync(file).mode & 0o777).toBe(mode.expected);
        expect(readLines(file)).toHaveLength(1);
      } finally {
        sink.close();
      }
    });
  }

  it('constructor: an existing file keeps its mode and its content; new lines are appended', () => {
    const file = path.join(tempDir(), 'existing.jsonl');
    fs.writeFileSync(file, '{"kept":true}\n', { mode: 0o644 });
    const sink = new ThreadedJSONLSinkCollector(file);
    sink.emit(numberedEvent('main', 0, FIXED_TIMESTAMP));
    sink.close();
    expect(fs.statSync(file).mode & 0o777).toBe(0o644);
    expect(readLines(file)).toStrictEqual([
      '{"kept":true}',
      numberedEvent('main', 0, FIXED_TIMESTAMP).serialize(),
    ]);
  });

  for (const mode of [{ allowNonRegularFile: false }, { allowNonRegularFile: true }]) {
    it(`constructor: a FIFO path (allowNonRegularFile: ${mode.allowNonRegularFile})`, () => {
      const fifo = makeFifo(tempDir());
      try {
        if (!mode.allowNonRegularFile) {
          const thrown = thrownBy(() => new ThreadedJSONLSinkCollector(fifo.path, mode));
          expect(thrown).toBeInstanceOf(AuditPathError);
          expect((thrown as AuditPathError).path).toBe(fifo.path);
          expect((thrown as Error).message).toBe(
            `Refusing to write audit log "${fifo.path}": it is a FIFO, not a regular file (set allowNonRegularFile to allow it)`,
          );
          return;
        }
        const sink = new ThreadedJSONLSinkCollector(fifo.path, mode);
        const line = numberedEvent('main', 0, FIXED_TIMESTAMP).serialize();
        sink.emit(numberedEvent('main', 0, FIXED_TIMESTAMP));
        sink.close();
        expect(splitLines(fifo.readUntil(Buffer.byteLength(line) + 1))).toStrictEqual([line]);
      } finally {
        fifo.close();
      }
    });
  }
});
