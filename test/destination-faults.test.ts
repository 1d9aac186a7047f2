/**
 * The destination fails: the application gets the error (never swallowed), flush() throws
 * instead of returning, and emit() does not hang beyond waitTimeoutMs. Faults that really
 * fail for root: /dev/full (ENOSPC), a FIFO whose reader went away (EPIPE), a folder gone
 * before reopen(), an fsync that fails (EIO, injected by a preload).
 *
 * Not here: "a file made read-only mid-run". An fd already open for writing keeps working
 * after chmod (POSIX checks permission at open), and root ignores the mode anyway; a
 * read-only remount of a file system with a file open for writing is refused (EBUSY). The
 * EPIPE case below is the write error that starts mid-run.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  AuditPathError,
  AuditTimeoutError,
  AuditWriteError,
  ThreadedJSONLSinkCollector,
  type ThreadedJSONLSinkOptions,
} from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { thrownBy } from './support/assertions.js';
import { FIXTURES, killChildrenAfterEach, runFixture } from './support/child-process.js';
import { useTempDir } from './support/temp-files.js';
import {
  emitNumbered,
  FIXED_TIMESTAMP,
  jsonlBytes,
  makeFifo,
  numberedEvent,
  parseLines,
  readLines,
} from './support/threaded-sink-kit.js';

const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

/** The errno code a write error carries in its cause. */
const causeCode = (error: unknown) => ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;

/** A sink whose asynchronous errors are collected, through onError or an 'error' listener. */
function collecting(
  target: string,
  listen: 'onError' | "on('error')",
  options: ThreadedJSONLSinkOptions = {},
): { sink: ThreadedJSONLSinkCollector; reported: Error[] } {
  const reported: Error[] = [];
  const collect = (error?: Error) => reported.push(error as Error);
  if (listen === 'onError') {
    return { sink: new ThreadedJSONLSinkCollector(target, { ...options, onError: collect }), reported };
  }
  const sink = new ThreadedJSONLSinkCollector(target, options);
  sink.on('error', collect);
  return { sink, reported };
}

