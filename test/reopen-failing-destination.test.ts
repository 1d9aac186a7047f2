/**
 * reopen() while the destination fails hands the backlog to the new file. Disk full, the file
 * deleted, reopen(): before, the events waiting in the ring were still owed to the deleted
 * file (whose space its open descriptor kept allocated), so writing failed with ENOSPC for
 * ever. Here the failing destinations are /dev/full behind a symlink (ENOSPC on every write)
 * and a FIFO whose reader left (EPIPE); the path is then removed and reopen() opens a regular
 * file there. Every event that waited arrives in the new file, in order, and flush() works.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AuditWriteError, ThreadedJSONLSinkCollector } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { thrownBy } from './support/assertions.js';
import { FIXTURES, killChildrenAfterEach, runFixture } from './support/child-process.js';
import { useTempDir } from './support/temp-files.js';
import { emitNumbered, jsonlBytes, makeFifo } from './support/threaded-sink-kit.js';

const causeCode = (error: unknown) => ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

/** What `promise` resolves to, or 'timed out' after `ms`. */
function within<T>(ms: number, promise: Promise<T>): Promise<T | 'timed out'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface Failing {
  /** The path the sink writes, failing once `fail()` ran. */
  path: string;
  /** Events emitted (and flushed) while the destination still worked, or [] if it never did. */
  before: (sink: ThreadedJSONLSinkCollector) => void;
  fail: () => void;
  code: string;
}

const destinations: Record<string, (dir: string) => Failing> = {
  '/dev/full behind a symlink (ENOSPC)': (dir) => {
    const link = path.join(dir, 'audit.jsonl');
    fs.symlinkSync('/dev/full', link);
    return { path: link, before: () => {}, fail: () => {}, code: 'ENOSPC' };
  },
  'a FIFO whose reader left (EPIPE)': (dir) => {
    const fifo = makeFifo(dir, 'audit.jsonl');
    return {
      path: fifo.path,
      before: (sink) => {
        const lines = emitNumbered(sink, 'read', 10);
        sink.flush();
        expect(fifo.readUntil(jsonlBytes(lines).length).equals(jsonlBytes(lines))).toBe(true);
      },
      fail: () => fifo.close(),
      code: 'EPIPE',
    };
  },
};

describe('ThreadedJSONLSinkCollector: reopen() while the destination fails', () => {
  const tempDir = useTempDir('calute-reopen-failing-');

  for (const [name, make] of Object.entries(destinations)) {
    it(`${name}, the path removed, reopen(): the waiting events go to the new file, in order`, async () => {
      const destination = make(tempDir());
      const reported: Error[] = [];
      const recovered: string[] = [];
      const sink = new ThreadedJSONLSinkCollector(destination.path, {
        allowNonRegularFile: true,
        onError: (error) => reported.push(error),
      });
      sink.on('recovered', () => recovered.push('recovered'));
      try {
        destination.before(sink);
        destination.fail();
        const held = emitNumbered(sink, 'held', 25);
        const flushError = thrownBy(() => sink.flush());
        expect(flushError).toBeInstanceOf(AuditWriteError);
        expect(causeCode(flushError)).toBe(destination.code);

        // The failing destination goes away; a regular file takes its place. Writing works again
        // ('recovered') once the drain has moved to it; flush() works from then on.
        fs.rmSync(destination.path);
        const recovering = new Promise((resolve) => sink.on('recovered', () => resolve('recovered')));
        sink.reopen();
        const after = emitNumbered(sink, 'after', 25);
        expect(await within(5000, recovering)).toBe('recovered');
        sink.flush();
        expect(fs.lstatSync(destination.path).isFile()).toBe(true);
        expect(fs.readFileSync(destination.path, 'utf8')).toBe(
          jsonlBytes([...held, ...after]).toString('utf8'),
        );
        await tick();
        expect(reported.map(causeCode)).toStrictEqual([destination.code]);
        expect(recovered).toStrictEqual(['recovered']);
        expect(sink.stats()).toMatchObject({ pendingBytes: 0, droppedEvents: 0 });
      } finally {
        sink.close();
      }
    });
  }

  killChildrenAfterEach();

  // flush() right after reopen(), before the drain has moved to the new file, must not throw
  // the old destination's ENOSPC: the events are about to be written. Every drain write takes
  // 100 ms here (test/fixtures/preload-drain-fault.mjs, delay-writes) to make the window certain.
  it('reopen() while /dev/full fails, then flush() at once: no error from the old destination', async () => {
    const dir = tempDir();
    const ended = await runFixture('reopen-while-failing.mjs', [dir], {
      execArgv: ['--import', path.join(FIXTURES, 'preload-drain-fault.mjs')],
      env: { CALUTE_TEST_DRAIN_FAULT: 'delay-writes', CALUTE_TEST_DRAIN_FAULT_AT: '100' },
    });
    expect(ended.code).toBe(0);
    expect(JSON.parse(ended.stdout)).toStrictEqual({
      failing: 'ENOSPC',
      afterReopen: 'ok',
      recovered: true,
      later: 'ok',
      reported: ['ENOSPC'],
    });
  });
});
