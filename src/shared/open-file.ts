/**
 * Opening an audit file for appending, the same way wherever it happens (the sinks'
 * constructors, `reopen()`, and the drain when it rotates): created with a private mode,
 * only regular files unless told otherwise, special files opened non-blocking, and a last
 * line left without its newline (a crash in the middle of a write) ended with one.
 *
 * This package never removes a byte from a file: the torn line stays (readers report it),
 * and the newline keeps the next record on a line of its own.
 */
import fs from 'node:fs';

export interface OpenOptions {
  /** File mode for a file this call creates. */
  readonly mode: number;
  /** Allow FIFOs, character devices and sockets (`/dev/stdout`, `/dev/full`, a pipe). */
  readonly allowNonRegularFile: boolean;
}

export interface OpenedFile {
  readonly fd: number;
  /** Bytes of a last line that had no newline (now ended with one); 0 when none. */
  readonly endedTornLine: number;
}

/** Why a path could not be opened; the caller turns it into its own error type. */
export class OpenFailure extends Error {
  constructor(
    readonly path: string,
    readonly reason: 'directory' | 'special' | 'system',
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }

  /** The system error's code (ENOENT, EACCES, ENXIO, ...), when there is one. */
  get code(): string | undefined {
    return (this.cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

function kindOf(stats: fs.Stats): string {
  if (stats.isDirectory()) return 'directory';
  if (stats.isFIFO()) return 'FIFO';
  if (stats.isCharacterDevice()) return 'character device';
  if (stats.isBlockDevice()) return 'block device';
  if (stats.isSocket()) return 'socket';
  return 'special file';
}

/**
 * A last line without its newline is ended only once the file's size stayed the same for
 * three looks 10 ms apart: a torn line from a crash never changes, while another writer's
 * write(2) in progress (megabytes, on a loaded machine) can pause longer than one look.
 * A file still growing after 100 looks (1 s) is left alone: its writer ends its own line.
 */
const TORN_LINE_STILL_LOOKS = 3;
const TORN_LINE_MAX_LOOKS = 100;
const TORN_LINE_LOOK_MS = 10;

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export function openForAppend(path: string, options: OpenOptions): OpenedFile {
  // Refuse a special file before opening it; symlinks are followed and what they point to
  // must pass the same check.
  let before: fs.Stats | undefined;
  try {
    before = fs.statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new OpenFailure(path, 'system', (error as Error).message, error);
    }
  }
  if (before?.isDirectory()) throw new OpenFailure(path, 'directory', 'EISDIR: it is a directory');
  if (before && !before.isFile() && !options.allowNonRegularFile) {
    throw new OpenFailure(path, 'special', kindOf(before));
  }
  const special = before !== undefined && !before.isFile();
  // Read access too, for a regular file: its last byte tells whether a line was torn. A special
  // file is opened non-blocking: opening a FIFO without a reader fails at once (ENXIO) instead
  // of blocking forever, and a full pipe makes write(2) return EAGAIN instead of parking the
  // drain in the kernel, where nothing (not even process exit) could stop it.
  const flags = special
    ? fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NONBLOCK
    : 'a+';
  let fd: number;
  try {
    fd = fs.openSync(path, flags, options.mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENXIO' ? 'ENXIO: no process has the FIFO open for reading' : (error as Error).message;
    throw new OpenFailure(path, 'system', message, error);
  }
  try {
    const stats = fs.fstatSync(fd);
    // The path may have been swapped between the check and the open.
    if (!stats.isFile() && !options.allowNonRegularFile)
      throw new OpenFailure(path, 'special', kindOf(stats));
    return { fd, endedTornLine: stats.isFile() ? endTornLine(fd, path) : 0 };
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
}

/**
 * If the file's last byte is not a newline, ends the line with one (after giving a writer
 * that is in the middle of a write(2) the time to finish it). Returns the torn line's length.
 */
function endTornLine(fd: number, path: string): number {
  let size = fs.fstatSync(fd).size;
  let still = 0;
  for (let look = 0; look < TORN_LINE_MAX_LOOKS; look++) {
    if (size === 0 || lastByte(fd, size) === 0x0a) return 0;
    if (still === TORN_LINE_STILL_LOOKS) {
      try {
        fs.writeSync(fd, '\n');
      } catch (error) {
        throw new OpenFailure(path, 'system', (error as Error).message, error);
      }
      return tornLength(fd, size);
    }
    sleep(TORN_LINE_LOOK_MS);
    const now = fs.fstatSync(fd).size;
    still = now === size ? still + 1 : 0;
    size = now;
  }
  return 0;
}

function lastByte(fd: number, size: number): number {
  const byte = Buffer.alloc(1);
  fs.readSync(fd, byte, 0, 1, size - 1);
  return byte[0];
}

/** Bytes after the last newline before `size`, searched backwards a block at a time. */
function tornLength(fd: number, size: number): number {
  const block = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - block.length);
    fs.readSync(fd, block, 0, end - start, start);
    const index = block.subarray(0, end - start).lastIndexOf(0x0a);
    if (index >= 0) return size - (start + index + 1);
    end = start;
  }
  return size;
}
