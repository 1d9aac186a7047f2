/**
 * The drain worker's entry point: takes the drain claim, then runs the shared drain loop
 * until told to stop. It never returns to its event loop: all control (new bytes, flush,
 * reopen, rotation, stop) arrives through shared memory, and sleeping is an `Atomics.wait`
 * that producers interrupt only when they must (see src/shared/protocol.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createChain } from '#shared/chain.js';
import { Drain, type DrainStep } from '#shared/drain-loop.js';
import { currentThreadId } from '#shared/os-thread.js';
import {
  CLAIMING,
  CLOCK_MS,
  COMMAND,
  DEAD,
  DOZING,
  DRAIN_OWNER,
  DRAIN_STATE,
  DRAIN_TID,
  type DrainMessage,
  type DrainSettings,
  LAST_DRAINER,
  READ,
  RUNNING,
  ringViews,
  SLEEPING,
  STOP,
  STOPPED,
  WAKE,
  WRITE,
} from '#shared/protocol.js';

/** While the destination fails, try again this often (sonic-boom's interval for the same). */
const RETRY_INTERVAL_MS = 100;
/**
 * While a pipe or FIFO is full, look again this often: a pipe holds 64 KiB (Linux default),
 * so a reader taking up to about 6 MB/s never waits on this poll, and an idle poll costs
 * nothing measurable.
 */
const BUSY_RETRY_MS = 10;
/**
 * An idle drain looks at the ring again after its batch interval, then twice as long each
 * time it finds nothing, up to this (or the batch interval, if longer): producers do not
 * wake it for a record or two (only when the ring is half full, or someone flushes), so
 * this bounds how long an emitted record can wait in the ring before it is written, and
 * keeps an idle drain to 20 wake-ups a second.
 */
const IDLE_POLL_MAX_MS = 50;
/** While the owner drains for a moment (before this worker started), wait in slices this long. */
const CLAIM_SLICE_MS = 50;

const settings = workerData as DrainSettings & { readonly generation: number };
const control = ringViews(settings.handle).control;
const stats = ringViews(settings.handle).stats;
const generation = settings.generation;

function post(message: DrainMessage): void {
  parentPort?.postMessage(message);
}

const now = (): number => stats[CLOCK_MS] || Date.now();

let holding = false;
process.on('exit', () => {
  if (!holding) return;
  if (Atomics.load(control, DRAIN_STATE) !== STOPPED) Atomics.store(control, DRAIN_STATE, DEAD);
  // Lets another drain take over at once.
  if (Atomics.compareExchange(control, DRAIN_OWNER, generation, 0) === generation) {
    Atomics.notify(control, DRAIN_OWNER);
  }
});

/** Takes the drain claim; false if the sink stopped first. */
function claim(drainStopRequested: () => boolean): boolean {
  for (;;) {
    const holder = Atomics.compareExchange(control, DRAIN_OWNER, 0, generation);
    if (holder === 0) return true;
    if (drainStopRequested()) return false;
    Atomics.wait(control, DRAIN_OWNER, holder, CLAIM_SLICE_MS);
  }
}

function run(): void {
  // Alive and about to drain: the owner leaves the claim to this thread from now on.
  Atomics.store(control, DRAIN_TID, currentThreadId());
  Atomics.store(control, DRAIN_STATE, CLAIMING);
  if (!claim(() => Atomics.load(control, COMMAND) === STOP)) return;
  holding = true;
  if (closedAndDrained()) {
    // close() ran before this thread started and wrote every byte itself: this thread must not
    // touch the trail (no file, no sidecar), which the application may already have moved.
    stopped();
    return;
  }
  Atomics.store(control, LAST_DRAINER, generation);
  Atomics.store(control, DRAIN_TID, currentThreadId());
  Atomics.store(control, DRAIN_STATE, RUNNING);
  const drain = new Drain({
    settings,
    post,
    now,
    inWorker: true,
    chain: createChain(settings, now, post),
  });

  /** Parks in `state` until woken or `ms` pass, unless `ready()` already says there is work. */
  const park = (state: number, ms: number, ready: () => boolean): void => {
    const wake = Atomics.load(control, WAKE);
    // Announces the state first, then looks again: a producer either sees it or we see its bytes.
    Atomics.store(control, DRAIN_STATE, state);
    if (!ready()) Atomics.wait(control, WAKE, wake, ms);
    Atomics.store(control, DRAIN_STATE, RUNNING);
  };
  const hasWork = () => drain.hasWork();
  const batchReady = () => drain.batchReady();
  const stopping = () => drain.reader.stopRequested || drain.reader.reopenRequest() !== null;

  let force = false;
  let idleMs = settings.drainIntervalMs;
  for (;;) {
    const step: DrainStep = drain.step(force);
    force = false;
    if (step === 'stopped') break;
    if (step !== 'idle') idleMs = settings.drainIntervalMs;
    if (step === 'progress') continue;
    if (step === 'batch') {
      park(DOZING, settings.drainIntervalMs, batchReady);
      force = true;
    } else if (step === 'busy') {
      park(RUNNING, BUSY_RETRY_MS, stopping);
    } else if (step === 'failing') {
      park(RUNNING, RETRY_INTERVAL_MS, stopping);
    } else {
      // Idle: look again later, a little later each time nothing came.
      idleMs = Math.min(Math.max(IDLE_POLL_MAX_MS, settings.drainIntervalMs), Math.max(1, idleMs * 2));
      park(SLEEPING, Math.min(idleMs, drain.msUntilRotation()), hasWork);
      force = true;
    }
  }
  drain.close();
  stopped();
}

/** The sink is stopping and the ring holds nothing: there is nothing left for any drain. */
function closedAndDrained(): boolean {
  return (
    Atomics.load(control, COMMAND) === STOP && Atomics.load(control, READ) === Atomics.load(control, WRITE)
  );
}

/** Tells close() that every byte is written and this thread is done; close() closes the file. */
function stopped(): void {
  Atomics.store(control, DRAIN_STATE, STOPPED);
  holding = false;
  Atomics.store(control, DRAIN_OWNER, 0);
  Atomics.notify(control, DRAIN_OWNER);
  Atomics.notify(control, DRAIN_STATE);
}

try {
  run();
} catch (error) {
  Atomics.store(control, DRAIN_STATE, DEAD);
  throw error;
}
