/**
 * `tail`: the last lines of a trail, then (`follow`) every line added to its active file,
 * across rotation and reopen (follow-file.ts). Lines are written as they are, or formatted
 * like `pretty`; a line that is not a record is then passed through as it is, as
 * pino-pretty does, so that one bad line never stops a live view.
 */
import type { LineVisitor } from '../input/line-scanner.js';
import type { TrailSource } from '../input/sources.js';
import { OutputBuffer } from '../output/output-buffer.js';
import { type PrettyOptions, RecordFormatter } from '../pretty/format-record.js';
import { isBlank, parseLine } from '../record/parse-line.js';
import type { TornLine } from '../record/read-records.js';
import { followFile } from './follow-file.js';
import { lastLines } from './last-lines.js';

export interface TailOptions {
  /** Lines to print from the end before following. @default 10 */
  readonly lines?: number;
  /** Follow this file (the trail's active file) after the last lines, until `signal` aborts. */
  readonly follow?: { readonly path: string; readonly signal: AbortSignal; readonly intervalMs?: number };
  /** Format each record like `pretty`; null or absent: write lines as they are. */
  readonly pretty?: PrettyOptions | null;
  readonly onTorn?: (torn: TornLine) => void;
  readonly onNotice?: (message: string) => void;
}

export async function tailTrail(
  sources: readonly TrailSource[],
  output: NodeJS.WritableStream,
  options: TailOptions = {},
): Promise<void> {
  const out = new OutputBuffer(output);
  const formatter = options.pretty ? new RecordFormatter(options.pretty) : null;
  const write = (chunk: Buffer, start: number, end: number) => {
    if (formatter !== null && !isBlank(chunk, start, end)) {
      const record = parseLine(chunk, start, end);
      if (typeof record !== 'string') {
        out.pushText(`${formatter.format(record)}\n`);
        return;
      }
    }
    out.pushBytes(Buffer.from(chunk.subarray(start, end)));
    out.pushText('\n');
  };
  const count = options.lines ?? 10;
  const last = sources.length === 0 ? null : await lastLines(sources, count, options.onTorn);
  for (const line of last?.lines ?? []) write(line, 0, line.length);
  await out.flush();
  const follow = options.follow;
  if (follow === undefined) return;
  const lastSource = sources.at(-1);
  const from = last !== null && lastSource?.path === follow.path ? last.end : 0;
  const visitor: LineVisitor = {
    line: write,
    torn(bytes, cursor) {
      // Lines are counted from where the follow started, not from the start of the file.
      options.onTorn?.({
        source: cursor.source.name,
        line: from === 0 ? cursor.line : null,
        bytes: bytes.length,
      });
    },
    afterChunk: () => out.flush(),
  };
  await followFile(follow.path, from, visitor, {
    signal: follow.signal,
    intervalMs: follow.intervalMs,
    onNotice: options.onNotice,
  });
  await out.flush();
}
