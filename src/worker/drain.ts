/**
 * The drain worker's entry point: writes the ring's bytes to the file until told to stop.
 *
 * It runs a plain blocking loop and never returns to its event loop: all control (new
 * bytes, flush, reopen, stop) arrives through shared memory, and sleeping is an
 * `Atomics.wait` that producers interrupt only when they must (see protocol.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { currentThreadId } from '#shared/os-thread.js';
import {
  COMMAND,
  CURRENT_FD,
  DEAD,
  DOZING,
  DRAIN_STATE,
  DRAIN_TID,
  type DrainMessage,
  type DrainWorkerData,
  distance,
  ERROR,
  FLUSH_WAITERS,
  READ,
  REOPEN_AT,
  REOPEN_FD,
  RUNNING,
  SLEEPING,
  SPACE_WAITERS,
  STOP,
  STOPPED,
  SYNCED,
  WAKE,
  WRITE,
  WRITE_ERRORS,
} from '#shared/protocol.js';
import { Destination } from './destination.js';
import { RingReader } from './ring-reader.js';

/** While the destination fails, try again this often. */
const RETRY_INTERVAL_MS = 100;
/** An idle drain still looks at the ring this often, in case a wake-up was missed. */
const IDLE_SLICE_MS = 1000;

const { handle, drainIntervalMs } = workerData as DrainWorkerData;
const reader = new RingReader(handle);
const control = reader.control;
const destination = new Destination(Atomics.load(control, CURRENT_FD));
// A drain that died mid-write left a record of it: do not lose or repeat those bytes.
reader.resumeAfterDeadDrain(destination.size);
Atomics.store(control, DRAIN_TID, currentThreadId());

/**
 * Below this many pending bytes the drain waits for the batch to grow (up to the drain
 * interval) rather than write: fewer system calls, and the producer's cache lines are
 * left alone while it is busy. A flush, a full ring or a close skip the wait.
 */
const MIN_BATCH_BYTES = Math.min(64 * 1024, handle.capacity / 4);

function post(message: DrainMessage): void {
  parentPort?.postMessage(message);
}

/** Set while the destination fails: the bytes sonic-boom kept, not yet released. */
let failedSpan: Buffer | null = null;

function fail(error: NodeJS.ErrnoException): void {
  reader.stats[WRITE_ERRORS]++;
  const first = Atomics.load(control, ERROR) === 0;
  // Tells waiting producers and flushers that the destination is failing.
  Atomics.store(control, ERROR, typeof error.errno === 'number' && error.errno < 0 ? error.errno : -5);
  Atomics.notify(control, READ);
  Atomics.notify(control, SYNCED);
  if (first)
    post({
      type: 'write-error',
      code: error.code ?? 'EIO',
      errno: error.errno ?? -5,
      message: error.message,
    });
}

function recovered(): void {
  Atomics.store(control, ERROR, 0);
  post({ type: 'write-recovered' });
}

/** fsyncs; a failure (EIO, ...) is a destination error like a failed write. */
function syncNow(): boolean {
  try {
    destination.fsync();
  } catch (error) {
    fail(error as NodeJS.ErrnoException);
    return false;
  }
  if (!failedSpan && Atomics.load(control, ERROR) !== 0) recovered();
  return true;
}

/** Writes what is committed up to `limit`. Returns false while the destination fails. */
function drainTo(limit: number): boolean {
  if (failedSpan) {
    const error = destination.retry();
    if (error) return false;
    reader.release(failedSpan);
    failedSpan = null;
    recovered();
  }
  while (distance(limit, reader.read) > 0) {
    const span = reader.span(limit);
    reader.beginWrite(span, destination.size);
    const error = destination.write(span);
    if (error) {
      failedSpan = span;
      fail(error);
      return false;
    }
    reader.release(span);
  }
  return true;
}

/** Work that must not wait for a doze to end. May already be stale. */
function hasWork(): boolean {
  return (
    distance(reader.committed, reader.read) > 0 ||
    Atomics.load(control, COMMAND) === STOP ||
    Atomics.load(control, REOPEN_FD) !== -1 ||
    syncWanted()
  );
}

/** A flush waits for durability, or an fsync failed and must be tried again. */
function syncWanted(): boolean {
  return (
    handle.fsync &&
    (Atomics.load(control, FLUSH_WAITERS) > 0 || Atomics.load(control, ERROR) !== 0) &&
    distance(reader.read, Atomics.load(control, SYNCED)) > 0
  );
}

