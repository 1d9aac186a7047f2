/** `pretty`: every record of the sources as a readable line (format-record.ts), streamed. */
import type { TrailSource } from '../input/sources.js';
import { OutputBuffer } from '../output/output-buffer.js';
import { type ReadOptions, readRecords } from '../record/read-records.js';
import { type PrettyOptions, RecordFormatter } from './format-record.js';

/** Writes one line per record to `output`; returns how many. */
export async function prettyTrail(
  sources: readonly TrailSource[],
  output: NodeJS.WritableStream,
  options: PrettyOptions & ReadOptions,
): Promise<number> {
  const formatter = new RecordFormatter(options);
  const out = new OutputBuffer(output);
  let records = 0;
  await readRecords(
    sources,
    (record) => {
      records++;
      out.pushText(`${formatter.format(record)}\n`);
    },
    { ...options, afterChunk: () => out.flush() },
  );
  await out.flush();
  return records;
}
