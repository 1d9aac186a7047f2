/**
 * The producer role over the ring: any thread that emits holds one of these. Copies a
 * record's bytes into shared memory under the lock and, only when the drain needs it, wakes
 * it. Flushes, reopen and stop requests go through it too. See src/shared/protocol.ts for the
 * layout and who writes what.
 *
 * Every wait here is bounded and named; a wait that sees the drain make progress (bytes
 * written) is not a timeout. On the thread that owns the sink, each pass of a wait also
 * calls `assist`, which restarts a dead drain, or writes the ring itself when no drain runs.
 */
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
  FLUSH_DONE,
  FLUSH_REQUESTS,
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
  ROTATE_DONE,
  ROTATE_REQUESTS,
  RUNNING,
  ringViews,
  SLEEPING,
  SPACE_WAIT,
  STOP,
  TORN,
  UNLOCKED,
  UNMARKED_DROPPED_BYTES,
  UNMARKED_DROPPED_EVENTS,
  WRITE,
  wakeDrain,
} from '#shared/protocol.js';
import { errorFromErrno, errors } from './errors.js';

/** A blocking wait sleeps in slices this long so it can notice errors, deadlines and progress. */
const WAIT_SLICE_MS = 50;
/**
 * A producer that has waited this long for the lock checks that its holder still exists: a
 * copy under the lock takes microseconds, and the /proc lookup costs tens of microseconds.
 */
const OWNER_CHECK_AFTER_MS = 500;
/** Spins before sleeping on a contended lock: the holder only copies a few hundred bytes. */
const LOCK_SPINS = 100;

/** Writes the `events_dropped` mark for `count` records and `bytes` bytes; returns its bytes. */
export type DropMarkEncoder = (
  count: number,
  bytes: number,
) => { buffer: Buffer; start: number; length: number };

export class RingWriter {
  readonly handle: RingHandle;
  readonly #control: Int32Array;
  readonly #stats: Float64Array;
  readonly #data: Buffer;
  readonly #capacity: number;
  readonly #mask: number;
  readonly #half: number;
  readonly #dropWhenFull: boolean;
  readonly #threadId = currentThreadId();
  readonly #assist: () => void;
  readonly #dropMark: DropMarkEncoder;

  /**
   * `assist` runs on every pass of a blocked wait (the owner's: restart a dead drain, or
   * drain here); `dropMark` encodes the `events_dropped` record of 'drop' mode.
   */
  constructor(
    handle: RingHandle,
    dropMark: DropMarkEncoder,
    assist: () => void = () => {},
    views?: RingViews,
  ) {
    const ring = views ?? ringViews(handle);
    this.handle = handle;
    this.#assist = assist;
    this.#dropMark = dropMark;
    this.#control = ring.control;
    this.#stats = ring.stats;
    this.#data = ring.data;
    this.#capacity = ring.capacity;
    this.#mask = ring.mask;
    this.#half = ring.capacity >>> 1;
    this.#dropWhenFull = handle.onFull === 'drop';
  }

