/**
 * Follows a growing file the way `tail -F` does, across rotation and reopen: when the path
 * names another file than the one open (renamed away and created anew, or replaced), the
 * open file is read to its end first (its writer finishes there before it reopens), then
 * the new file is read from its start. A file cut shorter than what was read (truncated in
 * place) is read again from its start. Polling, not `fs.watch`: it sees renames and new
 * files on every file system, including network ones where inotify says nothing.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CHUNK_BYTES } from '../input/byte-chunks.js';
import type { Cursor, LineVisitor } from '../input/line-scanner.js';
import { LineSplitter } from '../input/line-splitter.js';
import type { TrailSource } from '../input/sources.js';

/**
 * How often the file is looked at: 250 ms, a quarter of GNU tail's default second, since
 * agent runs are watched live and a stat costs microseconds.
 */
export const FOLLOW_INTERVAL_MS = 250;

export interface FollowOptions {
  /** Ends the follow. */
  readonly signal: AbortSignal;
  /** @default FOLLOW_INTERVAL_MS */
  readonly intervalMs?: number;
  /** Told when the followed file changes (rotation, reopen, truncation). */
  readonly onNotice?: (message: string) => void;
}

interface Open {
  handle: fs.promises.FileHandle;
  ino: number;
  dev: number;
  position: number;
}

/**
 * Visits the lines of `path` from byte `from` on, and every line added later, until the
 * signal aborts. Lines still without a newline wait for it; a file left with one when the
 * follow moves to a new file ends with a torn line.
 */
export async function followFile(
  path: string,
  from: number,
  visitor: LineVisitor,
  options: FollowOptions,
): Promise<void> {
  const interval = options.intervalMs ?? FOLLOW_INTERVAL_MS;
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  const source: TrailSource = { name: path, path, size: null };
  let cursor: Cursor = { source, line: 0 };
  let splitter = new LineSplitter();
  let current = await openIfThere(path, from);
  try {
    while (!options.signal.aborted) {
      let read = 0;
      if (current !== null) {
        for (;;) {
          const { bytesRead } = await current.handle.read(buffer, 0, buffer.length, current.position);
          if (bytesRead === 0) break;
          current.position += bytesRead;
          read += bytesRead;
          // The buffer is reused: hand over a copy, which the visitor may keep.
          splitter.push(Buffer.from(buffer.subarray(0, bytesRead)), visitor, cursor);
        }
        if (read > 0) await visitor.afterChunk?.();
      }
      const now = await statIfThere(path);
      if (current === null) {
        if (now !== null) current = await openIfThere(path, 0);
        if (current !== null) continue;
      } else if (now !== null && (now.ino !== current.ino || now.dev !== current.dev)) {
        // Replaced. Read the old file once more to its end before leaving it.
        if (read > 0) continue;
        if (splitter.end(visitor, cursor)) await visitor.afterChunk?.();
        await current.handle.close();
        current = await openIfThere(path, 0);
        options.onNotice?.(`${path}: a new file (rotated or reopened); reading it from its start`);
        cursor = { source, line: 0 };
        splitter = new LineSplitter();
        continue;
      } else if (now !== null && now.size < current.position) {
        options.onNotice?.(`${path}: truncated; reading it again from its start`);
        current.position = 0;
        cursor = { source, line: 0 };
        splitter = new LineSplitter();
        continue;
      }
      if (read === 0) {
        try {
          await sleep(interval, undefined, { signal: options.signal });
        } catch {
          break;
        }
      }
    }
  } finally {
    await current?.handle.close();
  }
}

async function statIfThere(path: string): Promise<fs.Stats | null> {
  try {
    return await fs.promises.stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function openIfThere(path: string, position: number): Promise<Open | null> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const stat = await handle.stat();
  return { handle, ino: stat.ino, dev: stat.dev, position };
}
