/**
 * Keeps a drain running for one ring, from the thread that owns the sink: starts the drain
 * worker, notices when it cannot start or dies (its exit event, the DEAD state it sets
 * itself, or its thread gone after a terminate()), starts a new one that resumes where it
 * stopped, and writes the ring from this thread whenever no worker drains: before the
 * worker has started, when it could not start (a bundle without its file), after drains kept
 * dying, and at exit. Nothing is ever waited for that cannot come: a wait on this thread
 * calls `assist()`, which drains here when nobody else does.
 */
import type { Worker } from 'node:worker_threads';
import { createChain } from '#shared/chain.js';
import { Drain } from '#shared/drain-loop.js';
import {
  CLAIMING,
  CLOCK_MS,
  CURRENT_FD,
  DEAD,
  DRAIN_STATE,
  DRAIN_TID,
  type DrainMessage,
  type DrainSettings,
  FD_OPENED_BY_WORKER,
  INLINE_DRAIN,
  LAST_DRAINER,
  NO_DRAIN,
  type RingViews,
  STARTING,
  STOPPED,
  WORKER_SPANS,
} from '#shared/protocol.js';
import { RingReader } from '#shared/ring-reader.js';
import { missingWorker, startDrainWorker } from './drain-worker.js';
import { errors } from './errors.js';
import { openLogFile } from './log-file.js';

/**
 * A drain that dies this many times in a row without writing a byte is not restarted:
 * something in its environment kills it (a preload, a memory limit), and a sixth start would
 * fare no better. This thread writes the ring instead.
 */
const MAX_RESTARTS_WITHOUT_PROGRESS = 5;
/** While a wait blocks, whether the drain's thread still exists is looked up this often (/proc). */
const LIVENESS_CHECK_MS = 200;
/** Waits for the drain to stop sleep in slices this long. */
const WAIT_SLICE_MS = 50;

export interface SupervisorHooks {
  /** Whether the sink is open (not closing or closed). */
  isOpen(): boolean;
  /** An asynchronous error to report; `mustSurface`: thrown if nobody listens (events are at risk). */
  report(error: Error, mustSurface: boolean): void;
  /** A message from the drain that is not about its life. */
  onMessage(message: DrainMessage): void;
}

export interface SupervisorOptions {
  readonly settings: DrainSettings;
  readonly views: RingViews;
  readonly workerUrl: URL | null;
  readonly path: string;
  readonly mode: number;
  readonly hooks: SupervisorHooks;
}