  /** Whether the sink was closed (by any thread). May already be stale. */
  get stopped(): boolean {
    return Atomics.load(this.#control, COMMAND) === STOP;
  }

  /**
   * Appends one record: `length` bytes of `source` from `start`, ending with its newline.
   * Returns false when it was dropped ('drop' mode, ring full); throws a named error when a
   * bounded wait runs out or the sink is closed.
   */
  write(source: Buffer, start: number, length: number): boolean {
    const control = this.#control;
    this.#lock();
    let used: number;
    try {
      // COMMAND and TORN change only under the lock: plain reads suffice while holding it.
      if (control[COMMAND] === STOP) throw errors.closed('The audit sink');
      if (control[TORN] !== 0 && !this.#endTornLine()) return this.#drop(length);
      if (this.#stats[UNMARKED_DROPPED_EVENTS] > 0 && !this.#writeDropMark(length)) return this.#drop(length);
      const write = control[WRITE];
      used = distance(write, Atomics.load(control, READ));
      const position = write & this.#mask;
      if (length <= this.#capacity - used && length <= this.#capacity - position) {
        source.copy(this.#data, position, start, start + length);
        used += length;
        this.#commit(write, length, used);
      } else if (!this.#writeSlow(source, start, length)) {
        return false;
      } else {
        used = distance(control[WRITE], Atomics.load(control, READ));
      }
    } finally {
      this.#unlock();
    }
    this.#wakeIfNeeded(used);
    return true;
  }

  /**
   * Blocks until every record committed before the call, by any thread, has been handed to
   * the OS (and fsynced and checkpointed, when the sink does those). Throws on a write error
   * or after `timeoutMs`.
   */
  flush(timeoutMs: number = this.handle.flushTimeoutMs): void {
    for (const [value, ms] of this.#flushWaits(timeoutMs)) Atomics.wait(this.#control, FLUSH_DONE, value, ms);
  }

  /** `flush()` without blocking the event loop. */
  async flushAsync(timeoutMs: number = this.handle.flushTimeoutMs): Promise<void> {
    for (const [value, ms] of this.#flushWaits(timeoutMs)) {
      const result = Atomics.waitAsync(this.#control, FLUSH_DONE, value, ms);
      if (result.async) await result.value;
    }
  }

  /** The waits a flush needs, as (expected FLUSH_DONE, ms), for the caller's kind of wait. */
  *#flushWaits(timeoutMs: number): Generator<[value: number, ms: number]> {
    const control = this.#control;
    Atomics.add(control, FLUSHES, 1);
    const deadline = performance.now() + timeoutMs;
    // Drops not yet marked in the trail are part of what a flush makes durable: the mark is
    // written (once the ring has room for it, after a first round) and flushed too.
    for (let round = 0; ; round++) {
      const marked =
        this.#stats[UNMARKED_DROPPED_EVENTS] === 0 ||
        this.stopped ||
        this.#locked(() => this.#writeDropMark(0));
      yield* this.#flushRound(deadline, timeoutMs);
      if (marked || round === 1) return;
    }
  }

  /** One flush ticket, waited for until `deadline`. */
  *#flushRound(deadline: number, timeoutMs: number): Generator<[value: number, ms: number]> {
    const control = this.#control;
    const target = Atomics.load(control, WRITE);
    if (!this.handle.flushNeedsDrain && distance(Atomics.load(control, READ), target) >= 0) return;
    // The ticket: the drain acknowledges it once every byte committed before it is out.
    const ticket = (Atomics.add(control, FLUSH_REQUESTS, 1) + 1) | 0;
    wakeDrain(control);
    for (;;) {
      this.#assist();
      const done = Atomics.load(control, FLUSH_DONE);
      if (distance(done, ticket) >= 0) return;
      this.#throwIfFailed();
      const left = deadline - performance.now();
      if (left <= 0) throw errors.flushTimeout(timeoutMs);
      yield [done, Math.min(left, WAIT_SLICE_MS)];
    }
  }

  /** Stops every producer of this ring: later writes throw. Under the lock, so no write is half done. */
  stop(): void {
    this.#locked(() => Atomics.store(this.#control, COMMAND, STOP));
    wakeDrain(this.#control);
  }

  /**
   * Asks the drain to switch to `fd` after every record committed so far (a record boundary:
   * a line an abandoned record left open is ended first). Returns false while an earlier
   * reopen has not been taken up yet.
   */
  requestReopen(fd: number): boolean {
    const accepted = this.#locked(() => {
      if (Atomics.load(this.#control, REOPEN_FD) !== -1) return false;
      if (Atomics.load(this.#control, TORN) !== 0) this.#endTornLine();
      Atomics.store(this.#control, REOPEN_AT, this.#control[WRITE]);
      // Publishes the switch; the drain reads REOPEN_AT after seeing the fd.
      Atomics.store(this.#control, REOPEN_FD, fd);
      return true;
    });
    if (accepted) wakeDrain(this.#control);
    return accepted;
  }

  /** Asks the drain to rotate at the next record boundary; returns the request's number. */
  requestRotation(): number {
    const request = (Atomics.add(this.#control, ROTATE_REQUESTS, 1) + 1) | 0;
    wakeDrain(this.#control);
    return request;
  }

  /** Whether rotation request `request` was served. May already be stale. */
  rotationDone(request: number): boolean {
    return distance(Atomics.load(this.#control, ROTATE_DONE), request) >= 0;
  }

  #locked<T>(action: () => T): T {
    this.#lock();
    try {
      return action();
    } finally {
      this.#unlock();
    }
  }

  #lock(): void {
    const control = this.#control;
    if (Atomics.compareExchange(control, LOCK, UNLOCKED, LOCKED) !== UNLOCKED) this.#lockSlow();
    // A hint for waiters (is the holder still alive?), read after they waited half a second.
    control[LOCK_OWNER] = this.#threadId;
  }

  /**
   * Throws the destination's error when the drain reports one, unless a reopen is pending:
   * the failing destination is being replaced, and the wait goes on (bounded) for the new one.
   */
  #throwIfFailed(): void {
    const errno = Atomics.load(this.#control, ERROR);
    if (errno !== 0 && Atomics.load(this.#control, REOPEN_FD) === -1)
      throw errors.writeFailed(errorFromErrno(errno));
  }

  #commit(write: number, length: number, used: number): void {
    const stats = this.#stats;
    stats[ENQUEUED_EVENTS]++;
    stats[ENQUEUED_BYTES] += length;
    if (used > stats[HIGH_WATER]) stats[HIGH_WATER] = used;
    // Publishes the record to the drain.
    Atomics.store(this.#control, WRITE, (write + length) | 0);
  }

  /** Counts a record 'drop' mode did not keep; the next mark reports it. */
  #drop(length: number): false {
    const stats = this.#stats;
    stats[DROPPED_EVENTS]++;
    stats[DROPPED_BYTES] += length;
    stats[UNMARKED_DROPPED_EVENTS]++;
    stats[UNMARKED_DROPPED_BYTES] += length;
    return false;
  }

  /**
   * Wakes a resting drain only when the ring is at least half full. A drain with nothing to do
   * looks again on its own every few tens of milliseconds (src/worker/drain.ts): a futex wake
   * costs the emitting thread a system call, which in an agent loop (an emit now and then,
   * between model calls) would be paid on almost every emit.
   */
  #wakeIfNeeded(used: number): void {
    if (used < this.#half) return;
    const control = this.#control;
    const state = Atomics.load(control, DRAIN_STATE);
    if (state === SLEEPING || state === DOZING) {
      // Exactly one thread wins the state change and pays for the notify.
      if (Atomics.compareExchange(control, DRAIN_STATE, state, RUNNING) === state) wakeDrain(control);
    }
  }

  /** Copies `length` bytes at the write position, wrapping past the end; commits them as one record. */
  #copyAt(source: Buffer, start: number, length: number, record: boolean): void {
    const control = this.#control;
    const write = control[WRITE];
    const position = write & this.#mask;
    const first = Math.min(length, this.#capacity - position);
    source.copy(this.#data, position, start, start + first);
    if (first < length) source.copy(this.#data, 0, start + first, start + length);
    const used = distance(write + length, Atomics.load(control, READ));
    if (record) {
      this.#commit(write, length, used);
    } else {
      this.#stats[ENQUEUED_BYTES] += length;
      if (used > this.#stats[HIGH_WATER]) this.#stats[HIGH_WATER] = used;
      Atomics.store(control, WRITE, (write + length) | 0);
    }
  }

  /** The room the ring has now. May already be stale (it only grows while the lock is held). */
  #free(): number {
    return this.#capacity - distance(this.#control[WRITE], Atomics.load(this.#control, READ));
  }

  /**
   * A record that does not fit the contiguous space at the write position: copied in two
   * pieces when the ring has room for it; else 'drop' mode drops it and 'wait' mode waits
   * for room (a record larger than the whole ring streams through it in pieces).
   */
  #writeSlow(source: Buffer, start: number, length: number): boolean {
    if (length <= this.#free()) {
      this.#copyAt(source, start, length, true);
      return true;
    }
    // In 'drop' mode an emit never waits for space.
    if (this.#dropWhenFull) return this.#drop(length);
    if (length <= this.#capacity) {
      // All of it at once: a piece published before a wait that then fails would stay in the
      // file as a torn line, glued to the next record. Only larger records stream.
      this.#waitForSpace(length);
      this.#copyAt(source, start, length, true);
      return true;
    }
    let copied = 0;
    while (copied < length) {
      const room = this.#free();
      if (room === 0) {
        try {
          this.#waitForSpace(1);
        } catch (error) {
          if (copied > 0) this.#abandon(length);
          throw error;
        }
        continue;
      }
      const piece = Math.min(length - copied, room);
      const last = copied + piece === length;
      // Until its last piece is published, the published bytes end inside this record.
      Atomics.store(this.#control, TORN, last ? 0 : 1);
      this.#copyAt(source, start + copied, piece, last);
      copied += piece;
    }
    return true;
  }

  /** A record larger than the ring could not be finished: counted; TORN stays set to end its line. */
  #abandon(length: number): void {
    this.#stats[DROPPED_EVENTS]++;
    this.#stats[DROPPED_BYTES] += length;
  }

  /**
   * Ends the line an abandoned record left open, so the next record starts a line of its
   * own. 'drop' mode does not wait for the byte of room: false when there is none.
   */
  #endTornLine(): boolean {
    if (this.#free() < 1) {
      if (this.#dropWhenFull) return false;
      this.#waitForSpace(1);
    }
    const control = this.#control;
    const write = control[WRITE];
    this.#data[write & this.#mask] = NEWLINE;
    this.#stats[ENQUEUED_BYTES]++;
    Atomics.store(control, TORN, 0);
    Atomics.store(control, WRITE, (write + 1) | 0);
    return true;
  }

  /**
   * Writes the `events_dropped` mark for what was dropped since the last one, if it fits now
   * with `alsoNeeded` more bytes (the record that follows it). 'wait' mode never drops, so
   * only 'drop' mode gets here with drops to mark. Called with the lock held.
   */
  #writeDropMark(alsoNeeded: number): boolean {
    const stats = this.#stats;
    const mark = this.#dropMark(stats[UNMARKED_DROPPED_EVENTS], stats[UNMARKED_DROPPED_BYTES]);
    if (mark.length + alsoNeeded > this.#free()) return false;
    this.#copyAt(mark.buffer, mark.start, mark.length, true);
    stats[UNMARKED_DROPPED_EVENTS] = 0;
    stats[UNMARKED_DROPPED_BYTES] = 0;
    return true;
  }

  /**
   * Waits, bounded, until the ring has `needed` bytes of room. Called with the lock held, so
   * at most one producer waits here (SPACE_WAIT is a flag, not a count: a producer terminated
   * while waiting cannot leave it raised for ever, the next lock holder clears it). The bound
   * restarts whenever the drain frees space: `waitTimeoutMs` is how long nothing may move.
   */
  #waitForSpace(needed: number): void {
    const control = this.#control;
    let deadline = performance.now() + this.handle.waitTimeoutMs;
    let lastRead = Atomics.load(control, READ);
    Atomics.store(control, SPACE_WAIT, 1);
    try {
      wakeDrain(control);
      for (;;) {
        this.#assist();
        const read = Atomics.load(control, READ);
        if (this.#capacity - distance(control[WRITE], read) >= needed) return;
        if (read !== lastRead) {
          // Progress: a destination that keeps taking bytes is slow, not stuck.
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
      Atomics.store(control, SPACE_WAIT, 0);
    }
  }

  #lockSlow(): void {
    const control = this.#control;
    for (let spin = 0; spin < LOCK_SPINS; spin++) {
      if (Atomics.compareExchange(control, LOCK, UNLOCKED, LOCKED) === UNLOCKED) return;
    }
    const started = performance.now();
    let deadline = started + this.handle.waitTimeoutMs;
    let lastRead = Atomics.load(control, READ);
    let lastWrite = Atomics.load(control, WRITE);
    // Mark the lock contended so the holder notifies on release.
    while (Atomics.exchange(control, LOCK, LOCKED_CONTENDED) !== UNLOCKED) {
      this.#assist();
      const now = performance.now();
      const read = Atomics.load(control, READ);
      const write = Atomics.load(control, WRITE);
      if (read !== lastRead || write !== lastWrite) {
        // The holder streams a record larger than the ring and bytes keep flowing: not stuck.
        lastRead = read;
        lastWrite = write;
        deadline = now + this.handle.waitTimeoutMs;
      }
      if (now - started >= OWNER_CHECK_AFTER_MS && this.#takeOverFromDeadOwner()) return;
      const left = deadline - now;
      if (left <= 0) throw errors.lockTimeout(this.handle.waitTimeoutMs);
      Atomics.wait(control, LOCK, LOCKED_CONTENDED, Math.min(left, WAIT_SLICE_MS));
    }
  }

  /**
   * If the lock's holder is a thread that no longer exists, takes the lock over (exactly one
   * waiter wins the compare-and-swap on LOCK_OWNER). Whatever it had not published is simply
   * not there; a record it had published in part is ended by the next write (TORN); a wait
   * for space it left flagged is cleared.
   */
  #takeOverFromDeadOwner(): boolean {
    const control = this.#control;
    const owner = Atomics.load(control, LOCK_OWNER);
    if (owner === 0 || owner === this.#threadId || isThreadAlive(owner)) return false;
    if (Atomics.compareExchange(control, LOCK_OWNER, owner, this.#threadId) !== owner) return false;
    Atomics.store(control, LOCK, LOCKED_CONTENDED);
    Atomics.store(control, SPACE_WAIT, 0);
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
