/**
 * The offloaded JSONL sink: a drop-in replacement for `JSONLSinkCollector` whose `emit`
 * only serializes the event and copies its bytes into a shared-memory ring. A worker
 * thread writes the ring to the file. Same calls, same bytes on disk; the caller never
 * waits for the disk.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { regularFileSize } from '../shared/file-size.js';
import {
  bytesWrittenByDeadDrain,
  COMMAND,
  CURRENT_FD,
  createRingBuffer,
  DEAD,
  DRAIN_STATE,
  DRAIN_TID,
  DROPPED_BYTES,
  DROPPED_EVENTS,
  type DrainMessage,
  distance,
  ENQUEUED_BYTES,
  ENQUEUED_EVENTS,
  FLUSHES,
  HIGH_WATER,
  IN_FLIGHT_LEN,
  NEWLINE,
  READ,
  REOPEN_AT,
  REOPEN_FD,
  type RingHandle,
  type RingViews,
  ringViews,
  STARTING,
  STOP,
  STOPPED,
  WRITE,
  WRITE_ERRORS,
  WRITTEN_BYTES,
  WRITTEN_EVENTS,
} from '../shared/protocol.js';
import type { AuditCollector } from './collector.js';
import { isThreadAlive, startDrainWorker } from './drain-worker.js';
import { errors } from './errors.js';
import type { AuditEvent } from './events.js';
import { type ExitDrainable, registerForExit, unregisterForExit } from './exit-hooks.js';
import { openLogFile, pathOf } from './log-file.js';
import { RingWriter } from './ring-writer.js';
import {
  type ResolvedThreadedOptions,
  resolveThreadedOptions,
  type ThreadedJSONLSinkOptions,
} from './threaded-options.js';

/** A drain that dies this many times in a row without writing a byte is not restarted. */
const MAX_RESTARTS_WITHOUT_PROGRESS = 5;
/** While a write or flush is blocked, whether the drain's thread still exists is checked this often. */
const LIVENESS_CHECK_MS = 200;

/** What `stats()` returns. Counters are since construction; each may already be stale. */
export interface ThreadedSinkStats {
  state: 'open' | 'closed';
  enqueuedEvents: number;
  enqueuedBytes: number;
  writtenEvents: number;
  writtenBytes: number;
  droppedEvents: number;
  droppedBytes: number;
  /** Bytes in the ring now, not yet handed to the OS. */
  pendingBytes: number;
  /** The most bytes the ring has held at once. */
  highWaterBytes: number;
  ringSize: number;
  flushes: number;
  writeErrors: number;
  workerRestarts: number;
}

/** Asynchronous notices from the sink: `'error'` (an Error), `'recovered'` (writing works again). */
export type ThreadedSinkEvent = 'error' | 'recovered';

export class ThreadedJSONLSinkCollector implements AuditCollector, ExitDrainable {
  /** The file path, as opened (and reopened). */
  readonly path: string;
  readonly options: Readonly<ResolvedThreadedOptions>;
  readonly #handle: RingHandle;
  readonly #views: RingViews;
  readonly #writer: RingWriter;
  #worker: Worker;
  #state: 'open' | 'closing' | 'closed' = 'open';
  /** Set once the exit hook ran: later emits (from other exit listeners) are flushed at once. */
  #exiting = false;
  #refs = 0;
  #restarts = 0;
  #restartsWithoutProgress = 0;
  #readAtRestart = 0;
  /** Set when the drain keeps dying: this thread then writes the ring itself when it waits. */
  #drainInline = false;
  #lastLivenessCheck = 0;

  readonly #notices = new EventEmitter();

