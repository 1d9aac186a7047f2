/**
 * Opening an audit log file, shared by the synchronous and the offloaded sink so both treat
 * paths the same way: append mode, created with a private mode, a clear error naming the
 * path at open time, only regular files unless told otherwise, and a torn last line (left by
 * a crash in the middle of a write) cut off so that every line in the file is whole.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { errors } from './errors.js';

export interface LogFileOptions {
  /** File mode for a file this call creates. */
  mode: number;
  /** Allow FIFOs, character devices and sockets (e.g. `/dev/stdout`, `/dev/full`, a pipe). */
  allowNonRegularFile: boolean;
}

export interface OpenLogFile {
  fd: number;
  path: string;
}

export function pathOf(target: string | URL): string {
  if (!(target instanceof URL)) return target;
  try {
    return fileURLToPath(target);
  } catch (error) {
    // An http: URL, or a file: URL with a host: name the URL rather than throw a bare TypeError.
    throw errors.openFailed(target.href, error);
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

export function openLogFile(target: string | URL, options: LogFileOptions): OpenLogFile {
  const path = pathOf(target);
  // Refuse a special file before opening it: opening a FIFO for writing blocks until a
  // reader appears. Symlinks are followed; what they point to must pass the same check.
  let before: fs.Stats | undefined;
  try {
    before = fs.statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw errors.openFailed(path, error);
  }
  if (before?.isDirectory()) throw errors.openFailed(path, new Error('EISDIR: it is a directory'));
  if (before && !before.isFile() && !options.allowNonRegularFile) {
    throw errors.notRegularFile(path, kindOf(before));
  }
  let fd: number;
  try {
    // Read access too, for a regular file: its last byte tells whether a line was torn.
    fd = fs.openSync(path, before && !before.isFile() ? 'a' : 'a+', options.mode);
  } catch (error) {
    throw errors.openFailed(path, error);
  }
  try {
    const stats = fs.fstatSync(fd);
    // The path may have been swapped between the check and the open.
    if (!stats.isFile() && !options.allowNonRegularFile) throw errors.notRegularFile(path, kindOf(stats));
    const repairedBytes = stats.isFile() ? cutTornLastLine(fd, path, stats.size) : 0;
    if (repairedBytes > 0) {
      // Not silent: the cut bytes were the head of a record a crash left unfinished.
      process.emitWarning(`Cut ${repairedBytes} bytes of a torn last line from "${path}"`, {
        code: 'CALUTE_AUDIT_TORN_LINE',
      });
    }
    return { fd, path };
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
}

/**
 * A crash in the middle of a write can leave a last line without its newline. Appending
 * after it would glue the next record onto it; cutting it off keeps every line whole JSON.
 */
function cutTornLastLine(fd: number, path: string, size: number): number {
  if (size === 0) return 0;
  const last = Buffer.alloc(1);
  fs.readSync(fd, last, 0, 1, size - 1);
  if (last[0] === 0x0a) return 0;
  // Search backwards for the last newline, a block at a time.
  const block = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - block.length);
    const length = end - start;
    fs.readSync(fd, block, 0, length, start);
    const index = block.subarray(0, length).lastIndexOf(0x0a);
    if (index >= 0) {
      const keep = start + index + 1;
      truncate(fd, path, keep);
      return size - keep;
    }
    end = start;
  }
  truncate(fd, path, 0);
  return size;
}

function truncate(fd: number, path: string, length: number): void {
  try {
    fs.ftruncateSync(fd, length);
  } catch (error) {
    throw errors.openFailed(path, error);
  }
}
