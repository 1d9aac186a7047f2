/**
 * The file the drain writes: plain `fs.writeSync`/`fs.writevSync` on a descriptor. A span
 * that wraps past the end of the ring goes out in one vectored write, so that every
 * `write(2)` ends on a record boundary (writers appending to one local file then never split
 * each other's lines). Partial writes are continued and counted exactly; errors are
 * returned, never thrown: EAGAIN (a pipe or FIFO that is full, opened non-blocking so that
 * the drain never sits in the kernel where nothing can stop it) and the rest alike.
 *
 * sonic-boom, which the drain used before, writes one buffer per call (no vectored write),
 * sleeps on EAGAIN in 100 ms steps for as long as it lasts, and completes some of its state
 * changes on process.nextTick, which never runs in a drain that does not return to its event
 * loop: none of that fits a thread that must stay stoppable and know every byte it wrote.
 */
import fs from 'node:fs';

export interface WriteResult {
  /** Bytes that reached the file in this call. */
  written: number;
  error: NodeJS.ErrnoException | null;
}

/** The size of the regular file open as `fd`, or null for pipes, devices and sockets. */
export function regularFileSize(fd: number): number | null {
  try {
    const stats = fs.fstatSync(fd);
    return stats.isFile() ? stats.size : null;
  } catch {
    return null;
  }
}

const NEWLINE = 0x0a;

/** Whether a regular file of `size` bytes ends without a newline (false when unknown). */
function endsInsideLine(fd: number, size: number | null): boolean {
  if (size === null || size === 0) return false;
  const byte = Buffer.alloc(1);
  try {
    return fs.readSync(fd, byte, 0, 1, size - 1) === 1 && byte[0] !== NEWLINE;
  } catch {
    // Opened write-only by someone else: the owner ends a torn line when it opens a file.
    return false;
  }
}

export class Destination {
  readonly fd: number;
  /** Whether this side opened the descriptor (and so closes it); else the owner does. */
  readonly ownedHere: boolean;
  /** The file's size after every write so far; null if not a regular file. */
  #size: number | null;
  /** Whether the last byte written is not a newline: the file ends inside a record. */
  #insideLine: boolean;

  constructor(fd: number, ownedHere: boolean) {
    this.fd = fd;
    this.ownedHere = ownedHere;
    this.#size = regularFileSize(fd);
    this.#insideLine = endsInsideLine(fd, this.#size);
  }

  get size(): number | null {
    return this.#size;
  }

  /**
   * Whether the destination ends inside a record (a record larger than the ring is written
   * in pieces): no rotation or switch may happen there, or the record would be split.
   */
  get insideLine(): boolean {
    return this.#insideLine;
  }

  /** Writes `parts` less their first `skip` bytes; stops at the first error. */
  write(parts: readonly Buffer[], skip: number): WriteResult {
    let pending = parts;
    if (skip > 0) pending = advance(pending, skip);
    let written = 0;
    while (pending.length > 0) {
      let count: number;
      try {
        count =
          pending.length === 1
            ? fs.writeSync(this.fd, pending[0])
            : fs.writevSync(this.fd, pending as Buffer[]);
      } catch (error) {
        this.#afterError();
        return { written, error: error as NodeJS.ErrnoException };
      }
      written += count;
      if (this.#size !== null) this.#size += count;
      pending = advance(pending, count);
    }
    if (parts.length > 0) {
      const last = parts[parts.length - 1];
      if (last.length > 0) this.#insideLine = last[last.length - 1] !== NEWLINE;
    }
    return { written, error: null };
  }

  /** fsyncs; pipes and devices cannot be, and need not be. Returns the error, or null. */
  fsync(): NodeJS.ErrnoException | null {
    try {
      fs.fsyncSync(this.fd);
      return null;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EINVAL' || code === 'EROFS' || code === 'ENOTSUP') return null;
      return error as NodeJS.ErrnoException;
    }
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // Already closed.
    }
  }

  /** After an error part may have reached the file: ask the file itself. */
  #afterError(): void {
    if (this.#size === null) return;
    this.#size = regularFileSize(this.fd);
    this.#insideLine = endsInsideLine(this.fd, this.#size);
  }
}

/** `parts` without their first `count` bytes. */
function advance(parts: readonly Buffer[], count: number): readonly Buffer[] {
  let rest = count;
  const out: Buffer[] = [];
  for (const part of parts) {
    if (rest >= part.length) {
      rest -= part.length;
      continue;
    }
    out.push(rest > 0 ? part.subarray(rest) : part);
    rest = 0;
  }
  return out;
}
