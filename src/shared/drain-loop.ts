/**
 * The one drain: writes the ring's records to the file, in order, each write ending on a
 * record boundary. It runs in the drain worker, and on the thread that owns the sink when no
 * worker can (one failed to start, drains keep dying, the process is exiting): the same
 * code, so both write, fsync, switch files and keep the integrity chain the same way.
 *
 * `step()` does the work there is and never sleeps; the caller decides how to wait (the
 * worker parks on the ring, the owner returns to what it was doing). Whoever calls it holds
 * the drain claim (protocol.ts), so only one thread drains at a time.
 */
import { Destination, type Destination as DestinationType } from './destination.js';
import {
  type DrainMessage,
  type DrainSettings,
  distance,
  ERROR,
  FD_OPENED_BY_WORKER,
  FILE_STARTED_MS,
  WORKER_SPANS,
} from './protocol.js';
import { countLines, RingReader, type Span } from './ring-reader.js';
import { Rotation } from './rotation.js';

/**
 * Below this many pending bytes the drain may wait (up to the drain interval) for the batch
 * to grow instead of writing: fewer system calls, and the producer's cache lines are left
 * alone while it is busy. A flush, a waiting producer, a reopen or a close skip the wait.
 * 64 KiB: the size at which bench/end-to-end.bench.ts stopped gaining from larger batches.
 */
const MIN_BATCH_BYTES = 64 * 1024;
/**
 * One write is at most a quarter of the ring (and at most 1 MiB), so that space comes back
 * to waiting producers while the rest is still being written; 1 MiB writes already run at
 * the page cache's speed (bench/end-to-end.bench.ts, the writeSync floor's chunk size).
 */
const MAX_SPAN_BYTES = 1024 * 1024;

/** What the caller should do after a step. */
export type DrainStep =
  /** Nothing to do until more bytes, a flush, a reopen or a stop arrive. */
  | 'idle'
  /** Fewer than MIN_BATCH_BYTES are pending and nobody waits: a short doze may pay. */
  | 'batch'
  /** Work was done; step again. */
  | 'progress'
  /** The destination is full (EAGAIN): try again shortly. */
  | 'busy'
  /** The destination fails: try again after the retry interval (a reopen or close wakes it). */
  | 'failing'
  /** Everything was written after a stop command; the file is the owner's to close. */
  | 'stopped';

/** Receives a record chain's bytes (see chain.ts); optional. */
export interface RecordChain {
  /** Takes bytes that reached the file; returns how many records they ended. */
  add(parts: readonly Buffer[]): number;
  /** A checkpoint for the records added since the last one, if any. */
  checkpoint(): void;
  /** The file was renamed to `rotatedPath`: close it with a checkpoint and start the next. */
  rotated(rotatedPath: string): void;
  /** A last checkpoint, then closes the sidecar. */
  close(): void;
  /** Closes the sidecar without writing: another drain took over and will resume from the files. */
  release(): void;
}

export interface DrainOptions {
  readonly settings: DrainSettings;
  /** Messages for the owner (posted from a worker, or handled at once on the owner's thread). */
  readonly post: (message: DrainMessage) => void;
  /** Epoch milliseconds (an injected clock in tests). */
  readonly now: () => number;
  /** Whether this drain runs in a worker (whose descriptors Node closes when it exits). */
  readonly inWorker: boolean;
  readonly chain?: RecordChain | null;
}

export class Drain {
  readonly reader: RingReader;
  readonly #options: DrainOptions;
  readonly #maxSpan: number;
  #destination: DestinationType;
  /** Bytes of the record at READ already in the current file (after a partial write). */
  #written = 0;
  /** The destination's error while it fails; the same bytes are tried again. */
  #failing: NodeJS.ErrnoException | null = null;
  /** A flush ticket being served, and the byte position it needs written. */
  #flushTicket: number | null = null;
  #flushTarget = 0;
  readonly #rotation: Rotation | null;
  readonly #chain: RecordChain | null;
  /** Owner-opened descriptors this drain stopped using and could not hand back yet. */
  readonly #toRetire: number[] = [];
  /** A rotate() request being served, and the byte position written before it rotates. */
  #rotateRequest: number | null = null;
  #rotateTarget = 0;

