/**
 * The shared memory between producers (any thread that emits) and the drain (the thread
 * that writes the file: the drain worker, or for a while the thread that owns the sink when
 * no worker runs). This module is the only description of the layout; both sides import it.
 *
 *   SharedArrayBuffer
 *   byte 0    +---------------------------------------------------------------+
 *             | control, Int32Array: producer line (slots 0-15)               |
 *   byte 64   +---------------------------------------------------------------+
 *             | control, Int32Array: consumer line (slots 16-31)              |
 *   byte 128  +---------------------------------------------------------------+
 *             | stats, Float64Array (slots 0-15, exact to 2^53)               |
 *   byte 256  +---------------------------------------------------------------+
 *             | data: CAPACITY bytes, a power of two                          |
 *             |   ...free...[READ ......... records ........ WRITE)...free... |
 *             +---------------------------------------------------------------+
 *
 * Who writes each slot, how, and who reads it ("holder": the producer holding LOCK;
 * "drain": whichever thread holds the drain claim, DRAIN_OWNER; "owner": the thread that
 * made the sink):
 *
 * | slot            | written by                        | how                     | read by                  |
 * |-----------------|-----------------------------------|-------------------------|--------------------------|
 * | LOCK            | producers                         | CAS, exchange, sub      | producers                |
 * | WRITE           | holder                            | Atomics.store           | drain, producers, owner  |
 * | TORN            | holder                            | Atomics.store           | holder                   |
 * | LOCK_OWNER      | holder; a waiter taking over      | Atomics.store, CAS      | lock waiters             |
 * | SPACE_WAIT      | holder                            | Atomics.store           | drain                    |
 * | COMMAND         | owner, under LOCK                 | Atomics.store           | all                      |
 * | REOPEN_FD/AT    | owner, under LOCK; drain clears FD | Atomics.store          | drain, owner             |
 * | WAKE            | anyone waking the drain           | Atomics.add + notify    | drain (sleeps on it)     |
 * | FLUSH_REQUESTS  | flushers (any thread)             | Atomics.add (a ticket)  | drain                    |
 * | FLUSHES         | flushers                          | Atomics.add             | stats()                  |
 * | ROTATE_REQUESTS | owner (`rotate()`)                | Atomics.add             | drain                    |
 * | DRAIN_OWNER     | the drain taking or leaving the claim; a thread that finds the holder dead | CAS, store | all |
 * | READ            | drain                             | Atomics.store           | all                      |
 * | FLUSH_DONE      | drain                             | Atomics.store + notify  | flushers                 |
 * | DRAIN_STATE     | drain; owner (STARTING, DEAD); a producer waking it (→ RUNNING) | store, CAS | all |
 * | ERROR           | drain                             | Atomics.store + notify  | producers, flushers      |
 * | CURRENT_FD      | drain (switch); owner at creation and after a dead worker | Atomics.store | all     |
 * | FD_OPENED_BY_WORKER | drain (switch); owner (reset) | Atomics.store           | owner                    |
 * | LAST_DRAINER    | drain, when it takes the claim    | Atomics.store           | drains                   |
 * | WORKER_SPANS    | drain worker                      | Atomics.add             | owner                    |
 * | DRAIN_TID       | drain; owner resets it to 0       | Atomics.store           | waiters (liveness)       |
 * | IN_FLIGHT_*     | drain                             | Atomics.store           | the next drain           |
 * | RETIRED_FD      | drain                             | Atomics.store           | owner (exchange, closes) |
 * | ROTATIONS, ROTATE_DONE | drain                      | Atomics.store           | owner, stats()           |
 * | stats 0-6       | holder                            | plain, under LOCK       | stats(), holder          |
 * | stats 8-13      | drain                             | plain                   | stats(), next drain      |
 * | stats CLOCK_MS  | owner (an injected clock)         | plain                   | drain                    |
 * | stats FILE_STARTED_MS | owner at creation; drain at rotation | plain            | drain                    |
 *
 * Invariants:
 * - Records are UTF-8 JSON lines, each ending in "\n", laid end to end with no framing: a
 *   line never contains a raw newline (JSON escapes it), so the file is the byte stream
 *   itself. A record may wrap from the end of `data` to its start, even inside a character.
 * - WRITE and READ only grow (mod 2^32). `used = (WRITE - READ) | 0` is in [0, CAPACITY];
 *   byte position p lives at `data[p & (CAPACITY - 1)]`. Positions are compared with
 *   `((a - b) | 0) >= 0`, never `===` on a moving value, which is exact because no two
 *   positions compared are more than CAPACITY ≤ 2^30 apart. Every other counter a thread
 *   waits on (FLUSH_DONE against a ticket, ROTATE_DONE) lags its request counter by at
 *   most the number of threads waiting, so none can wrap past another.
 * - Producers change WRITE, TORN, SPACE_WAIT and stats 0-6 only while holding LOCK, so one
 *   producer's bytes are contiguous and every producer's records are in its emit order.
 * - `Atomics.store(WRITE)` publishes bytes to the drain; `Atomics.store(READ)` gives their
 *   space back. READ advances only after the bytes were handed to the OS, and (but for a
 *   record larger than the ring) only to a record boundary, so the drain writes straight
 *   from shared memory and whoever drains next resumes at a record.
 * - Exactly one thread drains at a time: the one whose claim is in DRAIN_OWNER.
 * - The drain is woken (WAKE += 1, notify) only when DRAIN_STATE says it is SLEEPING or
 *   DOZING and the ring is at least half full, or when a flush, reopen, rotation or close
 *   waits. A resting drain looks again on its own within 50 ms (src/worker/drain.ts).
 *   The producer that moves DRAIN_STATE to RUNNING with compareExchange is the one that
 *   notifies. Each of these reads may already be stale when it returns.
 */

