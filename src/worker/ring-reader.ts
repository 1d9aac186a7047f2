/**
 * The drain side of the ring: the committed bytes as at most two views (the second when
 * they wrap past the end), and the release of space once bytes are written.
 * See `src/shared/protocol.ts` for the layout and invariants.
 */
import {
  bytesWrittenByDeadDrain,
  distance,
  FILE_SIZE,
  FLUSH_WAITERS,
  IN_FLIGHT_FROM,
  IN_FLIGHT_LEN,
  NEWLINE,
  READ,
  type RingHandle,
  ringViews,
  SPACE_WAITERS,
  WRITE,
  WRITTEN_BYTES,
  WRITTEN_EVENTS,
} from '#shared/protocol.js';

/**
 * One write is at most a quarter of the ring, within these bounds: big enough that system
 * calls stay few (bench/end-to-end.bench.ts), small enough to free space early.
 */
const MAX_SPAN_BYTES = 1024 * 1024;
const MIN_SPAN_BYTES = 16;

export class RingReader {
  readonly control: Int32Array;
  readonly stats: Float64Array;
  readonly #data: Buffer;
  readonly #capacity: number;
  readonly #mask: number;
  readonly #maxSpan: number;

  constructor(handle: RingHandle) {
    const views = ringViews(handle);
    this.control = views.control;
    this.stats = views.stats;
    this.#data = views.data;
    this.#capacity = views.capacity;
    this.#mask = views.mask;
    this.#maxSpan = Math.max(MIN_SPAN_BYTES, Math.min(MAX_SPAN_BYTES, views.capacity / 4));
  }

  /** Bytes handed to the OS so far (mod 2^32). Only this side moves it. */
  get read(): number {
    return Atomics.load(this.control, READ);
  }

  /** Bytes committed by producers (mod 2^32). May already be stale: more may follow. */
  get committed(): number {
    return Atomics.load(this.control, WRITE);
  }

  /**
   * The committed bytes from `read` up to `limit`, contiguous (stops at the end of the
   * ring) and at most `MAX_SPAN_BYTES`, so that space comes back to waiting producers
   * while the rest is still being written.
   */
  span(limit: number): Buffer {
    const read = this.read;
    const start = read & this.#mask;
    const length = Math.min(distance(limit, read), this.#capacity - start, this.#maxSpan);
    return this.#data.subarray(start, start + length);
  }

  /**
   * Records the write of `bytes` (the span at READ) as under way, into a file of
   * `fileSize` bytes (null when the size tells nothing): if this thread dies before
   * `release`, the next drain can tell how much of it is already in the file.
   */
  beginWrite(bytes: Buffer, fileSize: number | null): void {
    if (fileSize === null) return;
    this.stats[FILE_SIZE] = fileSize;
    this.control[IN_FLIGHT_FROM] = this.read;
    // Publishes the record of the write; FILE_SIZE and IN_FLIGHT_FROM are set before it.
    Atomics.store(this.control, IN_FLIGHT_LEN, bytes.length);
  }

  /** At start-up: skips what a dead drain's last write already put in the file. */
  resumeAfterDeadDrain(fileSize: number | null): void {
    const written = bytesWrittenByDeadDrain(this.control, this.stats, fileSize);
    if (written > 0) this.release(this.span((this.read + written) | 0));
    Atomics.store(this.control, IN_FLIGHT_LEN, 0);
  }

  /** Gives the space of `bytes` (just written) back to producers, and counts its lines. */
  release(bytes: Buffer): void {
    let lines = 0;
    for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) lines++;
    this.stats[WRITTEN_EVENTS] += lines;
    this.stats[WRITTEN_BYTES] += bytes.length;
    const control = this.control;
    // Hands the space back to producers and confirms the bytes to flushers.
    Atomics.store(control, READ, (Atomics.load(control, READ) + bytes.length) | 0);
    // The write is no longer under way: READ has moved past it.
    Atomics.store(control, IN_FLIGHT_LEN, 0);
    if (Atomics.load(control, FLUSH_WAITERS) > 0 || Atomics.load(control, SPACE_WAITERS) > 0) {
      Atomics.notify(control, READ);
    }
  }
}
