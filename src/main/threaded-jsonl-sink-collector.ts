/**
 * The offloaded JSONL sink: a drop-in replacement for `JSONLSinkCollector` whose `emit`
 * only serializes the event and copies its bytes into a shared-memory ring. A drain writes
 * the ring to the file: a worker thread, or this thread when no worker can run. Same
 * calls, same bytes on disk; the caller never waits for the disk.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import {
  CLOCK_MS,
  COMMAND,
  CURRENT_FD,
  createRingBuffer,
  DROPPED_BYTES,
  DROPPED_EVENTS,
  type DrainMessage,
  type DrainSettings,
  distance,
  ENQUEUED_BYTES,
  ENQUEUED_EVENTS,
  FD_OPENED_BY_WORKER,
  FILE_STARTED_MS,
  FLUSHES,
  HIGH_WATER,
  READ,
  REOPEN_FD,
  RETIRED_FD,
  type RingHandle,
  type RingViews,
  ROTATE_DONE,
  ROTATIONS,
  ringViews,
  STOP,
  WRITE,
  WRITE_ERRORS,
  WRITTEN_BYTES,
  WRITTEN_EVENTS,
} from '#shared/protocol.js';
import type { AuditEvent } from './audit-event.js';
import type { AuditCollector } from './collector.js';
import { DrainSupervisor } from './drain-supervisor.js';
import { resolveDrainWorker } from './drain-worker.js';
import { encodeDropMark } from './drop-mark.js';
import { type AuditError, errors } from './errors.js';
import { declarationOfEvent } from './event-declaration.js';
import { type ExitDrainable, isExiting, registerForExit, unregisterForExit } from './exit-hooks.js';
import { type AuditNotice, FileLifecycle } from './file-lifecycle.js';
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
  rotations: number;
  /** Whether the emitting thread writes the ring (no drain worker could run). */
  drainingInline: boolean;
}

/** Asynchronous notices from the sink. */
export type ThreadedSinkEvent = 'error' | 'recovered' | 'notice';

/** How often an injected rotation clock is read into shared memory for the drain. */
const CLOCK_PUBLISH_MS = 50;

export class ThreadedJSONLSinkCollector implements AuditCollector, ExitDrainable {
  /** The file path, as opened (and reopened). */
  readonly path: string;
  readonly options: Readonly<ResolvedThreadedOptions>;
  readonly #handle: RingHandle;
  readonly #views: RingViews;
  readonly #writer: RingWriter;
  readonly #drain: DrainSupervisor;
  readonly #lifecycle: FileLifecycle | null;
  /** 'rotated' messages handled: `settled()` waits until they catch up with ROTATIONS. */
  #rotationsSeen = 0;
  #clockTimer: NodeJS.Timeout | null = null;
  #state: 'open' | 'closing' | 'closed' = 'open';
  readonly #notices = new EventEmitter();