  constructor(options: DrainOptions) {
    this.#options = options;
    const { handle, rotation } = options.settings;
    this.reader = new RingReader(handle);
    this.#maxSpan = Math.max(1, Math.min(MAX_SPAN_BYTES, handle.capacity / 4));
    const openedByWorker = Atomics.load(this.reader.control, FD_OPENED_BY_WORKER) !== 0;
    this.#destination = new Destination(this.reader.currentFd, openedByWorker === options.inWorker);
    // A drain that died mid-write left a record of it: neither lose nor repeat those bytes.
    this.#written = this.reader.writtenBefore(this.#destination.size);
    this.#rotation = rotation === null ? null : new Rotation(rotation, this.reader.stats[FILE_STARTED_MS]);
    this.#chain = options.chain ?? null;
  }

  /**
   * Whether the file ends at a record boundary: no part of the record at READ written yet
   * (after a partial write), and the last byte written a newline (a record larger than the
   * ring is released in pieces, each ending inside it).
   */
  #atRecordBoundary(): boolean {
    return this.#written === 0 && !this.#destination.insideLine;
  }

  /** Milliseconds until a rotation by time is due (for the worker's sleep). */
  msUntilRotation(): number {
    return this.#rotation?.msUntilDue(this.#options.now()) ?? Number.POSITIVE_INFINITY;
  }

  /** Work that must not wait for a doze to end. May already be stale. */
  urgent(): boolean {
    const reader = this.reader;
    return (
      reader.pendingFlush() !== null ||
      reader.spaceWanted ||
      reader.stopRequested ||
      reader.reopenRequest() !== null ||
      reader.pendingRotation() !== null
    );
  }

  /** Bytes to write or a request to serve. May already be stale. */
  hasWork(): boolean {
    return this.pendingBytes() > 0 || this.urgent();
  }

  /** Enough bytes for a batch, or someone waiting. May already be stale. */
  batchReady(): boolean {
    return this.urgent() || this.pendingBytes() >= MIN_BATCH_BYTES;
  }

  /** Bytes committed and not yet written. May already be stale. */
  pendingBytes(): number {
    return distance(this.reader.committed, this.reader.read);
  }

  /** Does the work there is without sleeping. `force` writes even a small batch. */
  step(force: boolean): DrainStep {
    const reader = this.reader;
    this.#retireWaiting();
    // Committed bytes first, the reopen request second: a request this misses was made later,
    // at a position at or past `committed`, so every byte up to `committed` is the old file's.
    const committed = reader.committed;
    const reopen = reader.reopenRequest();
    if (reopen !== null) {
      const reached = distance(reader.read, reopen.at) >= 0 && this.#written === 0;
      // A failing destination (a full disk whose file was deleted) hands its backlog to the new file.
      if (reached || this.#failing !== null) {
        this.#switchTo(new Destination(reopen.fd, !this.#options.inWorker), true);
        return 'progress';
      }
    }
    if (this.#rotation !== null) {
      const request = reader.pendingRotation();
      // rotate() rotates after what was emitted before it: read after the request, `committed`
      // covers every such record; the drain writes up to it first.
      if (request !== null && request !== this.#rotateRequest) {
        this.#rotateRequest = request;
        this.#rotateTarget = reader.committed;
      }
      if (this.#atRecordBoundary() && this.#failing === null) {
        const size = this.#destination.size ?? 0;
        const requested = this.#rotateRequest !== null && distance(reader.read, this.#rotateTarget) >= 0;
        if (requested || this.#rotation.dueByTime(this.#options.now(), size)) {
          if (size > 0) this.#rotate();
          if (requested) {
            reader.acknowledgeRotation(this.#rotateRequest!);
            this.#rotateRequest = null;
          }
          return 'progress';
        }
      }
    }
    if (this.#flushTicket === null) {
      const ticket = reader.pendingFlush();
      if (ticket !== null) {
        this.#flushTicket = ticket;
        // Read after the ticket: every byte committed before its flush began is before this.
        this.#flushTarget = reader.committed;
      }
    }
    let limit = reopen !== null && distance(reopen.at, committed) < 0 ? reopen.at : committed;
    // Records emitted after rotate() was called go to the next file.
    if (this.#rotateRequest !== null && distance(this.#rotateTarget, limit) < 0) limit = this.#rotateTarget;
    const pending = distance(limit, reader.read);
    if (pending > 0) {
      if (!force && pending < MIN_BATCH_BYTES && this.#failing === null && !this.urgent()) return 'batch';
      return this.#writeUpTo(limit);
    }
    if (this.#flushTicket !== null && distance(reader.read, this.#flushTarget) >= 0) {
      if (reopen !== null && distance(reopen.at, this.#flushTarget) < 0) return 'progress';
      return this.#completeFlush();
    }
    if (reader.stopRequested && distance(reader.committed, reader.read) <= 0) {
      this.#chain?.checkpoint();
      return 'stopped';
    }
    return 'idle';
  }

  /** Writes spans until `limit`, the destination fails, or a rotation comes due. */
  #writeUpTo(limit: number): DrainStep {
    const reader = this.reader;
    while (distance(limit, reader.read) > 0) {
      const room = this.#rotation?.room(this.#destination.size ?? 0) ?? Number.POSITIVE_INFINITY;
      const span = reader.span(limit, Math.min(this.#maxSpan, room))!;
      if (span.length > room && this.#atRecordBoundary() && (this.#destination.size ?? 0) > 0) {
        // The next record does not fit what the file may still take: rotate first.
        this.#rotate();
        continue;
      }
      reader.beginWrite(span, this.#destination.size, this.#written);
      const { written, error } = this.#destination.write(span.parts, this.#written);
      this.#written += written;
      if (error !== null) {
        this.#releaseWrittenRecords(span);
        if (this.#written > 0) {
          // The record at READ is partly out: whoever writes next starts after those bytes.
          reader.beginWrite(reader.span(limit, this.#written)!, this.#destination.size, this.#written);
        }
        this.#fail(error.code === 'EAGAIN' ? null : error);
        // Closing while the destination fails or stays full: stop; close() has reported what is lost.
        if (reader.stopRequested) return 'stopped';
        return error.code === 'EAGAIN' ? 'busy' : 'failing';
      }
      this.#release(span.parts, span.length);
      this.#written = 0;
      // Also when another drain (one that failed before this one took over) set the error.
      if (this.#failing !== null || Atomics.load(reader.control, ERROR) !== 0) this.#recovered();
    }
    return 'progress';
  }

  /** After a partial write: gives back the records that reached the file whole. */
  #releaseWrittenRecords(span: Span): void {
    const parts: Buffer[] = [];
    let left = this.#written;
    for (const part of span.parts) {
      if (left <= 0) break;
      parts.push(part.subarray(0, Math.min(left, part.length)));
      left -= part.length;
    }
    let whole = 0;
    for (let index = parts.length - 1; index >= 0; index--) {
      const at = parts[index].lastIndexOf(0x0a);
      if (at !== -1) {
        whole = at + 1 + parts.slice(0, index).reduce((sum, part) => sum + part.length, 0);
        break;
      }
    }
    if (whole === 0) return;
    const released: Buffer[] = [];
    let rest = whole;
    for (const part of parts) {
      if (rest <= 0) break;
      released.push(part.subarray(0, Math.min(rest, part.length)));
      rest -= part.length;
    }
    this.#release(released, whole);
    this.#written -= whole;
  }

  #release(parts: readonly Buffer[], length: number): void {
    const lines = this.#chain !== null ? this.#chain.add(parts) : countLines(parts);
    this.reader.release(length, lines);
    if (this.#options.inWorker) Atomics.add(this.reader.control, WORKER_SPANS, 1);
  }

  #completeFlush(): DrainStep {
    if (this.#options.settings.handle.fsync) {
      const error = this.#destination.fsync();
      if (error !== null) {
        this.#fail(error);
        return this.reader.stopRequested ? 'stopped' : 'failing';
      }
      if (this.#failing !== null || Atomics.load(this.reader.control, ERROR) !== 0) this.#recovered();
    }
    this.#chain?.checkpoint();
    this.reader.acknowledgeFlush(this.#flushTicket!);
    this.#flushTicket = null;
    return 'progress';
  }

  #fail(error: NodeJS.ErrnoException | null): void {
    if (error === null) return;
    this.#failing = error;
    const errno = typeof error.errno === 'number' && error.errno < 0 ? error.errno : -5;
    if (this.reader.failed(errno)) {
      this.#options.post({ type: 'write-error', code: error.code ?? 'EIO', errno, message: error.message });
    }
  }

  #recovered(): void {
    this.#failing = null;
    if (this.reader.recovered()) this.#options.post({ type: 'write-recovered' });
  }

  /** Whether the destination is failing now. May already be stale for other threads. */
  get failing(): boolean {
    return this.#failing !== null || Atomics.load(this.reader.control, ERROR) !== 0;
  }

  #rotate(): void {
    const rotation = this.#rotation!;
    if (this.#options.settings.handle.fsync) this.#destination.fsync();
    let rotatedPath: string | null = null;
    try {
      const rotated = rotation.rotate(this.#options.now(), (target) => {
        rotatedPath = target;
        this.#chain?.rotated(target);
      });
      this.#switchTo(new Destination(rotated.fd, true), false);
      this.reader.stats[FILE_STARTED_MS] = this.#options.now();
      this.reader.rotated();
      this.#options.post({ type: 'rotated', path: rotation.settings.path, from: rotated.rotatedPath });
    } catch (error) {
      // Writing goes on into the file we have (renamed or not); the next rotation tries again.
      this.#options.post({
        type: 'notice',
        code: 'ROTATION_FAILED',
        message: `rotating ${rotation.settings.path}${rotatedPath ? ` (renamed to ${rotatedPath})` : ''} failed: ${(error as Error).message}`,
      });
      if (rotatedPath !== null) {
        // The file was renamed all the same: it is a rotated file (counted, compressed, kept).
        this.reader.rotated();
        this.#options.post({ type: 'rotated', path: rotation.settings.path, from: rotatedPath });
      }
    }
  }

  /** Later bytes go to `next`; the old descriptor is closed by whoever opened it. */
  #switchTo(next: DestinationType, fromReopen: boolean): void {
    const previous = this.#destination;
    if (this.#options.settings.handle.fsync && this.#failing === null) previous.fsync();
    this.#destination = next;
    this.#written = 0;
    Atomics.store(this.reader.control, FD_OPENED_BY_WORKER, next.ownedHere && this.#options.inWorker ? 1 : 0);
    // The failure was the old destination's: cleared before the switch is published, so a
    // flush that sees the switch done never throws it (the new file reports its own).
    if (this.failing) this.#recovered();
    this.reader.switchedTo(next.fd, fromReopen);
    if (previous.ownedHere) previous.close();
    else this.#toRetire.push(previous.fd);
    this.#retireWaiting();
  }

  /** Hands descriptors the owner opened back to it, one at a time. */
  #retireWaiting(): void {
    while (this.#toRetire.length > 0 && this.reader.retire(this.#toRetire[0])) {
      this.#toRetire.shift();
      this.#options.post({ type: 'retired' });
    }
  }

  /** At stop: closes what this drain opened. The current file, if the owner opened it, is the owner's. */
  close(): void {
    this.#chain?.close();
    if (this.#destination.ownedHere && this.#options.inWorker) this.#destination.close();
  }

  /** Another drain took over since this one last ran: lets go of its files without writing. */
  release(): void {
    this.#chain?.release();
  }
}
