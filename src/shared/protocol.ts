/**
 * The shared memory between producers (any thread that emits) and the drain worker.
 * This module is the only description of the layout; both sides import it.
 *
 *   SharedArrayBuffer
 *   byte 0    +--------------------------------------------------------------+
 *             | control, Int32Array, producer line (written under the lock)  |
 *             |  [0] LOCK          0 free, 1 held, 2 held with waiters        |
 *             |  [1] WRITE         bytes committed, ever (mod 2^32)           |
 *             |  [2] FLUSH_WAITERS threads waiting in flush()                 |
 *             |  [3] SPACE_WAITERS producers waiting for free space           |
 *             |  [4] COMMAND       OPEN or STOP                               |
 *             |  [5] REOPEN_FD     -1, or the fd to switch to at REOPEN_AT    |
 *             |  [6] REOPEN_AT     byte position where the new file begins    |
 *             |  [7] WAKE          the word the drain sleeps on               |
 *             |  [8] FLUSHES       flush() calls, for stats                   |
 *             |  [9] TORN          1: the bytes published end inside a record |
 *             |  [10] LOCK_OWNER   OS thread id of the lock holder (0 unknown)|
 *   byte 64   +--------------------------------------------------------------+
 *             | control, consumer line (written by the drain worker only)    |
 *             |  [16] READ         bytes handed to the OS, ever (mod 2^32)    |
 *             |  [17] SYNCED       bytes fsynced, ever (mod 2^32)             |
 *             |  [18] DRAIN_STATE  STARTING, RUNNING, DOZING, SLEEPING, ...   |
 *             |  [19] ERROR        0, or -errno of the failing write          |
 *             |  [20] CURRENT_FD   the fd being written                       |
 *             |  [21] DRAIN_TID    the drain's OS thread id (0 if unknown)    |
 *             |  [22] IN_FLIGHT_FROM  READ when the current write began      |
 *             |  [23] IN_FLIGHT_LEN   its length; 0 when no write is under way |
 *   byte 128  +--------------------------------------------------------------+
 *             | stats, Float64Array (exact to 2^53)                          |
 *             |  [0..3] enqueued events/bytes, dropped events/bytes (lock)   |
 *             |  [4]    high-water mark of used bytes (lock)                 |
 *             |  [8..9] written events/bytes (drain worker)                  |
 *             |  [10]   write errors (drain worker)                          |
 *             |  [11]   file size before the write under way (drain worker)  |
 *   byte 256  +--------------------------------------------------------------+
 *             | data: CAPACITY bytes, a power of two                         |
 *             |   ...free...[READ ......... records ........ WRITE)...free.. |
 *             +--------------------------------------------------------------+
 *
 * Invariants:
 * - Records are UTF-8 JSON lines, each ending in "\n", laid end to end with no framing:
 *   a line never contains a raw newline (JSON escapes it), so the file is the byte stream
 *   itself. A record may wrap from the end of `data` to its start, even inside a character.
 * - WRITE and READ only grow (mod 2^32). `used = (WRITE - READ) | 0` is in [0, CAPACITY];
 *   a byte position p lives at `data[p & (CAPACITY - 1)]`. Compare positions with
 *   `((a - b) | 0) >= 0`, never with `===` on a moving value.
 * - Producers change WRITE, the producer line and the producer stats only while holding
 *   LOCK, so one producer's bytes are contiguous and every producer's records appear in its
 *   own emit order. A record larger than the ring is copied in pieces under the lock.
 * - `Atomics.store(WRITE)` publishes bytes to the drain; `Atomics.store(READ)` gives their
 *   space back. READ advances only after the bytes were handed to the OS, so the drain
 *   can write straight from shared memory and a new drain can resume after a dead one.
 * - The drain is woken (WAKE += 1, notify) only when DRAIN_STATE says it is SLEEPING, or
 *   DOZING with the ring at least half full, or a flush, reopen or close is waiting. The
 *   thread that moves DRAIN_STATE to RUNNING with compareExchange is the one that notifies.
 */

export const HEADER_BYTES = 256;
const STATS_OFFSET = 128;

// Producer line.
export const LOCK = 0;
export const WRITE = 1;
export const FLUSH_WAITERS = 2;
export const SPACE_WAITERS = 3;
export const COMMAND = 4;
export const REOPEN_FD = 5;
export const REOPEN_AT = 6;
export const WAKE = 7;
export const FLUSHES = 8;
/**
 * 1 while the bytes published so far end inside a record: set before a piece of a record is
 * published ahead of the rest, cleared when its last piece is. A record abandoned part-way
 * (its wait ran out) or a producer that died mid-record leaves it set; the next write then
 * first ends that line with a newline, keeping the next record on a line of its own.
 * Changed under the lock.
 */
export const TORN = 9;
/**
 * The OS thread id of the producer holding LOCK (0 when unknown). A producer that waited
 * long for the lock checks whether that thread still exists: a worker terminated while it
 * held the lock (a piscina task aborted mid-emit) would otherwise block every producer.
 */
