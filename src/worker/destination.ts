/**
 * The file the drain writes to: sonic-boom in synchronous mode over a descriptor the main
 * thread opened. Synchronous is right here: this thread exists to wait for the disk, and a
 * write that has returned is one whose bytes the OS holds, so the ring's space can be
 * given back at once. sonic-boom retries EAGAIN, loops over partial writes, and on any
 * other error keeps the unwritten bytes and reports the error; `retry()` tries them again.
 */
import fs from 'node:fs';
import SonicBoomModule, { type SonicBoomOpts, type SonicBoom as SonicBoomType } from 'sonic-boom';
import { regularFileSize } from '#shared/file-size.js';

// Under `module: NodeNext` the default export is not typed as constructible.
const SonicBoom = SonicBoomModule as unknown as new (options: SonicBoomOpts) => SonicBoomType;

export class Destination {
  #fd: number;
  #sonic: SonicBoomType;
  #error: NodeJS.ErrnoException | null = null;
  /** What the file's size should be once every write so far is out; null if not a regular file. */
  #size: number | null;

  constructor(fd: number) {
    this.#fd = fd;
    this.#sonic = this.#open(fd);
    this.#size = regularFileSize(fd);
  }

  get fd(): number {
    return this.#fd;
  }

  /** The file's size before the next write (null for pipes and devices, which have none). */
  get size(): number | null {
    return this.#size;
  }

  #open(fd: number): SonicBoomType {
    const sonic = new SonicBoom({ fd, sync: true, contentMode: 'buffer', minLength: 0 });
    sonic.on('error', (error: NodeJS.ErrnoException) => {
      this.#error = error;
    });
    return sonic;
  }

  /**
   * Writes `bytes` (a view into shared memory: sonic-boom holds it only until the write is
   * done, or until `retry()` succeeds after a failure). Returns the error, or null.
   */
  write(bytes: Buffer): NodeJS.ErrnoException | null {
    this.#error = null;
    this.#sonic.write(bytes as unknown as string);
    if (this.#error) {
      // Part may have reached the file: ask the file itself.
      this.#size = this.#size === null ? null : regularFileSize(this.#fd);
      return this.#error;
    }
    if (this.#size !== null) this.#size += bytes.length;
    return null;
  }

  /** Writes what a failed `write` kept. Returns the error, or null when everything is out. */
  retry(): NodeJS.ErrnoException | null {
    try {
      this.#sonic.flushSync();
    } catch (error) {
      return error as NodeJS.ErrnoException;
    }
    this.#size = this.#size === null ? null : regularFileSize(this.#fd);
    return null;
  }

  fsync(): void {
    try {
      fs.fsyncSync(this.#fd);
    } catch (error) {
      // Pipes and character devices cannot be fsynced; there is nothing more to make durable.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EINVAL' && code !== 'EROFS' && code !== 'ENOTSUP') throw error;
    }
  }

  /**
   * Log rotation: later bytes go to `fd`. The old descriptor stays open: the main thread
   * opened it and closes it (Node warns when a thread closes a descriptor it did not open).
   */
  switchTo(fd: number): void {
    this.#fd = fd;
    this.#sonic = this.#open(fd);
    this.#size = regularFileSize(fd);
  }
}
