/**
 * The ring lock when its holder dies: a producer thread terminated in the middle of an
 * emit (a piscina task aborted) leaves LOCK held. Other producers check, after waiting a
 * while, whether the holder's OS thread still exists, and take the lock over only if it
 * does not; a record the dead holder had published in part is ended by the next write.
 * The dead holder is staged in shared memory (slots from src/shared/protocol.ts), with the
 * id of a real thread that has exited.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ThreadedJSONLSinkCollector, TurnEndEvent } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { HEADER_BYTES, LOCK, LOCK_OWNER, LOCKED, TORN, WRITE } from '../src/shared/protocol.js';
import { thrownBy } from './support/assertions.js';
import { useTempDir } from './support/temp-files.js';
import { FIXED_TIMESTAMP, splitLines } from './support/threaded-sink-kit.js';

const TELL_THREAD_ID = `
const { parentPort, workerData } = require('node:worker_threads');
const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
parentPort.postMessage(tid);
// Stay alive until told otherwise.
if (workerData.stay) Atomics.wait(new Int32Array(workerData.gate), 0, 0);
`;

/** Starts a thread that reports its OS id; with `stay`, it lives until the gate opens. */
async function threadId(stay: boolean, gate = new SharedArrayBuffer(4)) {
  const worker = new Worker(TELL_THREAD_ID, { eval: true, workerData: { stay, gate } });
  const tid = await new Promise<number>((resolve) => worker.once('message', resolve));
  if (!stay) await new Promise((resolve) => worker.once('exit', resolve));
  return { tid, release: () => Atomics.notify(new Int32Array(gate), 0) || worker.terminate() };
}

/** Makes the ring look as if thread `owner` holds the lock, having published `head` (part of a record). */
function stageHolder(sink: ThreadedJSONLSinkCollector, owner: number, head: string): void {
  const control = new Int32Array(sink.handle.buffer, 0, 32);
  const data = Buffer.from(sink.handle.buffer, HEADER_BYTES, sink.handle.capacity);
  Atomics.store(control, LOCK, LOCKED);
  Atomics.store(control, LOCK_OWNER, owner);
  const write = Atomics.load(control, WRITE);
  const length = data.write(head, write & (sink.handle.capacity - 1));
  control[TORN] = 1;
  Atomics.store(control, WRITE, (write + length) | 0);
}

describe('ThreadedJSONLSinkCollector: the ring lock', () => {
  const tempDir = useTempDir('calute-lock-');
  const event = new TurnEndEvent({
    timestamp: FIXED_TIMESTAMP,
    contentPreview: 'after',
    metadata: { seq: 1 },
  });

  it('emit() while a dead thread holds the lock: takes it over, the half-written record ends its own line', async () => {
    const dead = await threadId(false);
    expect(fs.existsSync(`/proc/self/task/${dead.tid}`)).toBe(false);
    const file = path.join(tempDir(), 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file, { waitTimeoutMs: 5000 });
    try {
      stageHolder(sink, dead.tid, '{"event_type":"turn_end","timest');
      const started = performance.now();
      sink.emit(event);
      const waited = performance.now() - started;
      sink.flush();
      // It waited for the owner check, not for the whole bound.
      expect(waited).toBeLessThan(4000);
      const lines = splitLines(fs.readFileSync(file));
      expect(lines).toStrictEqual(['{"event_type":"turn_end","timest', event.serialize()]);
    } finally {
      sink.close();
    }
  });

  it('emit() while a live thread holds the lock: waits, then AuditTimeoutError (the lock is not taken from it)', async () => {
    const alive = await threadId(true);
    const file = path.join(tempDir(), 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file, { waitTimeoutMs: 800 });
    try {
      stageHolder(sink, alive.tid, '');
      const error = thrownBy(() => sink.emit(event)) as { code: string };
      expect(error.code).toBe('ERR_AUDIT_LOCK_TIMEOUT');
    } finally {
      const control = new Int32Array(sink.handle.buffer, 0, 32);
      Atomics.store(control, LOCK, 0);
      control[TORN] = 0;
      sink.close();
      await alive.release();
    }
    expect(fs.readFileSync(file, 'utf8')).toBe('');
  });
});