/** While the destination fails, only a close ends a retry pause early. */
function stopping(): boolean {
  return Atomics.load(control, COMMAND) === STOP;
}

/** Someone is blocked until the drain writes: do not wait for a bigger batch. */
function urgent(): boolean {
  return (
    Atomics.load(control, FLUSH_WAITERS) > 0 ||
    Atomics.load(control, SPACE_WAITERS) > 0 ||
    Atomics.load(control, COMMAND) === STOP
  );
}

/** Parks in `state` until woken or `ms` pass, unless `ready()` already says there is work. */
function park(state: number, ms: number, ready: () => boolean = hasWork): void {
  const wake = Atomics.load(control, WAKE);
  // Announces the state first, then looks again: a producer either sees it or we see its bytes.
  Atomics.store(control, DRAIN_STATE, state);
  if (!ready()) Atomics.wait(control, WAKE, wake, ms);
  Atomics.store(control, DRAIN_STATE, RUNNING);
}

function batchReady(): boolean {
  return (
    urgent() ||
    Atomics.load(control, REOPEN_FD) !== -1 ||
    distance(reader.committed, reader.read) >= MIN_BATCH_BYTES
  );
}

function run(): void {
  Atomics.store(control, DRAIN_STATE, RUNNING);
  for (;;) {
    // A reopen takes effect at its byte position: earlier bytes go to the old file.
    let limit = reader.committed;
    const reopenFd = Atomics.load(control, REOPEN_FD);
    if (reopenFd !== -1) {
      const at = Atomics.load(control, REOPEN_AT);
      if (distance(reader.read, at) >= 0 && !failedSpan) {
        if (handle.fsync && !syncNow()) {
          park(RUNNING, RETRY_INTERVAL_MS, stopping);
          continue;
        }
        const oldFd = destination.fd;
        destination.switchTo(reopenFd);
        Atomics.store(control, CURRENT_FD, reopenFd);
        // Frees the reopen slot for the next rotation.
        Atomics.store(control, REOPEN_FD, -1);
        Atomics.notify(control, REOPEN_FD);
        post({ type: 'reopened', oldFd });
        continue;
      }
      limit = at;
    }

    const pending = distance(limit, reader.read);
    if (pending > 0 && pending < MIN_BATCH_BYTES && !failedSpan && !batchReady()) {
      park(DOZING, drainIntervalMs, batchReady);
      if (reopenFd === -1) {
        limit = reader.committed;
        // A reopen requested during the doze splits the bytes at REOPEN_AT: the later ones are
        // the new file's. Read after `committed`, so a request it missed is past `limit`.
        if (Atomics.load(control, REOPEN_FD) !== -1) limit = Atomics.load(control, REOPEN_AT);
      }
    }
    if (distance(limit, reader.read) > 0 || failedSpan) {
      if (!drainTo(limit)) {
        if (Atomics.load(control, COMMAND) === STOP) break;
        park(RUNNING, RETRY_INTERVAL_MS, stopping);
      }
      continue;
    }

    if (syncWanted()) {
      const read = reader.read;
      if (!syncNow()) {
        if (Atomics.load(control, COMMAND) === STOP) break;
        park(RUNNING, RETRY_INTERVAL_MS, stopping);
        continue;
      }
      // Confirms durability to flushers waiting on SYNCED.
      Atomics.store(control, SYNCED, read);
      Atomics.notify(control, SYNCED);
      continue;
    }

    if (Atomics.load(control, COMMAND) === STOP) {
      if (distance(Atomics.load(control, WRITE), reader.read) > 0) continue;
      break;
    }

    // Let a batch build up, then sleep until woken if nothing came.
    park(DOZING, drainIntervalMs);
    if (!hasWork()) park(SLEEPING, IDLE_SLICE_MS);
  }
  // Tells close() that every byte is written and this thread is done; close() closes the file.
  Atomics.store(control, DRAIN_STATE, STOPPED);
  Atomics.notify(control, DRAIN_STATE);
}

process.on('exit', () => {
  if (Atomics.load(control, DRAIN_STATE) !== STOPPED) Atomics.store(control, DRAIN_STATE, DEAD);
});

try {
  run();
} catch (error) {
  Atomics.store(control, DRAIN_STATE, DEAD);
  throw error;
}
