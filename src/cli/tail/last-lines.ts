/**
 * The last lines of a trail without reading all of it: a plain file is read backwards
 * from its end in blocks; earlier files of the trail are read only when the later ones
 * hold too few lines; a gzipped file or stdin, which cannot be read backwards, is read
 * through, keeping the last lines only.
 */
import fs from 'node:fs';
import { type Cursor, type LineVisitor, scanLines } from '../input/line-scanner.js';
import type { TrailSource } from '../input/sources.js';
import type { TornLine } from '../record/read-records.js';

/** Read backwards this much at a time: a few dozen records. */
const BLOCK = 64 * 1024;

export interface LastLines {
  /** The lines, oldest first, without their newlines. */
  readonly lines: Buffer[];
  /** In the last source, the offset just after its last newline (where following starts). */
  readonly end: number;
  /** The last source's bytes after its last newline (a line still being written, or torn). */
  readonly pending: number;
}

/** The last `count` whole lines of the sources; a torn last line of an earlier file is reported. */
export async function lastLines(
  sources: readonly TrailSource[],
  count: number,
  onTorn?: (torn: TornLine) => void,
): Promise<LastLines> {
  const found: Buffer[][] = [];
  let total = 0;
  let end = 0;
  let pending = 0;
  for (let index = sources.length - 1; index >= 0; index--) {
    const source = sources[index];
    const isLast = index === sources.length - 1;
    const want = count - total;
    let result: { lines: Buffer[]; end: number; pending: number };
    if (source.path !== null && (await isPlainFile(source.path))) {
      result = lastLinesOfFile(source.path, want);
    } else {
      result = await lastLinesOfStream(source, want);
    }
    if (isLast) {
      end = result.end;
      pending = result.pending;
    } else if (result.pending > 0) {
      onTorn?.({ source: source.name, line: null, bytes: result.pending });
    }
    found.unshift(result.lines);
    total += result.lines.length;
    if (total >= count) break;
  }
  return { lines: found.flat(), end, pending };
}

async function isPlainFile(path: string): Promise<boolean> {
  const handle = await fs.promises.open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size < 2) return true;
    const head = Buffer.alloc(2);
    await handle.read(head, 0, 2, 0);
    return !(head[0] === 0x1f && head[1] === 0x8b);
  } finally {
    await handle.close();
  }
}

function lastLinesOfFile(path: string, count: number): { lines: Buffer[]; end: number; pending: number } {
  const fd = fs.openSync(path, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const blocks: Buffer[] = [];
    let position = size;
    let newlines = 0;
    // One newline more than lines wanted: the one before the first line; plus the last newline.
    while (position > 0 && newlines <= count) {
      const length = Math.min(BLOCK, position);
      position -= length;
      const block = Buffer.alloc(length);
      fs.readSync(fd, block, 0, length, position);
      for (let i = 0; i < length; i++) if (block[i] === 10) newlines++;
      blocks.unshift(block);
    }
    const bytes = Buffer.concat(blocks);
    const lastNewline = bytes.lastIndexOf(10);
    const pending = bytes.length - (lastNewline + 1);
    if (lastNewline === -1 || count === 0) return { lines: [], end: size - pending, pending };
    const lines: Buffer[] = [];
    let stop = lastNewline;
    while (lines.length < count) {
      // (lastIndexOf counts a negative offset from the end: never pass one.)
      const previous = stop === 0 ? -1 : bytes.lastIndexOf(10, stop - 1);
      if (previous === -1 && position > 0) break; // cut by the block read: never happens past count
      lines.unshift(bytes.subarray(previous + 1, stop));
      if (previous === -1) break;
      stop = previous;
    }
    return { lines, end: size - pending, pending };
  } finally {
    fs.closeSync(fd);
  }
}

async function lastLinesOfStream(
  source: TrailSource,
  count: number,
): Promise<{ lines: Buffer[]; end: number; pending: number }> {
  const kept: Buffer[] = [];
  let bytes = 0;
  let pending = 0;
  const visitor: LineVisitor = {
    line(chunk, start, end) {
      bytes += end - start + 1;
      if (count === 0) return;
      kept.push(Buffer.from(chunk.subarray(start, end)));
      if (kept.length > count) kept.shift();
    },
    torn(torn: Buffer, _cursor: Cursor) {
      pending = torn.length;
    },
  };
  await scanLines([source], visitor);
  return { lines: kept, end: bytes, pending };
}
