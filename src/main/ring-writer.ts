/**
 * The producer side of the ring: any thread that emits holds one of these. Copies a line's
 * UTF-8 bytes into shared memory under the lock and, only when the drain needs it, wakes it.
 * See `src/shared/protocol.ts` for the layout and invariants.
 */
import os from 'node:os';
import { currentThreadId, isThreadAlive } from '#shared/os-thread.js';
import {
  COMMAND,
  DOZING,
  DRAIN_STATE,
  DROPPED_BYTES,
  DROPPED_EVENTS,
  distance,
  ENQUEUED_BYTES,
  ENQUEUED_EVENTS,
  ERROR,
  FLUSH_WAITERS,
  FLUSHES,
  HIGH_WATER,
  LOCK,
  LOCK_OWNER,
  LOCKED,
  LOCKED_CONTENDED,
  NEWLINE,
  READ,
  REOPEN_AT,
  REOPEN_FD,
  type RingHandle,
  type RingViews,
  RUNNING,
  ringViews,
  SLEEPING,
  SPACE_WAITERS,
  STOP,
  SYNCED,
  TORN,
  UNLOCKED,
  WRITE,
  wakeDrain,
} from '#shared/protocol.js';
import { errors } from './errors.js';

/** A blocking wait sleeps in slices this long so it can notice errors and deadlines. */
const WAIT_SLICE_MS = 50;
/** A producer that has waited this long for the lock checks that its holder still exists. */
const OWNER_CHECK_AFTER_MS = 500;

function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(os.constants.errno)) if (value === -errno) return name;
  return `errno ${-errno}`;
}

export class RingWriter {
  readonly handle: RingHandle;
  readonly #control: Int32Array;
  readonly #stats: Float64Array;
  readonly #data: Buffer;
  readonly #capacity: number;
  readonly #mask: number;
  readonly #half: number;
  readonly #dropWhenFull: boolean;
  /** This thread's OS id, written to LOCK_OWNER while it holds the lock. */
  readonly #threadId = currentThreadId();

  /**
   * Called on every pass of a blocked write or flush in the thread that owns the sink: it
   * checks that the drain is alive and, if not, restarts it (or writes the ring itself)
   * without waiting for the worker's exit event, which a blocked thread would never see.
   */
  readonly #checkDrainAlive: (() => void) | undefined;

  constructor(handle: RingHandle, views: RingViews = ringViews(handle), checkDrainAlive?: () => void) {
    this.handle = handle;
    this.#checkDrainAlive = checkDrainAlive;
    this.#control = views.control;
    this.#stats = views.stats;
    this.#data = views.data;
    this.#capacity = views.capacity;
    this.#mask = views.mask;
    this.#half = views.capacity >>> 1;
    this.#dropWhenFull = handle.onFull === 'drop';
  }

