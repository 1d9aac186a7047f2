/**
 * The offloaded JSONL sink: a drop-in replacement for `JSONLSinkCollector` whose `emit`
 * only serializes the event and copies its bytes into a shared-memory ring. A worker
 * thread writes the ring to the file. Same calls, same bytes on disk; the caller never
 * waits for the disk.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import {
  COMMAND,
  createRingBuffer,
  DROPPED_BYTES,
  DROPPED_EVENTS,
  type DrainMessage,
  distance,
  ENQUEUED_BYTES,
  ENQUEUED_EVENTS,
  FLUSHES,
  HIGH_WATER,
  READ,
  REOPEN_FD,
  type RingHandle,
  type RingViews,
  ringViews,
  STOP,
  WRITE,
  WRITE_ERRORS,
  WRITTEN_BYTES,
  WRITTEN_EVENTS,
} from '#shared/protocol.js';
import type { AuditEvent } from './audit-event.js';
import type { AuditCollector } from './collector.js';
import { DrainSupervisor, writeStderr } from './drain-supervisor.js';
import { errors } from './errors.js';
import { declarationOfEvent } from './event-declaration.js';
import { type ExitDrainable, registerForExit, unregisterForExit } from './exit-hooks.js';
import { closeQuietly } from './inline-drain.js';
import { openLogFile, pathOf } from './log-file.js';
import { RingWriter } from './ring-writer.js';
import {
  type ResolvedThreadedOptions,
  resolveThreadedOptions,
  type ThreadedJSONLSinkOptions,
} from './threaded-options.js';

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
  readonly #drain: DrainSupervisor;
  #state: 'open' | 'closing' | 'closed' = 'open';
  /** Set once the exit hook ran: later emits (from other exit listeners) are flushed at once. */
  #exiting = false;
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
      maxRecordBytes: this.options.maxRecordBytes,
    };
    this.#views = ringViews(this.#handle);
    this.#writer = new RingWriter(this.#handle, this.#views, () => this.#drain.checkAlive());
    this.#drain = new DrainSupervisor(this.#handle, this.#views, this.options.drainIntervalMs, this.path, {
      isOpen: () => this.#state === 'open',
      report: (error, mustSurface) => this.#report(error, mustSurface),
      onMessage: (message) => this.#onMessage(message),
    });
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
    const record = declarationOfEvent(event).encoder.encode(event, this.#handle.maxRecordBytes);
    this.#writer.write(record.buffer, record.prevBase, record.prevLength);
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
    this.#drain.ref();
    try {
      await this.#writer.flushAsync();
    } finally {
      this.#drain.unref();
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
      this.#drain.waitForStop(this.options.flushTimeoutMs);
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
    this.#drain.ref();
    let failure: unknown;
    try {
      await this.#writer.flushAsync();
    } catch (error) {
      failure = error;
    }
    this.#writer.stop();
    try {
      await this.#drain.waitForStopAsync(this.options.flushTimeoutMs);
    } catch (error) {
      failure ??= error;
    }
    this.#drain.unref();
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
      workerRestarts: this.#drain.restarts,
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
      if (!this.#drain.dead) {
        this.#writer.flush();
        return;
      }
    } catch (error) {
      if (!this.#drain.dead) {
        writeStderr(`calute-audit: events may be missing from ${this.path}: ${(error as Error).message}\n`);
        return;
      }
    }
    this.#drain.drainHere();
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

  #finishClose(): void {
    this.#state = 'closed';
    unregisterForExit(this);
    if (Atomics.load(this.#views.control, COMMAND) !== STOP) this.#writer.stop();
  }
}