export class DrainSupervisor {
  readonly #options: SupervisorOptions;
  readonly #reader: RingReader;
  #worker: Worker | null = null;
  #generation = 0;
  #refs = 0;
  #restarts = 0;
  #restartsWithoutProgress = 0;
  #spansAtRestart = 0;
  /** No worker will run again: this thread writes the ring (on a timer, and in every wait). */
  #inline = false;
  #inlineTimer: NodeJS.Timeout | null = null;
  /** The drain this thread runs, kept between its turns while nobody else drained. */
  #here: Drain | null = null;
  #draining = false;
  #lastLivenessCheck = 0;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#reader = new RingReader(options.settings.handle, options.views);
    const missing = missingWorker(options.workerUrl);
    if (missing !== null) this.#goInline(missing, false);
    else this.#start();
  }

  /** New drain workers started after one died. */
  get restarts(): number {
    return this.#restarts;
  }

  /** Whether this thread writes the ring for good (no worker). */
  get inline(): boolean {
    return this.#inline;
  }

  /** Resolves once a drain worker runs, or once this thread writes the ring because none can. */
  async ready(): Promise<void> {
    const control = this.#options.views.control;
    this.ref();
    try {
      for (;;) {
        const state = Atomics.load(control, DRAIN_STATE);
        if (this.#inline || (state !== STARTING && state !== CLAIMING && state !== DEAD)) return;
        const result = Atomics.waitAsync(control, DRAIN_STATE, state, WAIT_SLICE_MS);
        if (result.async) await result.value;
        // Lets the worker's exit event (a worker that could not start) reach this thread.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.unref();
    }
  }

  /** Keeps the process alive while an asynchronous flush or close waits for the drain. */
  ref(): void {
    if (this.#refs++ === 0) this.#worker?.ref();
  }

  unref(): void {
    if (--this.#refs === 0) this.#worker?.unref();
  }

  /**
   * Called on every pass of a blocked wait on this thread. A drain worker that threw or
   * exited marked itself DEAD; one that was terminated could not, so its thread is looked up
   * (at most every LIVENESS_CHECK_MS). A dead worker's claim is freed and a new one started
   * (its exit event cannot arrive while this thread blocks). When nobody holds the claim,
   * this thread writes the ring itself.
   */
  assist(): void {
    const holder = this.#reader.claimHolder;
    if (holder > 0) {
      const now = performance.now();
      if (now - this.#lastLivenessCheck < LIVENESS_CHECK_MS) return;
      this.#lastLivenessCheck = now;
      if (!this.#reader.reclaimFromDeadDrain()) return;
    }
    // A worker that died (and freed its claim on the way out, or had it freed just now).
    const state = Atomics.load(this.#options.views.control, DRAIN_STATE);
    if (this.#worker !== null && state === DEAD)
      this.#workerDied(this.#worker, 'it stopped while a write or flush waited');
    // A worker that runs and waits for the claim gets it; before it runs, this thread drains.
    if (this.#worker !== null && state === CLAIMING) return;
    this.drainHere();
  }

  /**
   * Writes what the ring holds from this thread, if no other drain holds the claim. Never
   * throws: a failure reaches the application as a write error through the drain's report.
   */
  drainHere(): void {
    if (this.#draining || !this.#reader.tryClaim(INLINE_DRAIN)) return;
    this.#draining = true;
    try {
      const control = this.#options.views.control;
      if (Atomics.load(control, FD_OPENED_BY_WORKER) !== 0) this.#reopenAfterWorker();
      if (this.#here === null || Atomics.load(control, LAST_DRAINER) !== INLINE_DRAIN) {
        // Another drain ran since: what this thread's drain remembered is stale.
        this.#here?.release();
        Atomics.store(control, LAST_DRAINER, INLINE_DRAIN);
        const settings = this.#options.settings;
        const now = () => this.#options.views.stats[CLOCK_MS] || Date.now();
        const post = (message: DrainMessage) => this.#options.hooks.onMessage(message);
        this.#here = new Drain({
          settings,
          post,
          now,
          inWorker: false,
          chain: createChain(settings, now, post),
        });
      }
      const drain = this.#here;
      for (;;) {
        const step = drain.step(true);
        if (step !== 'progress') break;
      }
    } catch (error) {
      this.#options.hooks.report(errors.writeFailed(error), true);
    } finally {
      this.#reader.releaseClaim(INLINE_DRAIN);
      this.#draining = false;
    }
  }

  /**
   * A worker that rotated wrote to a descriptor it opened, which Node closed when the worker
   * exited: the base path is opened again here before anything else is written.
   */
  #reopenAfterWorker(): void {
    const control = this.#options.views.control;
    const { fd } = openLogFile(this.#options.path, { mode: this.#options.mode, allowNonRegularFile: false });
    Atomics.store(control, CURRENT_FD, fd);
    Atomics.store(control, FD_OPENED_BY_WORKER, 0);
  }

  /** After the STOP command: waits (bounded) for the drain to finish, then closes what it must. */
  waitForStop(timeoutMs: number): void {
    const control = this.#options.views.control;
    for (const [value, ms] of this.#stopWaits(timeoutMs)) Atomics.wait(control, DRAIN_STATE, value, ms);
  }

  /** `waitForStop` without blocking the event loop. */
  async waitForStopAsync(timeoutMs: number): Promise<void> {
    const control = this.#options.views.control;
    for (const [value, ms] of this.#stopWaits(timeoutMs)) {
      const result = Atomics.waitAsync(control, DRAIN_STATE, value, ms);
      if (result.async) await result.value;
    }
  }

  /** The waits on DRAIN_STATE until no drain runs, as (expected value, ms). */
  *#stopWaits(timeoutMs: number): Generator<[value: number, ms: number]> {
    const control = this.#options.views.control;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      this.assist();
      const state = Atomics.load(control, DRAIN_STATE);
      if (state === STOPPED || this.#reader.claimHolder === NO_DRAIN) {
        this.#finish();
        return;
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        // Not left running behind a close that gave up: its descriptors close when it ends.
        void this.#worker?.terminate();
        throw errors.closeTimeout(timeoutMs);
      }
      yield [state, Math.min(left, WAIT_SLICE_MS)];
    }
  }

  /** Everything is written: the inline timer stops, and this thread's drain closes what it opened. */
  #finish(): void {
    this.#stopInlineTimer();
    // Only the drain that ran last may write a last checkpoint; this thread's, if another ran after it, lets go.
    if (Atomics.load(this.#options.views.control, LAST_DRAINER) === INLINE_DRAIN) this.#here?.close();
    else this.#here?.release();
    this.#here = null;
  }

  #start(): void {
    const control = this.#options.views.control;
    Atomics.store(control, DRAIN_STATE, STARTING);
    // Unknown until the new drain publishes its own; the old one's must not be looked up.
    Atomics.store(control, DRAIN_TID, 0);
    const generation = ++this.#generation;
    let worker: Worker;
    try {
      worker = startDrainWorker(
        this.#options.workerUrl!,
        { ...this.#options.settings, generation },
        {
          onMessage: (message) => this.#options.hooks.onMessage(message),
          onExit: (exited, code, error) => this.#onExit(exited, generation, code, error),
        },
      );
    } catch (error) {
      this.#goInline((error as Error).message, false);
      return;
    }
    this.#worker = worker;
    if (this.#refs > 0) worker.ref();
  }

  #onExit(worker: Worker, generation: number, code: number, thrown: Error | undefined): void {
    if (worker !== this.#worker) return;
    const control = this.#options.views.control;
    // A worker told to stop before it took the claim ends at once: close() drains here.
    if (!this.#options.hooks.isOpen() && Atomics.load(control, LAST_DRAINER) !== generation) {
      this.#worker = null;
      return;
    }
    const started =
      Atomics.load(control, LAST_DRAINER) === generation || Atomics.load(control, DRAIN_STATE) !== STARTING;
    if (Atomics.load(control, DRAIN_STATE) === STOPPED) return;
    // Marks the ring as undrained (waits and the exit hook act on it) and frees a claim it held.
    Atomics.store(control, DRAIN_STATE, DEAD);
    this.#reader.reclaimFromDeadDrain();
    Atomics.notify(control, DRAIN_STATE);
    // After close(), a drain worker that returned (exit code 0, nothing thrown) did what it
    // was told, even when this thread's own drain for close() rewrote the state it left:
    // nothing to report, close() writes the rest.
    if (!this.#options.hooks.isOpen() && code === 0 && thrown === undefined) {
      this.#worker = null;
      return;
    }
    const detail = thrown ? `threw ${thrown.message}` : `exit code ${code}`;
    if (!started) {
      this.#goInline(detail, false);
      return;
    }
    this.#workerDied(worker, detail);
  }

  /** Starts a new drain worker, unless drains keep dying without progress; then drains here. */
  #workerDied(worker: Worker | null, detail: string): void {
    if (worker !== this.#worker || this.#inline) return;
    this.#worker = null;
    if (!this.#options.hooks.isOpen()) {
      // close() is waiting: it drains here and finishes.
      this.#options.hooks.report(errors.workerDied(`${detail}; close() writes the rest`), false);
      return;
    }
    // Progress is what drain workers wrote: this thread may have drained in between.
    const spans = Atomics.load(this.#options.views.control, WORKER_SPANS);
    this.#restartsWithoutProgress = spans === this.#spansAtRestart ? this.#restartsWithoutProgress + 1 : 1;
    this.#spansAtRestart = spans;
    if (this.#restartsWithoutProgress > MAX_RESTARTS_WITHOUT_PROGRESS) {
      this.#goInline(
        `${detail}; not restarted after ${MAX_RESTARTS_WITHOUT_PROGRESS} deaths in a row without a byte written`,
      );
      return;
    }
    this.#restarts++;
    if (Atomics.load(this.#options.views.control, FD_OPENED_BY_WORKER) !== 0) {
      // The worker's own descriptor went with it: open the path again before the next one starts.
      try {
        this.#reopenAfterWorker();
      } catch (error) {
        this.#options.hooks.report(error as Error, true);
      }
    }
    this.#start();
    this.#options.hooks.report(errors.workerDied(`${detail}; a new drain worker took over`), false);
  }

  /**
   * From now on this thread writes the ring: on a timer while the event loop turns, and in
   * every wait. Nothing is lost, so this is reported, never thrown at the host.
   */
  /** This thread writes the ring for good; `started`: whether a drain worker ever ran. */
  #goInline(detail: string, started = true): void {
    this.#inline = true;
    this.#worker = null;
    Atomics.store(this.#options.views.control, DRAIN_STATE, DEAD);
    const why = `${detail}; writing from the emitting thread`;
    this.#options.hooks.report(started ? errors.workerDied(why) : errors.workerNotStarted(why), false);
    const interval = Math.max(1, this.#options.settings.drainIntervalMs);
    this.#inlineTimer = setInterval(() => {
      if (this.#reader.claimHolder === NO_DRAIN && this.#hasWork()) this.drainHere();
    }, interval);
    this.#inlineTimer.unref();
    this.drainHere();
  }

  #hasWork(): boolean {
    return (
      this.#reader.committed !== this.#reader.read ||
      this.#reader.pendingFlush() !== null ||
      this.#reader.reopenRequest() !== null ||
      this.#reader.pendingRotation() !== null
    );
  }

  #stopInlineTimer(): void {
    if (this.#inlineTimer !== null) clearInterval(this.#inlineTimer);
    this.#inlineTimer = null;
  }
}