  constructor(path: string | URL, options?: ThreadedJSONLSinkOptions) {
    if (!(typeof path === 'string' && path.length > 0) && !(path instanceof URL))
      throw errors.badTarget(path);
    this.options = resolveThreadedOptions(options);
    const { ringSize, onFull, waitTimeoutMs, flushTimeoutMs, fsync, maxRecordBytes, rotation, integrity } =
      this.options;
    if ((rotation !== null || integrity !== null) && this.options.allowNonRegularFile) {
      throw errors.option(
        'allowNonRegularFile',
        'false with rotation or integrity (they need a regular file)',
        true,
      );
    }
    const file = openLogFile(path, this.options);
    this.path = pathOf(path);
    this.#handle = {
      kind: 'calute-audit-ring',
      buffer: createRingBuffer(ringSize, file.fd),
      capacity: ringSize,
      onFull,
      waitTimeoutMs,
      flushTimeoutMs,
      fsync,
      maxRecordBytes,
      flushNeedsDrain: fsync || integrity !== null,
    };
    this.#views = ringViews(this.#handle);
    const now = rotation?.clock ?? Date.now;
    this.#views.stats[FILE_STARTED_MS] = now();
    if (rotation?.clock) this.#publishClock(rotation.clock);
    const settings: DrainSettings = {
      handle: this.#handle,
      path: this.path,
      mode: this.options.mode,
      drainIntervalMs: this.options.drainIntervalMs,
      rotation:
        rotation === null
          ? null
          : {
              path: this.path,
              mode: this.options.mode,
              maxBytes: rotation.maxBytes,
              interval: rotation.interval,
            },
      integrity,
    };
    this.#writer = new RingWriter(
      this.#handle,
      encodeDropMark(maxRecordBytes),
      () => this.#drain.assist(),
      this.#views,
    );
    this.#lifecycle =
      rotation === null
        ? null
        : new FileLifecycle({
            basePath: this.path,
            mode: this.options.mode,
            compress: this.options.compress,
            retention: this.options.retention,
            now,
            hooks: { notice: (notice) => this.#notice(notice), failed: (error) => this.#report(error, true) },
          });
    this.#drain = new DrainSupervisor({
      settings,
      views: this.#views,
      workerUrl: resolveDrainWorker(this.options.drainWorker),
      path: this.path,
      mode: this.options.mode,
      hooks: {
        isOpen: () => this.#state === 'open',
        report: (error, mustSurface) => this.#report(error, mustSurface),
        onMessage: (message) => this.#onMessage(message),
      },
    });
    registerForExit(this, this.options.handleSignals, this.options.reopenOnSighup);
    this.#lifecycle?.sweep();
  }

  /**
   * The ring's description for other threads: pass it to a worker (`workerData`, a piscina
   * task) and call `connectCollector(handle)` there to emit into this sink directly.
   */
  get handle(): RingHandle {
    return this.#handle;
  }

  /**
   * Resolves once the drain worker runs (or once this thread writes the ring because no worker
   * can start). Emitting before it is fine: nothing waits for it; this is for callers that
   * want the worker, not this thread, to do the writing from then on.
   */
  async ready(): Promise<void> {
    await this.#drain.ready();
  }

  /** Listens for `'error'` (write failures, drain workers that died), `'recovered'`, `'notice'` (file life). */
  on(name: 'error', listener: (error: AuditError) => void): this;
  on(name: 'recovered', listener: () => void): this;
  on(name: 'notice', listener: (notice: AuditNotice) => void): this;
  on(name: ThreadedSinkEvent, listener: (arg: AuditError & AuditNotice) => void): this {
    this.#notices.on(name, listener);
    return this;
  }

  off(name: 'error', listener: (error: AuditError) => void): this;
  off(name: 'recovered', listener: () => void): this;
  off(name: 'notice', listener: (notice: AuditNotice) => void): this;
  off(name: ThreadedSinkEvent, listener: (arg: AuditError & AuditNotice) => void): this {
    this.#notices.off(name, listener);
    return this;
  }

  /** Serializes `event` now (it may change afterwards) and queues its line. Never touches the disk. */
  emit(event: AuditEvent): void {
    if (this.#state !== 'open') throw errors.closed('ThreadedJSONLSinkCollector');
    const record = declarationOfEvent(event).encoder.encode(event, this.#handle.maxRecordBytes);
    this.#writer.write(record.buffer, record.prevBase, record.prevLength);
    // Nothing asynchronous runs again during exit: each event is written at once.
    if (isExiting()) this.drainAtExit(true);
  }

  /**
   * Returns when every event emitted before the call, by any thread, has been handed to the
   * OS (and fsynced with `fsync: true`, and checkpointed with `integrity`). Throws on a
   * write error or after `flushTimeoutMs`; it never hangs.
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

  /** Flushes, stops the drain and closes the file. Safe to call twice; ends closed whatever fails. */
  close(): void {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    let failure: unknown;
    try {
      this.#writer.flush();
    } catch (error) {
      failure = error;
    }
    failure = this.#stop(failure);
    let stopped = true;
    try {
      this.#drain.waitForStop(this.options.flushTimeoutMs);
    } catch (error) {
      stopped = false;
      failure ??= error;
    }
    this.#finishClose(stopped);
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
    failure = this.#stop(failure);
    let stopped = true;
    try {
      await this.#drain.waitForStopAsync(this.options.flushTimeoutMs);
    } catch (error) {
      stopped = false;
      failure ??= error;
    }
    this.#drain.unref();
    this.#finishClose(stopped);
    await this.settled();
    if (failure !== undefined) throw failure;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.closeAsync();
  }

  /**
   * For outside log rotation (logrotate's `create`): after the file was renamed or removed,
   * opens the path again. Events emitted before the call go to the old file, later ones to
   * the new one; none is lost. When the path is still the file being written (a second
   * SIGHUP, a reload), nothing happens. Throws (naming the path) when the path cannot be
   * opened; the old file then stays in use. Refused with `integrity` (use `rotation`).
   */
  reopen(): void {
    if (this.#state !== 'open') throw errors.closed('ThreadedJSONLSinkCollector');
    if (this.options.integrity !== null) throw errors.integrityOutsideRotation('reopen()');
    this.#closeRetired();
    if (this.#isCurrentFile()) return;
    const file = openLogFile(this.path, this.options);
    const deadline = performance.now() + this.options.waitTimeoutMs;
    const control = this.#views.control;
    try {
      while (!this.#writer.requestReopen(file.fd)) {
        this.#drain.assist();
        this.#closeRetired();
        const left = deadline - performance.now();
        if (left <= 0) throw errors.reopenTimeout(this.options.waitTimeoutMs);
        Atomics.wait(control, REOPEN_FD, Atomics.load(control, REOPEN_FD), Math.min(left, 50));
      }
    } catch (error) {
      fs.closeSync(file.fd);
      throw error;
    }
  }

  /** Rotates now, at the next record boundary (needs the `rotation` option); returns when done. */
  rotate(): void {
    if (this.#state !== 'open') throw errors.closed('ThreadedJSONLSinkCollector');
    if (this.options.rotation === null) throw errors.option('rotation', 'set, for rotate()', undefined);
    const request = this.#writer.requestRotation();
    const deadline = performance.now() + this.options.flushTimeoutMs;
    const control = this.#views.control;
    while (!this.#writer.rotationDone(request)) {
      this.#drain.assist();
      const left = deadline - performance.now();
      if (left <= 0) throw errors.flushTimeout(this.options.flushTimeoutMs);
      Atomics.wait(control, ROTATE_DONE, Atomics.load(control, ROTATE_DONE), Math.min(left, 50));
    }
  }

  /**
   * Resolves when the compression and retention work of every rotation done so far is done.
   * A drain worker's rotations reach this thread as messages: it first waits (up to
   * `waitTimeoutMs`) until those of the rotations counted in shared memory have arrived.
   */
  async settled(): Promise<void> {
    if (this.#lifecycle === null) return;
    const deadline = performance.now() + this.options.waitTimeoutMs;
    while (
      this.#rotationsSeen < Atomics.load(this.#views.control, ROTATIONS) &&
      performance.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await this.#lifecycle.settled();
    // Notices are delivered on a later tick (#notice): the last ones reach their listeners
    // before this resolves.
    await new Promise((resolve) => process.nextTick(resolve));
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
      rotations: Atomics.load(control, ROTATIONS),
      drainingInline: this.#drain.inline,
    };
  }

  /**
   * Called by the exit hook and the signal handlers: writes everything emitted so far,
   * bounded by `flushTimeoutMs`. Never throws: a failure is written to stderr.
   */
  drainAtExit(_final: boolean): void {
    if (this.#state === 'closed') return;
    try {
      this.#writer.flush();
    } catch (error) {
      const { enqueuedEvents, writtenEvents, enqueuedBytes, writtenBytes } = this.stats();
      const unwritten = `${enqueuedEvents - writtenEvents} events (${enqueuedBytes - writtenBytes} bytes) emitted but not written`;
      writeStderr(`calute-audit: ${unwritten} to ${this.path}: ${(error as Error).message}\n`);
    }
  }

  reopenOnSignal(): void {
    try {
      this.reopen();
    } catch (error) {
      this.#report(error as Error, true);
    }
  }

  /** The path still names the file being written (same device and inode). */
  #isCurrentFile(): boolean {
    try {
      const current = fs.fstatSync(Atomics.load(this.#views.control, CURRENT_FD));
      const named = fs.statSync(this.path);
      return current.dev === named.dev && current.ino === named.ino;
    } catch {
      return false;
    }
  }

  /** Closes a descriptor the drain stopped using that this thread opened. */
  #closeRetired(): void {
    const fd = Atomics.exchange(this.#views.control, RETIRED_FD, -1);
    if (fd >= 0) closeQuietly(fd);
  }

  /** Sets STOP under the lock; a lock that never comes free is overridden (the sink is closing). */
  #stop(failure: unknown): unknown {
    try {
      this.#writer.stop();
      return failure;
    } catch (error) {
      Atomics.store(this.#views.control, COMMAND, STOP);
      return failure ?? error;
    }
  }

  #publishClock(clock: () => number): void {
    const publish = () => {
      this.#views.stats[CLOCK_MS] = clock();
    };
    publish();
    this.#clockTimer = setInterval(publish, CLOCK_PUBLISH_MS);
    this.#clockTimer.unref();
  }

  #onMessage(message: DrainMessage): void {
    switch (message.type) {
      case 'write-error': {
        const cause = Object.assign(new Error(message.message), { code: message.code, errno: message.errno });
        this.#report(errors.writeFailed(cause), true);
        break;
      }
      case 'write-recovered':
        this.#notices.emit('recovered');
        break;
      case 'retired':
        this.#closeRetired();
        break;
      case 'rotated':
        this.#notice({
          type: 'rotated',
          path: message.from,
          message: `rotated ${message.path} to ${message.from}`,
        });
        this.#rotationsSeen++;
        this.#lifecycle?.rotated(message.from);
        break;
      case 'notice':
        this.#notice({
          type: message.code === 'ROTATION_FAILED' ? 'rotation-failed' : 'integrity',
          path: this.path,
          message: message.message,
        });
        break;
    }
  }

  /** Notices go to `'notice'` listeners; a deletion or failure nobody listens for is a warning. */
  #notice(notice: AuditNotice): void {
    process.nextTick(() => {
      if (this.#notices.listenerCount('notice') > 0) this.#notices.emit('notice', notice);
      else if (
        notice.type === 'deleted' ||
        notice.type === 'rotation-failed' ||
        notice.type === 'integrity'
      ) {
        process.emitWarning(notice.message, { code: 'CALUTE_AUDIT_NOTICE' });
      }
    });
  }

  /**
   * Reports an asynchronous error: to `onError`, else to `'error'` listeners. With neither,
   * an error that puts events at risk is thrown, as an unhandled `'error'` event would be
   * (never swallowed); one that loses nothing (a drain worker replaced, or this thread
   * writing instead) becomes a process warning: never thrown at the host.
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

  #finishClose(stopped: boolean): void {
    this.#state = 'closed';
    unregisterForExit(this);
    if (this.#clockTimer !== null) clearInterval(this.#clockTimer);
    this.#closeRetired();
    // The file, if this thread opened it; a drain that could not be stopped keeps it until it ends.
    const control = this.#views.control;
    if (stopped && Atomics.load(control, FD_OPENED_BY_WORKER) === 0)
      closeQuietly(Atomics.load(control, CURRENT_FD));
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Already closed.
  }
}

export function writeStderr(message: string): void {
  try {
    fs.writeSync(2, message);
  } catch {
    // Nowhere left to report to.
  }
}
