/**
 * Reading an audit file line by line as bytes (plain or gzipped), without decoding: a line's
 * exact bytes are what the integrity chain hashes. Memory stays flat in the file's size.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';

export interface RawLine {
  /** The line's bytes, without its newline. */
  readonly bytes: Buffer;
  /** 1-based. */
  readonly number: number;
  /** False for a last line a crash left without its newline. */
  readonly ended: boolean;
}

/** Every line of `file` (a `.gz` is decompressed), in order. */
export async function* readRawLines(file: string): AsyncGenerator<RawLine> {
  const source = fs.createReadStream(file, { highWaterMark: 1024 * 1024 });
  const stream = file.endsWith('.gz') ? source.pipe(zlib.createGunzip()) : source;
  let carry: Buffer | null = null;
  let number = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
        const piece = chunk.subarray(start, end);
        const bytes: Buffer = carry === null ? Buffer.from(piece) : Buffer.concat([carry, piece]);
        carry = null;
        yield { bytes, number: ++number, ended: true };
        start = end + 1;
      }
      if (start < chunk.length) {
        const rest = chunk.subarray(start);
        carry = carry === null ? Buffer.from(rest) : Buffer.concat([carry, rest]);
      }
    }
  } finally {
    source.destroy();
  }
  if (carry !== null && carry.length > 0) yield { bytes: carry, number: ++number, ended: false };
}

/** A look-ahead over `readRawLines`: `peek(count)` buffers up to that many lines, `take(count)` consumes. */
export class LineQueue {
  readonly #source: AsyncGenerator<RawLine>;
  readonly #buffer: RawLine[] = [];
  #done = false;

  constructor(file: string) {
    this.#source = readRawLines(file);
  }

  /** Up to `count` lines from the current position (fewer at the end of the file). */
  async peek(count: number): Promise<readonly RawLine[]> {
    while (this.#buffer.length < count && !this.#done) {
      const next = await this.#source.next();
      if (next.done) this.#done = true;
      else this.#buffer.push(next.value);
    }
    return this.#buffer.slice(0, count);
  }

  async take(count: number): Promise<readonly RawLine[]> {
    await this.peek(count);
    return this.#buffer.splice(0, count);
  }

  /** Every line left. */
  async *rest(): AsyncGenerator<RawLine> {
    while (this.#buffer.length > 0) yield this.#buffer.shift()!;
    if (this.#done) return;
    for await (const line of this.#source) yield line;
    this.#done = true;
  }
}