export const HEADER_BYTES = 256;
const STATS_OFFSET = 128;

// Producer line.
export const LOCK = 0;
export const WRITE = 1;
/**
 * 1 while the bytes published so far end inside a record: set before a piece of a record
 * larger than the ring is published ahead of the rest, cleared when its last piece is. A
 * record abandoned part-way or a producer that died mid-record leaves it set; the next
 * write first ends that line with a newline, keeping the next record on a line of its own.
 */
export const TORN = 2;
/** The OS thread id of the producer holding LOCK (0 when unknown). */
export const LOCK_OWNER = 3;
/** 1 while the lock holder waits for the drain to free space (at most one producer can). */
export const SPACE_WAIT = 4;
export const COMMAND = 5;
export const REOPEN_FD = 6;
export const REOPEN_AT = 7;
export const WAKE = 8;
export const FLUSH_REQUESTS = 9;
export const FLUSHES = 10;
export const ROTATE_REQUESTS = 11;

// Consumer line: 64 bytes further, so the two sides do not share a cache line.
export const DRAIN_OWNER = 16;
export const READ = 17;
export const FLUSH_DONE = 18;
export const DRAIN_STATE = 19;
export const ERROR = 20;
export const CURRENT_FD = 21;
/** Lets a waiting thread see that a terminated drain's thread is gone (Linux /proc). */
export const DRAIN_TID = 22;
/**
 * The write under way: it began at READ = IN_FLIGHT_FROM with IN_FLIGHT_LEN bytes, into a
 * file of FILE_SIZE bytes (stats). If the drain dies before READ moves, whoever drains next
 * knows from the file's size how much of it reached the file, and neither loses nor repeats it.
 */
export const IN_FLIGHT_FROM = 23;
export const IN_FLIGHT_LEN = 24;
/**
 * Bytes of the write under way that reached the destination before it stopped (a full pipe,
 * a failing disk): the drain that writes next starts after them, whoever it is.
 */
export const IN_FLIGHT_DONE = 31;
/** A descriptor the drain stopped using that the owner opened and must close (-1: none). */
export const RETIRED_FD = 25;
export const ROTATIONS = 26;
export const ROTATE_DONE = 27;
/**
 * 1 when CURRENT_FD was opened by the drain worker (a rotation): Node closes a worker's
 * descriptors when the worker exits, so after a drain worker dies the owner opens the path
 * again before anyone else writes. 0: the owner opened it (and closes it).
 */
export const FD_OPENED_BY_WORKER = 28;
/**
 * The drain that last held the claim (a worker's generation, or INLINE_DRAIN): a drain that
 * takes the claim after another resumes from shared memory and the files instead of trusting
 * what it remembered.
 */
