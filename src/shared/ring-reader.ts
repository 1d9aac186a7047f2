/**
 * The consumer role over the ring: everything the drain reads and writes in shared memory.
 * The worker and the owner's fallback drain both go through it, so there is one copy of the
 * consumer side of the protocol (see protocol.ts for the layout and who writes what).
 */
import { isThreadAlive } from './os-thread.js';
import {
  CLAIMING,
  COMMAND,
  CURRENT_FD,
  DEAD,
  DRAIN_OWNER,
  DRAIN_STATE,
  DRAIN_TID,
  distance,
  ERROR,
  FILE_SIZE,
  FLUSH_DONE,
  FLUSH_REQUESTS,
  IN_FLIGHT_DONE,
  IN_FLIGHT_FROM,
  IN_FLIGHT_LEN,
  NEWLINE,
  NO_DRAIN,
  READ,
  REOPEN_AT,
  REOPEN_FD,
  RETIRED_FD,
  type RingHandle,
  type RingViews,
  ROTATE_DONE,
  ROTATE_REQUESTS,
  ROTATIONS,
  ringViews,
  SPACE_WAIT,
  STARTING,
  STOP,
  STOPPED,
  WRITE,
  WRITE_ERRORS,
  WRITTEN_BYTES,
  WRITTEN_EVENTS,
} from './protocol.js';

/** Committed bytes at READ, as one view or two (when they wrap past the end of the ring). */
export interface Span {
  readonly parts: readonly Buffer[];
  readonly length: number;
}

/** Counts the newlines (records ended) in `parts`. */
export function countLines(parts: readonly Buffer[]): number {
  let lines = 0;
  for (const part of parts) {
    for (let at = part.indexOf(NEWLINE); at !== -1; at = part.indexOf(NEWLINE, at + 1)) lines++;
  }
  return lines;
}

export class RingReader {
  readonly control: Int32Array;
  readonly stats: Float64Array;
  readonly #data: Buffer;
  readonly #capacity: number;
  readonly #mask: number;

  constructor(handle: RingHandle, views: RingViews = ringViews(handle)) {
    this.control = views.control;
    this.stats = views.stats;
    this.#data = views.data;
    this.#capacity = views.capacity;
    this.#mask = views.mask;
  }

  /** Bytes handed to the OS so far (mod 2^32). Only the drain moves it. */
  get read(): number {
    return Atomics.load(this.control, READ);
  }

  /** Bytes committed by producers (mod 2^32). May already be stale: more may follow. */
  get committed(): number {
    return Atomics.load(this.control, WRITE);
  }

  get stopRequested(): boolean {
    return Atomics.load(this.control, COMMAND) === STOP;
  }

  /** The holder of the lock waits for space. May already be stale. */
  get spaceWanted(): boolean {
    return Atomics.load(this.control, SPACE_WAIT) !== 0;
  }

  // --- The drain claim: exactly one thread drains at a time. ---

  /** Takes the claim for `token` if nobody holds it. */
  tryClaim(token: number): boolean {
    return Atomics.compareExchange(this.control, DRAIN_OWNER, NO_DRAIN, token) === NO_DRAIN;
  }

  /** Gives the claim back (only if `token` holds it). */
  releaseClaim(token: number): void {
    if (Atomics.compareExchange(this.control, DRAIN_OWNER, token, NO_DRAIN) === token) {
      // A drain waiting to start may take it now.
      Atomics.notify(this.control, DRAIN_OWNER);
    }
  }

  get claimHolder(): number {
    return Atomics.load(this.control, DRAIN_OWNER);
  }

  /**
   * If the claim's holder is a worker whose thread no longer exists (terminated, or died in a
   * way that skipped its own clean-up), marks it DEAD and frees the claim, so that a waiting
   * thread can drain. Returns whether the claim is free now. Any thread may call it.
   */
  reclaimFromDeadDrain(): boolean {
    const holder = this.claimHolder;
    if (holder === NO_DRAIN) return true;
    if (holder < 0) return false;
    const state = Atomics.load(this.control, DRAIN_STATE);
    if (state === STARTING || state === CLAIMING || state === STOPPED) return false;
    if (state !== DEAD && isThreadAlive(Atomics.load(this.control, DRAIN_TID))) return false;
    Atomics.store(this.control, DRAIN_STATE, DEAD);
    return Atomics.compareExchange(this.control, DRAIN_OWNER, holder, NO_DRAIN) === holder;
  }

