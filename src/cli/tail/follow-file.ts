/**
 * Follows a growing file the way `tail -F` does, across rotation and reopen: when the path
 * names another file than the one open (renamed away and created anew, or replaced), the
 * open file is read to its end first (its writer finishes there before it reopens), then
 * the new file is read from its start. A file cut shorter than what was read (truncated in
 * place) is read again from its start. Polling, not `fs.watch`: it sees renames and new
 * files on every file system, including network ones where inotify says nothing.
 *
 * A sink that rotates more than once between two looks leaves whole files the follow never
 * had open: those are found among the trail's rotated files (by name, newer than the one
 * that was open) and read in full, plain or gzipped, before the new file.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { listTrailFiles, type TrailFile } from 'calute-audit/trail';
import { CHUNK_BYTES } from '../input/byte-chunks.js';
import { type Cursor, type LineVisitor, scanLines } from '../input/line-scanner.js';
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
  const seenRotated = new Set(rotatedFiles(path, new Set()).map(keyOf));
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
        const left = current;
        current = await openIfThere(path, 0);
        const missed = await filesRotatedBetween(path, left, current, seenRotated);
        for (const file of missed) {
          options.onNotice?.(`${path}: rotated again meanwhile; reading ${file.path} in full`);
          await readInFull(file, visitor);
        }
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

/** A rotated file's name without `.gz`: the same file before and after its compression. */
const keyOf = (file: TrailFile) => file.path.replace(/\.gz$/, '');

/** The trail's rotated files not in `seen`, in time order. */
function rotatedFiles(path: string, seen: ReadonlySet<string>): TrailFile[] {
  return listTrailFiles(path).filter((file) => file.rotatedAt !== null && !seen.has(keyOf(file)));
}

/**
 * The rotated files written between `left` (the file just read to its end) and `next` (the
 * file now at the path), each marked seen. The oldest new rotated file is `left` itself,
 * renamed (found by inode while it is plain); one with `next`'s inode was rotated after the
 * look and is left for the next one.
 */
async function filesRotatedBetween(
  path: string,
  left: Open,
  next: Open | null,
  seen: Set<string>,
): Promise<TrailFile[]> {
  const fresh = rotatedFiles(path, seen);
  const inodes = await Promise.all(fresh.map((file) => (file.compressed ? null : statIfThere(file.path))));
  const isFile = (index: number, open: Open | null) =>
    open !== null && inodes[index]?.ino === open.ino && inodes[index]?.dev === open.dev;
  let end = fresh.findIndex((_, index) => isFile(index, next));
  if (end === -1) end = fresh.length;
  const leftAt = fresh.findIndex((_, index) => index < end && isFile(index, left));
  const between = fresh.slice(Math.max(leftAt, 0) + 1, end);
  for (const file of fresh.slice(0, end)) seen.add(keyOf(file));
  return between;
}

/** Visits every line of a rotated file; its `.gz` when a compression replaced it since the listing. */
async function readInFull(file: TrailFile, visitor: LineVisitor): Promise<void> {
  const read = (name: string) => scanLines([{ name, path: name, size: null }], visitor);
  try {
    await read(file.path);
  } catch (error) {
    // The file is opened before any line is visited, so a missing file has visited none.
    const cause = (error as Error).cause as NodeJS.ErrnoException | undefined;
    if (file.compressed || cause?.code !== 'ENOENT') throw error;
    await read(`${file.path}.gz`);
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