export const LOCK_OWNER = 10;
// Consumer line: 64 bytes further, so the two sides do not share a cache line.
export const READ = 16;
export const SYNCED = 17;
export const DRAIN_STATE = 18;
export const ERROR = 19;
export const CURRENT_FD = 20;
/** Lets a blocked producer see that a terminated drain's thread is gone (Linux /proc). */
export const DRAIN_TID = 21;
/**
 * The write under way: it began at READ = IN_FLIGHT_FROM with IN_FLIGHT_LEN bytes, into a
 * file of FILE_SIZE bytes. If the drain dies before READ moves, whoever drains next knows
 * from the file's size how much of it reached the file, and neither loses nor repeats it.
 */
export const IN_FLIGHT_FROM = 22;
export const IN_FLIGHT_LEN = 23;

// Stats slots (Float64Array indices).
export const ENQUEUED_EVENTS = 0;
export const ENQUEUED_BYTES = 1;
export const DROPPED_EVENTS = 2;
export const DROPPED_BYTES = 3;
export const HIGH_WATER = 4;
export const WRITTEN_EVENTS = 8;
export const WRITTEN_BYTES = 9;
export const WRITE_ERRORS = 10;
export const FILE_SIZE = 11;

// LOCK values.
export const UNLOCKED = 0;
export const LOCKED = 1;
export const LOCKED_CONTENDED = 2;

// COMMAND values.
export const OPEN = 0;
export const STOP = 1;

// DRAIN_STATE values.
export const STARTING = 0;
/** Draining or about to. Producers never notify. */
export const RUNNING = 1;
/** Waiting a short while for a batch to build up; notify only if the ring is half full. */
export const DOZING = 2;
/** Idle until notified. */
export const SLEEPING = 3;
/** Wrote everything and returned after a STOP command; the file is the main thread's to close. */
export const STOPPED = 4;
/** Threw or exited; a new drain may take over from READ. */
export const DEAD = 5;

/** The number of UTF-8 bytes the newline terminator adds. */
export const NEWLINE = 0x0a;

/** Bounds on the ring's size: small enough for 32-bit positions, big enough for a header. */
export const MIN_RING_SIZE = 64;
export const MAX_RING_SIZE = 2 ** 30;

export type FullRingPolicy = 'wait' | 'drop';

/**
 * Everything a thread needs to emit into or drain a ring. Structured-cloneable: post it to
 * any worker (`workerData`, a task, `postMessage`); the SharedArrayBuffer is shared, not copied.
 */
export interface RingHandle {
  readonly kind: 'calute-audit-ring';
  readonly buffer: SharedArrayBuffer;
  readonly capacity: number;
  readonly onFull: FullRingPolicy;
  readonly waitTimeoutMs: number;
  readonly flushTimeoutMs: number;
  readonly fsync: boolean;
  /** Records longer than this are written with their longest values cut and marked. */
  readonly maxRecordBytes: number;
}

/** Typed views over one ring. */
export interface RingViews {
  readonly control: Int32Array;
  readonly stats: Float64Array;
  readonly data: Buffer;
  readonly capacity: number;
  readonly mask: number;
}

export function createRingBuffer(capacity: number, fd: number): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(HEADER_BYTES + capacity);
  const control = new Int32Array(buffer, 0, STATS_OFFSET / 4);
  control[REOPEN_FD] = -1;
  control[CURRENT_FD] = fd;
  return buffer;
}

export function ringViews(handle: RingHandle): RingViews {
  return {
    control: new Int32Array(handle.buffer, 0, STATS_OFFSET / 4),
    stats: new Float64Array(handle.buffer, STATS_OFFSET, (HEADER_BYTES - STATS_OFFSET) / 8),
    data: Buffer.from(handle.buffer, HEADER_BYTES, handle.capacity),
    capacity: handle.capacity,
    mask: handle.capacity - 1,
  };
}

export function isRingHandle(value: unknown): value is RingHandle {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as RingHandle).kind === 'calute-audit-ring' &&
    (value as RingHandle).buffer instanceof SharedArrayBuffer
  );
}

/** Signed distance from b to a on the 32-bit circle: >= 0 means a is at or past b. */
export function distance(a: number, b: number): number {
  return (a - b) | 0;
}

/**
 * How many bytes of the write a dead drain had under way are already in the file (0 when
 * none was under way, or READ moved past it, or the file is not a regular file whose size
 * tells). The next drain releases them instead of writing them again.
 */
export function bytesWrittenByDeadDrain(
  control: Int32Array,
  stats: Float64Array,
  fileSize: number | null,
): number {
  const length = Atomics.load(control, IN_FLIGHT_LEN);
  if (length <= 0 || fileSize === null) return 0;
  if (Atomics.load(control, READ) !== Atomics.load(control, IN_FLIGHT_FROM)) return 0;
  return Math.max(0, Math.min(length, fileSize - stats[FILE_SIZE]));
}

/** Wakes the drain: bump WAKE so a wait that is about to start returns at once, then notify. */
export function wakeDrain(control: Int32Array): void {
  Atomics.add(control, WAKE, 1);
  Atomics.notify(control, WAKE, 1);
}

/** The drain worker's start-up data. */
export interface DrainWorkerData {
  readonly handle: RingHandle;
  /** How long the drain lets a batch build up before writing it (ms). */
  readonly drainIntervalMs: number;
}

/** Messages from the drain worker to the thread that started it. */
export type DrainMessage =
  | { readonly type: 'write-error'; readonly code: string; readonly errno: number; readonly message: string }
  | { readonly type: 'write-recovered' }
  | { readonly type: 'reopened'; readonly oldFd: number };
