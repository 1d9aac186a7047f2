/**
 * Keeps a drain worker running for one ring: starts it, notices when it dies (its exit
 * event, the DEAD state it sets itself, or its thread gone after a terminate()), starts a
 * new one that resumes where it stopped, and, if drains keep dying, writes the ring from
 * the owning thread instead. Also waits for the drain to stop when the sink closes.
 */
import fs from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { isThreadAlive } from '#shared/os-thread.js';
import {
  CURRENT_FD,
  DEAD,
  DRAIN_STATE,
  DRAIN_TID,
  type DrainMessage,
  READ,
  type RingHandle,
  type RingViews,
  STARTING,
  STOPPED,
} from '#shared/protocol.js';
import { startDrainWorker } from './drain-worker.js';
import { errors } from './errors.js';
import { closeQuietly, drainInline } from './inline-drain.js';

/** A drain that dies this many times in a row without writing a byte is not restarted. */
const MAX_RESTARTS_WITHOUT_PROGRESS = 5;
/** While a write or flush is blocked, whether the drain's thread still exists is checked this often. */
const LIVENESS_CHECK_MS = 200;
/** Waits for the drain to stop sleep in slices this long. */
const WAIT_SLICE_MS = 50;

export interface SupervisorHooks {
  /** Whether the sink is open (not closing or closed). */
  isOpen(): boolean;
  /** An asynchronous error to report; `mustSurface`: thrown if nobody listens. */
  report(error: Error, mustSurface: boolean): void;
  /** A message from the drain that is not about its life. */
  onMessage(message: DrainMessage): void;
}

export class DrainSupervisor {
  readonly #handle: RingHandle;
  readonly #views: RingViews;
  readonly #drainIntervalMs: number;
  readonly #path: string;
  readonly #hooks: SupervisorHooks;
  #worker: Worker;
  #refs = 0;
  #restarts = 0;
  #restartsWithoutProgress = 0;
  #readAtRestart = 0;
  /** Set when drains keep dying: this thread then writes the ring itself when it waits. */
  #inline = false;
  #lastLivenessCheck = 0;

  constructor(
    handle: RingHandle,
    views: RingViews,
    drainIntervalMs: number,
    path: string,
    hooks: SupervisorHooks,
  ) {
    this.#handle = handle;
    this.#views = views;
    this.#drainIntervalMs = drainIntervalMs;
    this.#path = path;
    this.#hooks = hooks;
    this.#worker = this.#start();
  }

  /** New drains started after one died. */
  get restarts(): number {
    return this.#restarts;
  }

  /** Whether no drain runs, so the owning thread must write what is left. May be stale. */
  get dead(): boolean {
    return Atomics.load(this.#views.control, DRAIN_STATE) === DEAD;
  }

  /** Keeps the process alive while an asynchronous flush or close waits for the drain. */
  ref(): void {
    if (this.#refs++ === 0) this.#worker.ref();
  }

  unref(): void {
    if (--this.#refs === 0) this.#worker.unref();
  }

  /**
   * Called on every pass of a blocked write or flush on the owning thread. A drain that
   * threw or exited marked itself DEAD; one that was terminated could not, so its thread is
   * looked up (at most every LIVENESS_CHECK_MS). A dead drain is replaced at once: its exit
   * event cannot arrive while this thread blocks.
   */
  checkAlive(): void {
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
    if (this.#inline || !this.#hooks.isOpen()) {
      this.drainHere();
    } else {
      this.#recover('it stopped while a write or flush waited');
    }
  }

  /** Writes the ring from this thread; reports a failure on stderr (it runs at exit too). */
  drainHere(): void {
    try {
      drainInline(this.#views);
    } catch (error) {
      writeStderr(`calute-audit: events may be missing from ${this.#path}: ${(error as Error).message}\n`);
    }
  }

  /** After the STOP command: waits (bounded) for the drain to finish, then closes the file. */
  waitForStop(timeoutMs: number): void {
    const control = this.#views.control;
    for (const [value, ms] of this.#stopWaits(timeoutMs)) Atomics.wait(control, DRAIN_STATE, value, ms);
  }

  /** `waitForStop` without blocking the event loop. */
  async waitForStopAsync(timeoutMs: number): Promise<void> {
    const control = this.#views.control;
    for (const [value, ms] of this.#stopWaits(timeoutMs)) {
      const result = Atomics.waitAsync(control, DRAIN_STATE, value, ms);
      if (result.async) await result.value;
    }
  }

  /** The waits on DRAIN_STATE until the drain stopped, as (expected value, ms). */
  *#stopWaits(timeoutMs: number): Generator<[value: number, ms: number]> {
    const control = this.#views.control;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const state = Atomics.load(control, DRAIN_STATE);
      if (state === STOPPED || state === DEAD) {
        this.#closeFile(state);
        return;
      }
      const left = deadline - performance.now();
      if (left <= 0) throw errors.closeTimeout(timeoutMs);
      yield [state, Math.min(left, WAIT_SLICE_MS)];
    }
  }

  #closeFile(state: number): void {
    if (state === DEAD) this.drainHere();
    closeQuietly(Atomics.load(this.#views.control, CURRENT_FD));
  }

  #start(): Worker {
    const control = this.#views.control;
    Atomics.store(control, DRAIN_STATE, STARTING);
    // Unknown until the new drain publishes its own; the old one's must not be looked up.
    Atomics.store(control, DRAIN_TID, 0);
    const worker = startDrainWorker(
      { handle: this.#handle, drainIntervalMs: this.#drainIntervalMs },
      {
        onMessage: (message) => this.#hooks.onMessage(message),
        onExit: (exited, code, error) => this.#onExit(exited, code, error),
      },
    );
    if (this.#refs > 0) worker.ref();
    return worker;
  }

  #onExit(worker: Worker, code: number, thrown: Error | undefined): void {
    // An exit of a drain already replaced (see checkAlive), or after this thread took the
    // writing over for good, needs nothing more.
    if (worker !== this.#worker || this.#inline) return;
    const control = this.#views.control;
    if (Atomics.load(control, DRAIN_STATE) === STOPPED) return;
    // Marks the ring as undrained: waits and the exit hook then act on it.
    Atomics.store(control, DRAIN_STATE, DEAD);
    Atomics.notify(control, DRAIN_STATE);
    this.#recover(thrown ? `threw ${thrown.message}` : `exit code ${code}`);
  }

  /** Starts a new drain, unless drains keep dying without progress; then writes here. */
  #recover(detail: string): void {
    if (!this.#hooks.isOpen()) {
      // close() is waiting for the drain: it sees DEAD and writes the rest itself.
      this.#hooks.report(errors.workerDied(`${detail}; close() writes the rest`), false);
      return;
    }
    const read = Atomics.load(this.#views.control, READ);
    this.#restartsWithoutProgress = read === this.#readAtRestart ? this.#restartsWithoutProgress + 1 : 1;
    this.#readAtRestart = read;
    if (this.#restartsWithoutProgress > MAX_RESTARTS_WITHOUT_PROGRESS) {
      this.#inline = true;
      this.drainHere();
      this.#hooks.report(
        errors.workerDied(`${detail}; not restarted, writing from the emitting thread`),
        true,
      );
      return;
    }
    this.#restarts++;
    this.#worker = this.#start();
    this.#hooks.report(errors.workerDied(`${detail}; a new drain worker took over`), false);
  }
}

export function writeStderr(message: string): void {
  try {
    fs.writeSync(2, message);
  } catch {
    // Nowhere left to report to.
  }
}