describe('ThreadedJSONLSinkCollector: a destination that fails', () => {
  const tempDir = useTempDir('calute-faults-');
  killChildrenAfterEach();

  for (const listen of ['onError', "on('error')"] as const) {
    it(`/dev/full, reported through ${listen}: flush() and close() throw AuditWriteError (ENOSPC), the listener gets it once`, async () => {
      const { sink, reported } = collecting('/dev/full', listen, { allowNonRegularFile: true });
      emitNumbered(sink, 'full', 3);
      const flushError = thrownBy(() => sink.flush());
      expect(flushError).toBeInstanceOf(AuditWriteError);
      expect(flushError).toMatchObject({
        code: 'ERR_AUDIT_WRITE',
        message: 'Writing the audit log failed: ENOSPC',
      });
      expect(causeCode(flushError)).toBe('ENOSPC');
      // A second flush fails the same way: the events are still not written.
      expect(thrownBy(() => sink.flush())).toBeInstanceOf(AuditWriteError);

      await tick();
      expect(reported).toHaveLength(1);
      expect(reported[0]).toBeInstanceOf(AuditWriteError);
      expect(reported[0].message).toBe('Writing the audit log failed: ENOSPC');
      expect(causeCode(reported[0])).toBe('ENOSPC');

      const stats = sink.stats();
      expect(stats).toMatchObject({ enqueuedEvents: 3, writtenEvents: 0, writtenBytes: 0 });
      expect(stats.writeErrors).toBeGreaterThanOrEqual(1);
      expect(stats.pendingBytes).toBe(stats.enqueuedBytes);

      const closeError = thrownBy(() => sink.close());
      expect(closeError).toBeInstanceOf(AuditWriteError);
      expect(causeCode(closeError)).toBe('ENOSPC');
      expect(sink.stats().state).toBe('closed');
    });
  }

  it('/dev/full, emit() into a 1 KiB ring with waitTimeoutMs 300: throws AuditWriteError or AuditTimeoutError, no hang', async () => {
    const waitTimeoutMs = 300;
    const { sink, reported } = collecting('/dev/full', 'onError', {
      allowNonRegularFile: true,
      ringSize: 1024,
      waitTimeoutMs,
    });
    const started = performance.now();
    let emitted = 0;
    const thrown = thrownBy(() => {
      for (; emitted < 100_000; emitted++) sink.emit(numberedEvent('full', emitted, FIXED_TIMESTAMP));
    });
    const elapsed = performance.now() - started;
    expect([AuditWriteError, AuditTimeoutError].some((type) => thrown instanceof type)).toBe(true);
    // Loose: the bound plus room for a slow machine, far below "hangs".
    expect(elapsed).toBeLessThan(waitTimeoutMs + 2000);
    // What was accepted fits the ring: memory stays bounded while the destination fails.
    const stats = sink.stats();
    expect(stats.enqueuedEvents).toBe(emitted);
    expect(stats.highWaterBytes).toBeLessThanOrEqual(1024);
    expect(stats.pendingBytes).toBe(stats.enqueuedBytes);
    expect(emitted).toBeLessThan(20);
    await tick();
    expect(reported.map((error) => causeCode(error))).toStrictEqual(['ENOSPC']);
    expect(thrownBy(() => sink.close())).toBeInstanceOf(AuditWriteError);
  });

  it('/dev/full with no onError and no listener: the write error ends the process (never swallowed)', async () => {
    const ended = await runFixture('emit-to-dev-full-without-listener.mjs', []);
    expect(ended.timedOut).toBe(false);
    expect(ended.stdout).not.toContain('still running');
    expect(ended.code).toBe(1);
    expect(ended.stderr).toContain('AuditWriteError: Writing the audit log failed: ENOSPC');
  });

  it('a FIFO whose reader goes away (EPIPE) and comes back: flush() throws, then the held events arrive in order', async () => {
    const dir = tempDir();
    const fifo = makeFifo(dir);
    const fifoPath = fifo.path;
    const recovered: string[] = [];
    const { sink, reported } = collecting(fifoPath, 'onError', { allowNonRegularFile: true });
    sink.on('recovered', () => recovered.push('recovered'));

    const before = emitNumbered(sink, 'before', 20);
    sink.flush();
    expect(fifo.readUntil(jsonlBytes(before).length).equals(jsonlBytes(before))).toBe(true);

    // The reader goes away: writes fail with EPIPE (Node ignores SIGPIPE).
    fifo.close();
    const held = emitNumbered(sink, 'held', 20);
    const flushError = thrownBy(() => sink.flush());
    expect(flushError).toBeInstanceOf(AuditWriteError);
    expect(causeCode(flushError)).toBe('EPIPE');
    await tick();
    expect(reported).toHaveLength(1);
    expect(causeCode(reported[0])).toBe('EPIPE');

    // A reader again: the drain's retry writes the held events, then later ones.
    const readFd = fs.openSync(fifoPath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const deadline = performance.now() + 5000;
    while (recovered.length === 0 && performance.now() < deadline) await tick();
    expect(recovered).toStrictEqual(['recovered']);
    const after = emitNumbered(sink, 'after', 20);
    sink.flush();
    const received = readAll(readFd, jsonlBytes([...held, ...after]).length);
    expect(received.toString('utf8')).toBe(jsonlBytes([...held, ...after]).toString('utf8'));
    expect(sink.stats()).toMatchObject({ enqueuedEvents: 60, writtenEvents: 60, droppedEvents: 0 });
    sink.close();
    fs.closeSync(readFd);
  });

  for (const gone of ['moved away', 'deleted'] as const) {
    it(`reopen() after the folder was ${gone}: AuditPathError naming the path; emit() and flush() go on into the old file`, () => {
      const root = tempDir();
      const folder = path.join(root, 'logs');
      fs.mkdirSync(folder);
      const file = path.join(folder, 'audit.jsonl');
      const sink = new ThreadedJSONLSinkCollector(file);
      const before = emitNumbered(sink, 'before', 10);
      sink.flush();
      const moved = path.join(root, 'logs-moved');
      if (gone === 'moved away') fs.renameSync(folder, moved);
      else fs.rmSync(folder, { recursive: true });

      const reopenError = thrownBy(() => sink.reopen());
      expect(reopenError).toBeInstanceOf(AuditPathError);
      expect(reopenError).toMatchObject({ code: 'ERR_AUDIT_PATH', path: file });
      expect((reopenError as Error).message).toContain(`"${file}"`);
      expect((reopenError as Error).message).toContain('ENOENT');
      expect(fs.existsSync(folder)).toBe(false);

      const after = emitNumbered(sink, 'after', 10);
      sink.flush();
      // The old file holds both runs: through its new name, or through the descriptor the
      // sink still holds on the deleted file.
      const old = gone === 'moved away' ? path.join(moved, 'audit.jsonl') : deletedFileHeldOpen(file);
      expect(readLines(old)).toStrictEqual([...before, ...after]);
      parseLines(readLines(old));
      sink.close();
    });
  }
});

/** Reads the FIFO until `total` bytes came, or throws after 5 s. */
function readAll(fd: number, total: number): Buffer {
  const chunks: Buffer[] = [];
  let got = 0;
  const deadline = performance.now() + 5000;
  while (got < total) {
    if (performance.now() > deadline) throw new Error(`read ${got} of ${total} bytes in 5 s`);
    const chunk = Buffer.alloc(64 * 1024);
    try {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      chunks.push(chunk.subarray(0, n));
      got += n;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
  return Buffer.concat(chunks);
}

/** /proc/self/fd/<n> of the descriptor this process holds on `file`, which was deleted. */
function deletedFileHeldOpen(file: string): string {
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    const link = `/proc/self/fd/${fd}`;
    let target: string;
    try {
      target = fs.readlinkSync(link);
    } catch {
      continue;
    }
    if (target === `${file} (deleted)`) return link;
  }
  throw new Error(`no descriptor held on the deleted ${file}`);
}

describe('ThreadedJSONLSinkCollector({ fsync: true }): an fsync that fails', () => {
  const tempDir = useTempDir('calute-fsync-');
  killChildrenAfterEach();

  it('flush() throws AuditWriteError (EIO) for the failed fsync, onError is told, and later flushes work', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const ended = await runFixture('flush-with-failing-fsync.mjs', [file], {
      execArgv: ['--import', path.join(FIXTURES, 'preload-drain-fault.mjs')],
      // The drain's first fsync is the one the second flush() waits for.
      env: { CALUTE_TEST_DRAIN_FAULT: 'fsync-eio', CALUTE_TEST_DRAIN_FAULT_AT: '2' },
    });
    expect(ended.timedOut).toBe(false);
    expect(ended.stderr).toBe('');
    expect(ended.code).toBe(0);
    const { flushes, reported } = JSON.parse(ended.stdout);
    expect(flushes).toStrictEqual(['ok', 'AuditWriteError:EIO', 'ok']);
    expect(reported).toStrictEqual(['AuditWriteError:EIO', 'recovered']);
    expect(parseLines(readLines(file)).map((record) => record.metadata.seq)).toStrictEqual([0, 1, 2]);
  });
});
