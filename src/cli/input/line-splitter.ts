/**
 * Splits a stream of chunks into lines on `\n`, handing each line over as a range of its
 * chunk; a line cut by a chunk boundary is joined with its end from the next chunk.
 */
import type { Cursor, LineVisitor } from './line-scanner.js';

export class LineSplitter {
  /** The start of a line that continues in the next chunk. */
  #carry: Buffer | null = null;

  /** Visits every whole line of `chunk` (with what was carried over) and keeps the rest. */
  push(chunk: Buffer, visitor: LineVisitor, cursor: Cursor): void {
    let start = 0;
    if (this.#carry !== null) {
      const newline = chunk.indexOf(10);
      if (newline === -1) {
        this.#carry = Buffer.concat([this.#carry, chunk]);
        return;
      }
      const joined = Buffer.concat([this.#carry, chunk.subarray(0, newline)]);
      this.#carry = null;
      cursor.line++;
      visitor.line(joined, 0, joined.length, cursor);
      start = newline + 1;
    }
    for (;;) {
      const newline = chunk.indexOf(10, start);
      if (newline === -1) break;
      cursor.line++;
      visitor.line(chunk, start, newline, cursor);
      start = newline + 1;
    }
    if (start < chunk.length) this.#carry = chunk.subarray(start);
  }

  /** Bytes waiting for their newline. */
  get pendingBytes(): number {
    return this.#carry?.length ?? 0;
  }

  /** Ends the stream: bytes left without a newline are a torn line, handed to `visitor.torn`. */
  end(visitor: LineVisitor, cursor: Cursor): boolean {
    const carry = this.#carry;
    this.#carry = null;
    if (carry === null) return false;
    cursor.line++;
    visitor.torn?.(carry, cursor);
    return true;
  }
}