  // --- Spans: what to write next, ending on a record boundary. ---

  /**
   * The committed bytes from READ up to `limit`, at most `maxLength` (a longer record is
   * returned whole), ending just after a newline so that every write ends on a record
   * boundary and writers appending to the same file never split each other's lines. Only
   * a part of a record larger than the ring, still being streamed in, ends elsewhere.
   * Returns null when nothing is committed before `limit`.
   */
  span(limit: number, maxLength: number): Span | null {
    const read = this.read;
    const available = distance(limit, read);
    if (available <= 0) return null;
    const wanted = Math.min(available, Math.max(1, maxLength));
    let length = this.#lastNewlineEnd(read, wanted);
    if (length === 0) {
      const next = this.#firstNewlineEnd((read + wanted) | 0, available - wanted);
      length = next === 0 ? available : wanted + next;
    }
    return this.#view(read, length);
  }

  /** The bytes `[from, from + length)` as one or two views. */
  #view(from: number, length: number): Span {
    const start = from & this.#mask;
    const first = Math.min(length, this.#capacity - start);
    const parts = [this.#data.subarray(start, start + first)];
    if (first < length) parts.push(this.#data.subarray(0, length - first));
    return { parts, length };
  }

  /** Bytes up to and including the last newline in `[from, from + length)`, or 0. */
  #lastNewlineEnd(from: number, length: number): number {
    const start = from & this.#mask;
    const first = Math.min(length, this.#capacity - start);
    if (first < length) {
      const inSecond = this.#data.subarray(0, length - first).lastIndexOf(NEWLINE);
      if (inSecond !== -1) return first + inSecond + 1;
    }
    const inFirst = this.#data.subarray(start, start + first).lastIndexOf(NEWLINE);
    return inFirst === -1 ? 0 : inFirst + 1;
  }

  /** Bytes up to and including the first newline in `[from, from + length)`, or 0. */
  #firstNewlineEnd(from: number, length: number): number {
    if (length <= 0) return 0;
    const start = from & this.#mask;
    const first = Math.min(length, this.#capacity - start);
    const inFirst = this.#data.subarray(start, start + first).indexOf(NEWLINE);
    if (inFirst !== -1) return inFirst + 1;
    if (first < length) {
      const inSecond = this.#data.subarray(0, length - first).indexOf(NEWLINE);
      if (inSecond !== -1) return first + inSecond + 1;
    }
    return 0;
  }

  // --- Writes under way, and giving space back. ---

  /**
   * Records the write of the span at READ as under way: `alreadyWritten` of its bytes are in
   * a file of `fileSize` bytes (null: the size tells nothing). If this thread dies before
   * `release`, the next drain can tell how much of the span reached the file.
   */
  beginWrite(span: Span, fileSize: number | null, alreadyWritten: number): void {
    this.stats[FILE_SIZE] = fileSize === null ? Number.NaN : fileSize - alreadyWritten;
    Atomics.store(this.control, IN_FLIGHT_FROM, this.read);
    Atomics.store(this.control, IN_FLIGHT_DONE, alreadyWritten);
    // Publishes the record of the write; FILE_SIZE and IN_FLIGHT_FROM are set before it.
    Atomics.store(this.control, IN_FLIGHT_LEN, span.length);
  }

  /**
   * How many bytes at READ the previous drain's last write had already put out: what it
   * recorded after a write that stopped part-way, or, for a regular file whose drain died in
   * the middle of a write, what the file's size tells. 0 when no write was under way or READ
   * moved past it. (A pipe's drain that died mid-write leaves no trace: that write may repeat.)
   */
  writtenBefore(fileSize: number | null): number {
    const length = Atomics.load(this.control, IN_FLIGHT_LEN);
    if (length <= 0 || this.read !== Atomics.load(this.control, IN_FLIGHT_FROM)) return 0;
    const recorded = Atomics.load(this.control, IN_FLIGHT_DONE);
    const measured =
      fileSize === null || Number.isNaN(this.stats[FILE_SIZE]) ? 0 : fileSize - this.stats[FILE_SIZE];
    return Math.max(0, Math.min(length, Math.max(recorded, measured)));
  }

  /** Gives back the space of `length` written bytes holding `lines` ended records. */
  release(length: number, lines: number): void {
    this.stats[WRITTEN_EVENTS] += lines;
    this.stats[WRITTEN_BYTES] += length;
    const control = this.control;
    // Hands the space back to producers.
    Atomics.store(control, READ, (Atomics.load(control, READ) + length) | 0);
    // The write is no longer under way: READ has moved past it.
    Atomics.store(control, IN_FLIGHT_LEN, 0);
    if (Atomics.load(control, SPACE_WAIT) !== 0) Atomics.notify(control, READ);
  }

  // --- Flushes: a ticket per flush, acknowledged once its bytes are out (and synced). ---

  /** The newest flush ticket not yet acknowledged, or null. */
  pendingFlush(): number | null {
    const requested = Atomics.load(this.control, FLUSH_REQUESTS);
    return requested === Atomics.load(this.control, FLUSH_DONE) ? null : requested;
  }

  /** Acknowledges every flush ticket up to `ticket`. */
  acknowledgeFlush(ticket: number): void {
    // Confirms to flushers that everything they waited for is written (and synced).
    Atomics.store(this.control, FLUSH_DONE, ticket);
    Atomics.notify(this.control, FLUSH_DONE);
  }

  // --- Destination errors. ---

  failed(errno: number): boolean {
    this.stats[WRITE_ERRORS]++;
    const first = Atomics.load(this.control, ERROR) === 0;
    // Tells waiting producers and flushers that the destination is failing.
    Atomics.store(this.control, ERROR, errno < 0 ? errno : -5);
    Atomics.notify(this.control, READ);
    Atomics.notify(this.control, FLUSH_DONE);
    return first;
  }

  /** Returns whether the destination had been failing. */
  recovered(): boolean {
    return Atomics.exchange(this.control, ERROR, 0) !== 0;
  }

  // --- Switching files: the owner's reopen, and rotations. ---

  /** The owner's pending reopen: the new descriptor and the byte where the new file begins. */
  reopenRequest(): { fd: number; at: number } | null {
    const fd = Atomics.load(this.control, REOPEN_FD);
    return fd === -1 ? null : { fd, at: Atomics.load(this.control, REOPEN_AT) };
  }

  /** Publishes the switch to `fd`; `fromReopen` frees the reopen slot for the next one. */
  switchedTo(fd: number, fromReopen: boolean): void {
    Atomics.store(this.control, CURRENT_FD, fd);
    if (fromReopen) {
      // Frees the reopen slot: the owner may request the next one.
      Atomics.store(this.control, REOPEN_FD, -1);
      Atomics.notify(this.control, REOPEN_FD);
    }
  }

  /** Hands a descriptor the owner opened back to it for closing; false while one is waiting. */
  retire(fd: number): boolean {
    return Atomics.compareExchange(this.control, RETIRED_FD, -1, fd) === -1;
  }

  /** The newest rotation request not yet done, or null. */
  pendingRotation(): number | null {
    const requested = Atomics.load(this.control, ROTATE_REQUESTS);
    return requested === Atomics.load(this.control, ROTATE_DONE) ? null : requested;
  }

  rotated(): void {
    Atomics.add(this.control, ROTATIONS, 1);
  }

  acknowledgeRotation(request: number): void {
    Atomics.store(this.control, ROTATE_DONE, request);
    Atomics.notify(this.control, ROTATE_DONE);
  }

  get currentFd(): number {
    return Atomics.load(this.control, CURRENT_FD);
  }
}