export const LAST_DRAINER = 29;
/** Spans written by drain workers (not by the owner): tells a worker that dies at once from one that wrote. */
export const WORKER_SPANS = 30;

// Stats slots (Float64Array indices).
export const ENQUEUED_EVENTS = 0;
export const ENQUEUED_BYTES = 1;
export const DROPPED_EVENTS = 2;
export const DROPPED_BYTES = 3;
export const HIGH_WATER = 4;
/** Dropped since the last `events_dropped` mark was written. */
export const UNMARKED_DROPPED_EVENTS = 5;
export const UNMARKED_DROPPED_BYTES = 6;
export const WRITTEN_EVENTS = 8;
export const WRITTEN_BYTES = 9;
export const WRITE_ERRORS = 10;
export const FILE_SIZE = 11;
export const CHECKPOINTS = 12;
/** Epoch milliseconds of an injected clock (rotation by time in tests); 0: the real clock. */
export const CLOCK_MS = 13;
/** When the current file was started (epoch ms): rotation by time counts from it. */
export const FILE_STARTED_MS = 14;

// LOCK values.
export const UNLOCKED = 0;
export const LOCKED = 1;
export const LOCKED_CONTENDED = 2;

// COMMAND values.
export const OPEN = 0;
export const STOP = 1;

// DRAIN_OWNER values: 0 free, a worker's generation (1, 2, ...), or INLINE.
export const NO_DRAIN = 0;
export const INLINE_DRAIN = -1;

// DRAIN_STATE values.
export const STARTING = 0;
/** Draining or about to. Producers never notify. */
export const RUNNING = 1;
/** Waiting a short while for a batch to build up; notify only if the ring is half full. */
export const DOZING = 2;
/** Idle until notified. */
export const SLEEPING = 3;
/** Wrote everything and returned after a STOP command; the file is the owner's to close. */
export const STOPPED = 4;
/** Threw, exited or was found gone; another drain may take over from READ. */
export const DEAD = 5;
/** A drain worker that runs and waits for the claim (the owner is draining for a moment). */
export const CLAIMING = 6;

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
  /** Whether a flush must wait for the drain even when every byte is written (fsync, checkpoints). */
  readonly flushNeedsDrain: boolean;
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
  control[RETIRED_FD] = -1;
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

/** Wakes the drain: bump WAKE so a wait that is about to start returns at once, then notify. */
export function wakeDrain(control: Int32Array): void {
  Atomics.add(control, WAKE, 1);
  Atomics.notify(control, WAKE, 1);
}

/** What the drain needs to rotate the file it writes (see rotation.ts). */
export interface RotationSettings {
  /** The base path the sink writes; rotated files are named from it. */
  readonly path: string;
  readonly mode: number;
  /** Rotate before the file would exceed this many bytes (0: never by size). */
  readonly maxBytes: number;
  /** 'hourly' and 'daily' switch at UTC hour and day boundaries; a number: every so many ms. */
  readonly interval: 'hourly' | 'daily' | number | null;
}

/** What the drain needs to keep the integrity chain (see chain.ts). */
export interface IntegritySettings {
  readonly privateKey: import('node:crypto').KeyObject;
  /** A checkpoint after this many records (also on flush, rotation and close). */
  readonly checkpointEvery: number;
}

/** The drain's start-up data (the worker's `workerData`, or the owner's own copy). */
export interface DrainSettings {
  readonly handle: RingHandle;
  /** The path the sink writes (its base path, when it rotates). */
  readonly path: string;
  /** Mode of files the drain creates (rotation, the integrity sidecar). */
  readonly mode: number;
  /** How long the drain lets a batch build up before writing it (ms). */
  readonly drainIntervalMs: number;
  readonly rotation: RotationSettings | null;
  readonly integrity: IntegritySettings | null;
}

/** Messages from the drain to the owner (from a worker by postMessage, inline by a call). */
export type DrainMessage =
  | { readonly type: 'write-error'; readonly code: string; readonly errno: number; readonly message: string }
  | { readonly type: 'write-recovered' }
  | { readonly type: 'retired' }
  | { readonly type: 'rotated'; readonly path: string; readonly from: string }
  | { readonly type: 'notice'; readonly code: string; readonly message: string };
