/**
 * The loop of the commands that look at every record (`pretty`, `turns`, `report`, and the
 * fallback of the fast ones): blank lines are skipped, a torn last line is reported apart,
 * and the first line that is not an audit record stops the command with an error naming
 * its file and line, since what follows it cannot be trusted to be a trail either.
 */
import { inputError } from '../errors.js';
import { type Cursor, type LineVisitor, type ScanOptions, scanLines } from '../input/line-scanner.js';
import type { TrailSource } from '../input/sources.js';
import { isBlank, notACutRecord, parseLine, type ReadRecord } from './parse-line.js';

/** A source's last line had no newline: the write was cut short (a crash). */
export interface TornLine {
  readonly source: string;
  /** Its line number, when known (a follow that started mid-file does not count lines). */
  readonly line: number | null;
  readonly bytes: number;
}

export interface ReadOptions extends ScanOptions {
  /** Told of each torn line; it is never treated as a record. */
  readonly onTorn?: (torn: TornLine) => void;
  /** After the records of each chunk: the place to write output. */
  readonly afterChunk?: () => void | Promise<void>;
}

export type RecordVisitor = (
  record: ReadRecord,
  chunk: Buffer,
  start: number,
  end: number,
  cursor: Cursor,
) => void;

/** The error for a line that is not an audit record. */
export function notARecord(cursor: Cursor, reason: string) {
  return inputError(`${cursor.source.name}:${cursor.line}: not an audit record: ${reason}`);
}

/** The error for a torn line, as a warning's text. */
export function tornLineText(torn: TornLine): string {
  return `${torn.source}${torn.line === null ? '' : `:${torn.line}`}: torn last line (${torn.bytes} bytes with no newline, a write cut short), skipped`;
}

export async function readRecords(
  sources: readonly TrailSource[],
  onRecord: RecordVisitor,
  options: ReadOptions = {},
): Promise<void> {
  const visitor: LineVisitor = {
    line(chunk, start, end, cursor) {
      if (isBlank(chunk, start, end)) return;
      const record = parseLine(chunk, start, end);
      if (typeof record === 'string') throw notARecord(cursor, record);
      onRecord(record, chunk, start, end, cursor);
    },
    torn(bytes, cursor) {
      const problem = notACutRecord(bytes);
      if (problem !== null) throw notARecord(cursor, problem);
      options.onTorn?.({ source: cursor.source.name, line: cursor.line, bytes: bytes.length });
    },
    afterChunk: options.afterChunk,
  };
  await scanLines(sources, visitor, options);
}