  constructor(path: string | URL, options?: ThreadedJSONLSinkOptions) {
    if (!(typeof path === 'string' && path.length > 0) && !(path instanceof URL))
      throw errors.badTarget(path);
    this.options = resolveThreadedOptions(options);
    const file = openLogFile(path, this.options);
    this.path = pathOf(path);
    const { ringSize, onFull, waitTimeoutMs, flushTimeoutMs, fsync } = this.options;
    this.#handle = {
      kind: 'calute-audit-ring',
      buffer: createRingBuffer(ringSize, file.fd),
      capacity: ringSize,
      onFull,
      waitTimeoutMs,
      flushTimeoutMs,
      fsync,
    };
    this.#views = ringViews(this.#handle);
    this.#writer = new RingWriter(this.#handle, this.#views, () => this.#checkDrainAlive());
    this.#worker = this.#startWorker();
    registerForExit(this, this.options.handleSignals);
  }

  /**
   * The ring's description for other threads: pass it to a worker (`workerData`, a piscina
   * task) and call `connectCollector(handle)` there to emit into this sink directly.
   */
  get handle(): RingHandle {
    return this.#handle;
  }

  /** Listens for `'error'` (write failures, drain worker crashes) or `'recovered'`. */
  on(name: ThreadedSinkEvent, listener: (error?: Error) => void): this {
    this.#notices.on(name, listener);
    return this;
  }

  off(name: ThreadedSinkEvent, listener: (error?: Error) => void): this {
    this.#notices.off(name, listener);
    return this;
  }

  /** Serializes `event` now (it may change afterwards) and queues its line. Never touches the disk. */
  emit(event: AuditEvent): void {
    if (this.#state !== 'open') throw errors.closed('ThreadedJSONLSinkCollector');
    this.#writer.write(event.serialize());
    if (this.#exiting) this.drainAtExit(true);
  }

  /**
   * Returns when every event emitted before the call, by any thread, has been handed to the
   * OS (and fsynced with `fsync: true`). Throws on a write error or after `flushTimeoutMs`.
   */
  flush(): void {
    if (this.#state === 'closed') throw errors.closed('ThreadedJSONLSinkCollector');
    this.#writer.flush();
  }

  /** `flush()` without blocking the event loop. */
  async flushAsync(): Promise<void> {
    if (this.#state === 'closed') throw errors.closed('ThreadedJSONLSinkCollector');
    this.#ref();
    try {
      await this.#writer.flushAsync();
    } finally {
      this.#unref();
    }
  }

  /** Flushes, stops the drain and closes the file. Safe to call twice. */
  close(): void {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    let failure: unknown;
    try {
      this.#writer.flush();
    } catch (error) {
      failure = error;
    }
    this.#writer.stop();
    try {
      this.#waitForStop();
    } catch (error) {
      failure ??= error;
    }
    this.#finishClose();
    if (failure !== undefined) throw failure;
  }

  /** `close()` without blocking the event loop. */
  async closeAsync(): Promise<void> {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    this.#ref();
    let failure: unknown;
    try {
      await this.#writer.flushAsync();
    } catch (error) {
      failure = error;
    }
    this.#writer.stop();
    const deadline = performance.now() + this.options.flushTimeoutMs;
    const control = this.#views.control;
    for (;;) {
      const state = Atomics.load(control, DRAIN_STATE);
      if (state === STOPPED || state === DEAD) {
        if (state === DEAD) this.#drainHere();
        closeQuietly(Atomics.load(control, CURRENT_FD));
        break;
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        failure ??= errors.closeTimeout(this.options.flushTimeoutMs);
        break;
      }
      const result = Atomics.waitAsync(control, DRAIN_STATE, state, Math.min(left, 50));
      if (result.async) await result.value;
    }
    this.#unref();
    this.#finishClose();
    if (failure !== undefined) throw failure;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.closeAsync();
  }

  /**
   * Log rotation: after the file was renamed (or removed), opens the path again. Events
   * emitted before the call go to the old file, later ones to the new one; none is lost.
   * Throws (naming the path) when the path cannot be opened; the old file stays in use.
   */
  reopen(): void {
    if (this.#state !== 'open') throw errors.closed('ThreadedJSONLSinkCollector');
    const file = openLogFile(this.path, this.options);
    const deadline = performance.now() + this.options.waitTimeoutMs;
    const control = this.#views.control;
    while (!this.#writer.requestReopen(file.fd)) {
      const left = deadline - performance.now();
      if (left <= 0) {
        fs.closeSync(file.fd);
        throw errors.reopenTimeout(this.options.waitTimeoutMs);
      }
      Atomics.wait(control, REOPEN_FD, Atomics.load(control, REOPEN_FD), Math.min(left, 50));
    }
  }

  stats(): ThreadedSinkStats {
    const { control, stats } = this.#views;
    return {
      state: this.#state === 'closed' ? 'closed' : 'open',
      enqueuedEvents: stats[ENQUEUED_EVENTS],
      enqueuedBytes: stats[ENQUEUED_BYTES],
      writtenEvents: stats[WRITTEN_EVENTS],
      writtenBytes: stats[WRITTEN_BYTES],
      droppedEvents: stats[DROPPED_EVENTS],
      droppedBytes: stats[DROPPED_BYTES],
      pendingBytes: distance(Atomics.load(control, WRITE), Atomics.load(control, READ)),
      highWaterBytes: stats[HIGH_WATER],
      ringSize: this.#handle.capacity,
      flushes: Atomics.load(control, FLUSHES),
      writeErrors: stats[WRITE_ERRORS],
      workerRestarts: this.#restarts,
    };
  }

  /**
   * Called by the exit hook (and the signal handlers): writes everything emitted so far.
   * The drain worker is still running during `exit`; if it is dead, this thread writes the
   * remaining bytes itself. Never throws: a failure is written to stderr.
   */
  drainAtExit(final: boolean): void {
    if (this.#state === 'closed') return;
    if (final) this.#exiting = true;
    try {
      if (Atomics.load(this.#views.control, DRAIN_STATE) !== DEAD) {
        this.#writer.flush();
        return;
      }
    } catch (error) {
      if (Atomics.load(this.#views.control, DRAIN_STATE) !== DEAD) {
        writeStderr(`calute-audit: events may be missing from ${this.path}: ${(error as Error).message}\n`);
        return;
      }
    }
    this.#drainHere();
  }

  #startWorker(): Worker {
    Atomics.store(this.#views.control, DRAIN_STATE, STARTING);
    // Unknown until the new drain publishes its own; the old one's must not be looked up.
    Atomics.store(this.#views.control, DRAIN_TID, 0);
    return startDrainWorker(
      { handle: this.#handle, drainIntervalMs: this.options.drainIntervalMs },
      {
        onMessage: (message) => this.#onMessage(message),
        onExit: (worker, code, error) => this.#onWorkerExit(worker, code, error),
      },
    );
  }

  #onMessage(message: DrainMessage): void {
    if (message.type === 'write-error') {
      const cause = Object.assign(new Error(message.message), { code: message.code, errno: message.errno });
      this.#report(errors.writeFailed(cause), true);
    } else if (message.type === 'write-recovered') {
      this.#notices.emit('recovered');
    } else if (message.type === 'reopened') {
      closeQuietly(message.oldFd);
    }
  }

  #onWorkerExit(worker: Worker, code: number, thrown: Error | undefined): void {
    // An exit of a drain already replaced (see #onDrainDead), or after this thread took the
    // writing over for good, needs nothing more.
    if (worker !== this.#worker || this.#drainInline) return;
    const control = this.#views.control;
    if (Atomics.load(control, DRAIN_STATE) === STOPPED) return;
    // Marks the ring as undrained: waits and the exit hook then act on it.
    Atomics.store(control, DRAIN_STATE, DEAD);
    Atomics.notify(control, DRAIN_STATE);
    this.#recover(thrown ? `threw ${thrown.message}` : `exit code ${code}`);
  }

  /**
   * Called on every pass of a blocked write or flush on this thread. A drain that threw or
   * exited marked itself DEAD; one that was terminated could not, so its thread is looked
   * up (at most every LIVENESS_CHECK_MS).
   */
  #checkDrainAlive(): void {
    const control = this.#views.control;
    const state = Atomics.load(control, DRAIN_STATE);
    if (state !== DEAD) {
      const now = performance.now();
      if (now - this.#lastLivenessCheck < LIVENESS_CHECK_MS) return;
      this.#lastLivenessCheck = now;
      if (state === STARTING || state === STOPPED || isThreadAlive(Atomics.load(control, DRAIN_TID))) return;
      // Its thread is gone: terminated.
      Atomics.store(control, DRAIN_STATE, DEAD);
    }
    this.#onDrainDead();
  }

  /** The drain is DEAD and this thread noticed first, inside a blocked write or flush. */
  #onDrainDead(): void {
    if (this.#drainInline || this.#state !== 'open') {
      this.#drainHere();
    } else {
      this.#recover('it stopped while a write or flush waited');
    }
  }

  /** Starts a new drain, unless drains keep dying without progress; then writes here. */
  #recover(detail: string): void {
    if (this.#state !== 'open') {
      // close() is waiting for the drain: it sees DEAD and writes the rest itself.
      this.#report(errors.workerDied(`${detail}; close() writes the rest`), false);
      return;
    }
    const read = Atomics.load(this.#views.control, READ);
    this.#restartsWithoutProgress = read === this.#readAtRestart ? this.#restartsWithoutProgress + 1 : 1;
    this.#readAtRestart = read;
    if (this.#restartsWithoutProgress > MAX_RESTARTS_WITHOUT_PROGRESS) {
      this.#drainInline = true;
      this.#drainHere();
      this.#report(errors.workerDied(`${detail}; not restarted, writing from the emitting thread`), true);
      return;
    }
    this.#restarts++;
    this.#worker = this.#startWorker();
    if (this.#refs > 0) this.#worker.ref();
    this.#report(errors.workerDied(`${detail}; a new drain worker took over`), false);
  }

  /**
   * Reports an asynchronous error: to `onError`, else to `'error'` listeners. With neither,
   * an error that puts events at risk is thrown, as an unhandled `'error'` event would be
   * (never swallowed); a worker crash the sink recovered from becomes a process warning.
   */
  #report(error: Error, mustSurface: boolean): void {
    // Reported on a later tick: the cause may be noticed inside emit(), which must not throw for it.
    process.nextTick(() => {
      if (this.options.onError) {
        this.options.onError(error);
      } else if (this.#notices.listenerCount('error') > 0) {
        this.#notices.emit('error', error);
      } else if (mustSurface) {
        throw error;
      } else {
        process.emitWarning(error);
      }
    });
  }

  #waitForStop(): void {
    const control = this.#views.control;
    const deadline = performance.now() + this.options.flushTimeoutMs;
    for (;;) {
      const state = Atomics.load(control, DRAIN_STATE);
      if (state === STOPPED || state === DEAD) {
        if (state === DEAD) this.#drainHere();
        closeQuietly(Atomics.load(control, CURRENT_FD));
        return;
      }
      const left = deadline - performance.now();
      if (left <= 0) throw errors.closeTimeout(this.options.flushTimeoutMs);
      Atomics.wait(control, DRAIN_STATE, state, Math.min(left, 50));
    }
  }

  /**
   * Writes the ring's remaining bytes from this thread: only when no drain worker runs.
   * Follows the drain's rules: a pending reopen takes effect at its byte position.
   */
  #drainHere(): void {
    const { control, stats, data, mask, capacity } = this.#views;
    try {
      // What the dead drain's last write already put in the file is not written again.
      const written = bytesWrittenByDeadDrain(
        control,
        stats,
        regularFileSize(Atomics.load(control, CURRENT_FD)),
      );
      Atomics.store(control, READ, (Atomics.load(control, READ) + written) | 0);
      Atomics.store(control, IN_FLIGHT_LEN, 0);
      for (;;) {
        const read = Atomics.load(control, READ);
        let limit = Atomics.load(control, WRITE);
        const reopenFd = Atomics.load(control, REOPEN_FD);
        if (reopenFd !== -1) {
          const at = Atomics.load(control, REOPEN_AT);
          if (distance(read, at) >= 0) {
            closeQuietly(Atomics.load(control, CURRENT_FD));
            Atomics.store(control, CURRENT_FD, reopenFd);
            Atomics.store(control, REOPEN_FD, -1);
            Atomics.notify(control, REOPEN_FD);
            continue;
          }
          limit = at;
        }
        const pending = distance(limit, read);
        if (pending <= 0) return;
        const start = read & mask;
        const length = Math.min(pending, capacity - start);
        const written = fs.writeSync(Atomics.load(control, CURRENT_FD), data, start, length);
        const bytes = data.subarray(start, start + written);
        for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1))
          stats[WRITTEN_EVENTS]++;
        stats[WRITTEN_BYTES] += written;
        // Gives the space back and confirms the bytes, as the drain would.
        Atomics.store(control, READ, (read + written) | 0);
        Atomics.notify(control, READ);
      }
    } catch (error) {
      writeStderr(`calute-audit: events may be missing from ${this.path}: ${(error as Error).message}\n`);
    }
  }

  #finishClose(): void {
    this.#state = 'closed';
    unregisterForExit(this);
    if (Atomics.load(this.#views.control, COMMAND) !== STOP) this.#writer.stop();
  }

  #ref(): void {
    if (this.#refs++ === 0) this.#worker.ref();
  }

  #unref(): void {
    if (--this.#refs === 0) this.#worker.unref();
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Already closed.
  }
}

function writeStderr(message: string): void {
  try {
    fs.writeSync(2, message);
  } catch {
    // Nowhere left to report to.
  }
}