  /** Whether the sink was closed (by any thread). May already be stale. */
  get stopped(): boolean {
    return Atomics.load(this.#control, COMMAND) === STOP;
  }

  /**
   * Appends one record: `length` bytes of `source` from `start`, ending with its newline.
   * Returns false when the record was dropped (drop policy, ring full); throws a named error
   * when a bounded wait runs out or the sink is closed.
   */
  write(source: Buffer, start: number, length: number): boolean {
    const control = this.#control;
    if (Atomics.compareExchange(control, LOCK, UNLOCKED, LOCKED) !== UNLOCKED) this.#lockSlow();
    control[LOCK_OWNER] = this.#threadId;
    let used: number;
    try {
      if (Atomics.load(control, COMMAND) === STOP) throw errors.closed('The audit sink');
      if (control[TORN] !== 0) this.#endTornLine();
      const write = control[WRITE];
      used = distance(write, Atomics.load(control, READ));
      const position = write & this.#mask;
      if (length <= this.#capacity - used && length <= this.#capacity - position) {
        source.copy(this.#data, position, start, start + length);
        used += length;
        this.#commit(write, length, used);
      } else {
        if (!this.#writeSlow(source, start, length, write, used)) return false;
        used = distance(control[WRITE], Atomics.load(control, READ));
      }
    } finally {
      this.#unlock();
    }
    this.#wakeIfNeeded(used);
    return true;
  }

  /**
   * Blocks until every byte committed before the call has been handed to the OS (and
   * fsynced, when the ring was made with `fsync`). Throws on a write error or timeout.
   */
  flush(timeoutMs: number = this.handle.flushTimeoutMs): void {
    for (const [slot, value, ms] of this.#flushWaits(timeoutMs)) Atomics.wait(this.#control, slot, value, ms);
  }

  /** `flush()` without blocking the event loop. */
  async flushAsync(timeoutMs: number = this.handle.flushTimeoutMs): Promise<void> {
    for (const [slot, value, ms] of this.#flushWaits(timeoutMs)) {
      const result = Atomics.waitAsync(this.#control, slot, value, ms);
      if (result.async) await result.value;
    }
  }

  /** The waits a flush needs, as (slot, expected value, ms) for the caller's kind of wait. */
  *#flushWaits(timeoutMs: number): Generator<[slot: number, value: number, ms: number]> {
    const control = this.#control;
    Atomics.add(control, FLUSHES, 1);
    const target = Atomics.load(control, WRITE);
    const slot = this.handle.fsync ? SYNCED : READ;
    if (distance(Atomics.load(control, slot), target) >= 0) return;
    const deadline = performance.now() + timeoutMs;
    Atomics.add(control, FLUSH_WAITERS, 1);
    try {
      wakeDrain(control);
      for (;;) {
        this.#checkDrain();
        const done = Atomics.load(control, slot);
        if (distance(done, target) >= 0) return;
        this.#throwIfFailed();
        const left = deadline - performance.now();
        if (left <= 0) throw errors.flushTimeout(timeoutMs);
        yield [slot, done, Math.min(left, WAIT_SLICE_MS)];
      }
    } finally {
      Atomics.sub(control, FLUSH_WAITERS, 1);
    }
  }

  /** Stops every producer of this ring: later writes throw. Taken under the lock, so no
   * write is half done when it takes effect. */
  stop(): void {
    this.#locked(() => Atomics.store(this.#control, COMMAND, STOP));
    wakeDrain(this.#control);
  }

  /**
   * Asks the drain to switch to `fd` after every byte committed so far. Returns false
   * while an earlier reopen has not been taken up yet.
   */
  requestReopen(fd: number): boolean {
    const accepted = this.#locked(() => {
      if (Atomics.load(this.#control, REOPEN_FD) !== -1) return false;
      Atomics.store(this.#control, REOPEN_AT, this.#control[WRITE]);
      // Publishes the switch; the drain reads REOPEN_AT after seeing the fd.
      Atomics.store(this.#control, REOPEN_FD, fd);
      return true;
    });
    if (accepted) wakeDrain(this.#control);
    return accepted;
  }

  #locked<T>(action: () => T): T {
    if (Atomics.compareExchange(this.#control, LOCK, UNLOCKED, LOCKED) !== UNLOCKED) this.#lockSlow();
    this.#control[LOCK_OWNER] = this.#threadId;
    try {
      return action();
    } finally {
      this.#unlock();
    }
  }

  #checkDrain(): void {
    this.#checkDrainAlive?.();
  }

  /** Throws the destination's error when the drain reports one. */
  #throwIfFailed(): void {
    const errno = Atomics.load(this.#control, ERROR);
    if (errno !== 0) {
      throw errors.writeFailed(Object.assign(new Error(errnoName(errno)), { code: errnoName(errno), errno }));
    }
  }

  #commit(write: number, length: number, used: number): void {
    const stats = this.#stats;
    stats[ENQUEUED_EVENTS]++;
    stats[ENQUEUED_BYTES] += length;
    if (used > stats[HIGH_WATER]) stats[HIGH_WATER] = used;
    // Publishes the record to the drain.
    Atomics.store(this.#control, WRITE, (write + length) | 0);
  }

  #wakeIfNeeded(used: number): void {
    const control = this.#control;
    const state = Atomics.load(control, DRAIN_STATE);
    if (state === SLEEPING || (state === DOZING && used >= this.#half)) {
      // Exactly one thread wins the state change and pays for the notify.
      if (Atomics.compareExchange(control, DRAIN_STATE, state, RUNNING) === state) wakeDrain(control);
    }
  }

  /** A record that does not fit where the write position is: wait, drop, or stream it in pieces. */
  #writeSlow(bytes: Buffer, start: number, byteLength: number, write: number, used: number): boolean {
    const free = this.#capacity - used;
    if (byteLength > free && byteLength <= this.#capacity && this.#dropWhenFull) {
      this.#stats[DROPPED_EVENTS]++;
      this.#stats[DROPPED_BYTES] += byteLength;
      return false;
    }
    // A record that fits the ring waits for room for all of it before a byte is published: a
    // piece published before a wait that then times out (or finds the sink closed) would stay
    // in the file as a torn line, glued to the next record. Only larger records stream.
    if (byteLength > free && byteLength <= this.#capacity) this.#waitForSpace(write, byteLength);
    // Copy in pieces as space frees up: a record larger than the ring streams through it.
    let copied = 0;
    while (copied < byteLength) {
      const room = this.#capacity - distance(write, Atomics.load(this.#control, READ));
      if (room === 0) {
        try {
          this.#waitForSpace(write, 1, true);
        } catch (error) {
          if (copied > 0) this.#abandon(byteLength);
          throw error;
        }
        continue;
      }
      const position = write & this.#mask;
      const piece = Math.min(byteLength - copied, room, this.#capacity - position);
      bytes.copy(this.#data, position, start + copied, start + copied + piece);
      copied += piece;
      const usedNow = distance(write + piece, Atomics.load(this.#control, READ));
      if (copied === byteLength) {
        this.#commit(write, piece, usedNow);
        this.#control[TORN] = 0;
      } else {
        // A partial record is published so that the drain can make room for the rest; until
        // its last piece is, the published bytes end inside it.
        this.#control[TORN] = 1;
        this.#stats[ENQUEUED_BYTES] += piece;
        if (usedNow > this.#stats[HIGH_WATER]) this.#stats[HIGH_WATER] = usedNow;
        Atomics.store(this.#control, WRITE, (write + piece) | 0);
      }
      write = (write + piece) | 0;
    }
    return true;
  }

  /** A record larger than the ring could not be finished: count it, and end its line later. */
  #abandon(byteLength: number): void {
    this.#stats[DROPPED_EVENTS]++;
    this.#stats[DROPPED_BYTES] += byteLength;
    // TORN stays set: the next write ends the line this record's head left open.
  }

  /** Ends the line an abandoned record left open, so the next record starts a line. */
  #endTornLine(): void {
    const control = this.#control;
    const write = control[WRITE];
    if (distance(write, Atomics.load(control, READ)) >= this.#capacity) this.#waitForSpace(write);
    this.#data[write & this.#mask] = NEWLINE;
    this.#stats[ENQUEUED_BYTES]++;
    control[TORN] = 0;
    Atomics.store(control, WRITE, (write + 1) | 0);
  }

  /**
   * Waits, bounded, until the drain frees `needed` bytes of space. Called with the lock
   * held. With `whileProgressing`, the bound restarts whenever the drain frees space: a
   * record larger than the ring is cut only when the drain stops moving.
   */
  #waitForSpace(write: number, needed = 1, whileProgressing = false): void {
    const control = this.#control;
    let deadline = performance.now() + this.handle.waitTimeoutMs;
    let lastRead = Atomics.load(control, READ);
    Atomics.add(control, SPACE_WAITERS, 1);
    try {
      wakeDrain(control);
      for (;;) {
        this.#checkDrain();
        const read = Atomics.load(control, READ);
        if (this.#capacity - distance(write, read) >= needed) return;
        if (whileProgressing && read !== lastRead) {
          lastRead = read;
          deadline = performance.now() + this.handle.waitTimeoutMs;
        }
        // A failing destination will not free space soon: report it now instead of waiting.
        this.#throwIfFailed();
        if (Atomics.load(control, COMMAND) === STOP) throw errors.closed('The audit sink');
        const left = deadline - performance.now();
        if (left <= 0) throw errors.ringFullTimeout(this.handle.waitTimeoutMs);
        Atomics.wait(control, READ, read, Math.min(left, WAIT_SLICE_MS));
      }
    } finally {
      Atomics.sub(control, SPACE_WAITERS, 1);
    }
  }

  #lockSlow(): void {
    const control = this.#control;
    // Brief spin first: the holder only copies a few hundred bytes.
    for (let spin = 0; spin < 100; spin++) {
      if (Atomics.compareExchange(control, LOCK, UNLOCKED, LOCKED) === UNLOCKED) return;
    }
    const started = performance.now();
    const deadline = started + this.handle.waitTimeoutMs;
    // Mark the lock contended so the holder notifies on release.
    while (Atomics.exchange(control, LOCK, LOCKED_CONTENDED) !== UNLOCKED) {
      const now = performance.now();
      if (now - started >= OWNER_CHECK_AFTER_MS && this.#takeOverFromDeadOwner()) return;
      const left = deadline - now;
      if (left <= 0) throw errors.lockTimeout(this.handle.waitTimeoutMs);
      Atomics.wait(control, LOCK, LOCKED_CONTENDED, Math.min(left, WAIT_SLICE_MS));
    }
  }

  /**
   * If the lock's holder is a thread that no longer exists, takes the lock over (exactly one
   * waiter wins the compare-and-swap on LOCK_OWNER). Whatever it had not published is simply
   * not there; a record it had published in part is ended by the next write (TORN).
   */
  #takeOverFromDeadOwner(): boolean {
    const control = this.#control;
    const owner = Atomics.load(control, LOCK_OWNER);
    if (owner === 0 || owner === this.#threadId || isThreadAlive(owner)) return false;
    if (Atomics.compareExchange(control, LOCK_OWNER, owner, this.#threadId) !== owner) return false;
    Atomics.store(control, LOCK, LOCKED_CONTENDED);
    return true;
  }

  #unlock(): void {
    // Hands the lock (and every byte written under it) to the next producer.
    if (Atomics.sub(this.#control, LOCK, 1) !== LOCKED) {
      Atomics.store(this.#control, LOCK, UNLOCKED);
      Atomics.notify(this.#control, LOCK, 1);
    }
  }
}
