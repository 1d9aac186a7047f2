/**
 * reopen() and close() when the ring lock stays held by a live producer that makes no
 * progress (a record streaming into a destination that takes nothing): both give up after
 * waitTimeoutMs with ERR_AUDIT_LOCK_TIMEOUT, and neither leaves anything behind. reopen()
 * closes the descriptor it opened and the sink goes on with the old file; close() still ends
 * closed (a second close() is a no-op, emit throws AuditClosedError) with the file closed.
 * Before, reopen() leaked the new descriptor and close() left the sink half-closed for good.
 * The holder is staged in shared memory (slots from src/shared/protocol.ts) with the id of a
 * live thread, as in ring-lock-owner.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AuditClosedError, ThreadedJSONLSinkCollector } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { LOCK, LOCK_OWNER, LOCKED, UNLOCKED } from '../src/shared/protocol.js';
import { openDescriptors, thrownBy } from './support/assertions.js';
import { useTempDir } from './support/temp-files.js';
import { emitNumbered, jsonlBytes } from './support/threaded-sink-kit.js';

const WAIT_TIMEOUT_MS = 300;
const tick = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));

const TELL_THREAD_ID = `
const { parentPort, workerData } = require('node:worker_threads');
parentPort.postMessage(Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop()));
Atomics.wait(new Int32Array(workerData.gate), 0, 0);
`;

/** A thread that stays alive until released; its OS id. */
async function liveThread(): Promise<{ tid: number; release: () => Promise<number> }> {
  const gate = new SharedArrayBuffer(4);
  const worker = new Worker(TELL_THREAD_ID, { eval: true, workerData: { gate } });
  const tid = await new Promise<number>((resolve) => worker.once('message', resolve));
  return {
    tid,
    release: () => {
      Atomics.store(new Int32Array(gate), 0, 1);
      Atomics.notify(new Int32Array(gate), 0);
      return worker.terminate();
    },
  };
}

/** Makes the ring look as if thread `owner` holds the lock; returns a function that lets it go. */
function holdLock(sink: ThreadedJSONLSinkCollector, owner: number): () => void {
  const control = new Int32Array(sink.handle.buffer, 0, 32);
  expect(Atomics.compareExchange(control, LOCK, UNLOCKED, LOCKED)).toBe(UNLOCKED);
  Atomics.store(control, LOCK_OWNER, owner);
  return () => {
    Atomics.store(control, LOCK, UNLOCKED);
    Atomics.notify(control, LOCK);
  };
}

const expectExactly = (file: string, lines: readonly string[]) =>
  expect(fs.readFileSync(file, 'utf8')).toBe(jsonlBytes(lines).toString('utf8'));

describe('ThreadedJSONLSinkCollector: reopen() and close() while a live producer holds the ring lock', () => {
  const tempDir = useTempDir('calute-lock-held-');

  it('reopen() after a rename: ERR_AUDIT_LOCK_TIMEOUT, the new descriptor closed, the old file still in use; works once the lock is free', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'audit.jsonl');
    const rotated = path.join(dir, 'audit.jsonl.1');
    const holder = await liveThread();
    const sink = new ThreadedJSONLSinkCollector(file, { waitTimeoutMs: WAIT_TIMEOUT_MS });
    let release = () => {};
    try {
      const a = emitNumbered(sink, 'A', 10);
      sink.flush();
      fs.renameSync(file, rotated);
      release = holdLock(sink, holder.tid);
      const error = thrownBy(() => sink.reopen());
      expect(error).toMatchObject({ code: 'ERR_AUDIT_LOCK_TIMEOUT' });
      // The file reopen() created at the path is not held open by anyone.
      expect(fs.existsSync(file)).toBe(true);
      expect(openDescriptors(file)).toBe(0);
      expect(openDescriptors(rotated)).toBe(1);
      release();
      const b = emitNumbered(sink, 'B', 10);
      sink.reopen();
      const c = emitNumbered(sink, 'C', 10);
      sink.flush();
      expectExactly(rotated, [...a, ...b]);
      expectExactly(file, c);
      // The old file's descriptor is closed once the drain hands it back (on the event loop,
      // or at the next reopen()).
      await tick();
      expect(openDescriptors(rotated)).toBe(0);
      expect(openDescriptors(file)).toBe(1);
    } finally {
      release();
      sink.close();
      await holder.release();
    }
  });

  it('close(): throws ERR_AUDIT_LOCK_TIMEOUT once and ends closed; a second close() returns, emit() throws AuditClosedError', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const holder = await liveThread();
    const sink = new ThreadedJSONLSinkCollector(file, { waitTimeoutMs: WAIT_TIMEOUT_MS });
    try {
      const a = emitNumbered(sink, 'A', 10);
      sink.flush();
      holdLock(sink, holder.tid);
      const error = thrownBy(() => sink.close());
      expect(error).toMatchObject({ code: 'ERR_AUDIT_LOCK_TIMEOUT' });
      expect(sink.stats().state).toBe('closed');
      expect(() => sink.close()).not.toThrow();
      expect(thrownBy(() => emitNumbered(sink, 'late', 1))).toBeInstanceOf(AuditClosedError);
      expectExactly(file, a);
    } finally {
      await holder.release();
    }
  });

  // A close() that throws (a lock timeout, any flush error) after the drain stopped must
  // still close the descriptor, or it stays open for the life of the process.
  it('close() that threw ERR_AUDIT_LOCK_TIMEOUT: the file is closed all the same', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const holder = await liveThread();
    const sink = new ThreadedJSONLSinkCollector(file, { waitTimeoutMs: WAIT_TIMEOUT_MS });
    try {
      emitNumbered(sink, 'A', 10);
      sink.flush();
      holdLock(sink, holder.tid);
      expect(thrownBy(() => sink.close())).toMatchObject({ code: 'ERR_AUDIT_LOCK_TIMEOUT' });
      await tick();
      expect(openDescriptors(file)).toBe(0);
    } finally {
      await holder.release();
    }
  });
});
