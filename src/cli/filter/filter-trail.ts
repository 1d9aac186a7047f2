/**
 * `filter`: the lines whose records match, written byte for byte as they are in the input
 * (so the output pipes into jq, or back into any command here), or only their count.
 * With `types` among the criteria, most lines are ruled out by their first bytes and never
 * parsed (record/type-prefix.ts); every other line is parsed in full and tested.
 */

import { type LineVisitor, scanLines } from '../input/line-scanner.js';
import type { TrailSource } from '../input/sources.js';
import { OutputBuffer } from '../output/output-buffer.js';
import { isBlank, notACutRecord, parseLine } from '../record/parse-line.js';
import { notARecord, type ReadOptions } from '../record/read-records.js';
import { compileTypeTest } from '../record/type-prefix.js';
import { compileCriteria, type FilterCriteria } from './criteria.js';

export interface FilterResult {
  /** Lines that matched. */
  readonly matched: number;
  /** Lines read (blank and torn lines included). */
  readonly lines: number;
}

const NEWLINE = Buffer.from('\n');

/**
 * Writes the matching lines to `output` (or only counts them when `output` is null).
 * Throws a `CliError` for bad criteria, an unreadable input, or a line that had to be
 * parsed and is not an audit record.
 */
export async function filterTrail(
  sources: readonly TrailSource[],
  criteria: FilterCriteria,
  output: NodeJS.WritableStream | null,
  options: ReadOptions = {},
): Promise<FilterResult> {
  const matches = compileCriteria(criteria);
  const typeTest = criteria.types?.length ? compileTypeTest(criteria.types) : null;
  const out = output === null ? null : new OutputBuffer(output);
  let matched = 0;
  let lines = 0;
  const visitor: LineVisitor = {
    line(chunk, start, end, cursor) {
      lines++;
      if (typeTest !== null && !typeTest(chunk, start, end)) return;
      if (isBlank(chunk, start, end)) return;
      const record = parseLine(chunk, start, end);
      if (typeof record === 'string') throw notARecord(cursor, record);
      if (!matches(record)) return;
      matched++;
      if (out === null) return;
      if (chunk[end] === 0x0a) out.pushBytes(chunk.subarray(start, end + 1));
      else {
        out.pushBytes(chunk.subarray(start, end));
        out.pushBytes(NEWLINE);
      }
    },
    torn(bytes, cursor) {
      const problem = notACutRecord(bytes);
      if (problem !== null) throw notARecord(cursor, problem);
      lines++;
      options.onTorn?.({ source: cursor.source.name, line: cursor.line, bytes: bytes.length });
    },
    afterChunk: out === null ? undefined : () => out.flush(),
  };
  await scanLines(sources, visitor, options);
  await out?.flush();
  return { matched, lines };
}
