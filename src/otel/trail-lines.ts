/**
 * The lines of one trail file, streamed: plain or gzipped (`.gz`, node:zlib). Memory holds
 * one chunk of the file and the line being cut from it, whatever the file's size; the
 * reading waits while the consumer is busy (async iteration pulls one chunk at a time).
 * Lines are cut at the newline byte, so a multi-byte character is never split.
 */
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export interface TrailLine {
  /** The line without its newline (and without a carriage return before it). */
  readonly text: string;
  /** 1-based line number in the file. */
  readonly number: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

function decode(bytes: Buffer): string {
  const end =
    bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN ? bytes.length - 1 : bytes.length;
  return bytes.toString('utf8', 0, end);
}

export async function* readTrailLines(file: string, gzipped: boolean): AsyncGenerator<TrailLine> {
  const raw = fs.createReadStream(file);
  const stream: Readable = gzipped ? raw.pipe(createGunzip()) : raw;
  // An error of the file stream (EACCES, a vanished file) ends the gunzip stream's iteration too.
  if (gzipped) raw.once('error', (error) => stream.destroy(error));
  let rest: Buffer | null = null;
  let number = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let from = 0;
      let at = chunk.indexOf(NEWLINE, from);
      while (at !== -1) {
        const piece = chunk.subarray(from, at);
        const line: Buffer = rest === null ? piece : Buffer.concat([rest, piece]);
        rest = null;
        yield { text: decode(line), number: ++number };
        from = at + 1;
        at = chunk.indexOf(NEWLINE, from);
      }
      if (from < chunk.length) {
        const tail = chunk.subarray(from);
        // Copied: the stream may reuse its chunk's memory.
        rest = rest === null ? Buffer.from(tail) : Buffer.concat([rest, tail]);
      }
    }
    // A last line without its newline: a record still being written, or a torn one. It is
    // given to the caller, whose JSON parse tells which.
    if (rest !== null && rest.length > 0) yield { text: decode(rest), number: ++number };
  } finally {
    raw.destroy();
    stream.destroy();
  }
}
