/**
 * Splits sources into lines. Bytes come in large chunks and each line is handed over as a
 * range of its chunk (no copy, no string), so a command that looks at a few bytes of a
 * line pays for nothing else. Lines are split on `\n` only; a source whose last bytes have
 * no `\n` ends with a torn line (a write cut short by a crash), which is reported apart.
 */
import { type ChunkOptions, chunksOf } from './byte-chunks.js';
import { LineSplitter } from './line-splitter.js';
import type { TrailSource } from './sources.js';

/** Where the scan is: the source and the 1-based number of the line being visited. */
export interface Cursor {
  source: TrailSource;
  line: number;
}

export interface LineVisitor {
  /** A whole line without its `\n`: bytes `[start, end)` of `chunk`. */
  line(chunk: Buffer, start: number, end: number, cursor: Cursor): void;
  /** The source ended in the middle of a line: its bytes (no newline). */
  torn?(bytes: Buffer, cursor: Cursor): void;
  /** A source is about to be read. */
  sourceStart?(cursor: Cursor): void;
  /** After the lines of each chunk: the place to write output and wait for the reader of it. */
  afterChunk?(): void | Promise<void>;
}

export interface ScanOptions extends ChunkOptions {
  /** Stops the scan at the next chunk. */
  readonly signal?: AbortSignal;
}

export async function scanLines(
  sources: readonly TrailSource[],
  visitor: LineVisitor,
  options: ScanOptions = {},
): Promise<void> {
  for (const source of sources) {
    const cursor: Cursor = { source, line: 0 };
    visitor.sourceStart?.(cursor);
    const splitter = new LineSplitter();
    for await (const chunk of chunksOf(source, options)) {
      if (options.signal?.aborted) return;
      splitter.push(chunk, visitor, cursor);
      await visitor.afterChunk?.();
    }
    if (splitter.end(visitor, cursor)) await visitor.afterChunk?.();
  }
}
