/** `report`: reads the sources into a run model and writes the HTML page to a file. */
import fs from 'node:fs';
import path from 'node:path';
import { describeSystemError, inputError } from '../errors.js';
import type { TrailSource } from '../input/sources.js';
import type { ReadOptions } from '../record/read-records.js';
import { readRuns } from '../runs/build-runs.js';
import { renderReport } from './render-report.js';
import { type ReportData, reportData } from './report-data.js';

export interface ReportOptions extends ReadOptions {
  /** The page's title. @default "calute-audit: <first source>" */
  readonly title?: string;
}

/** Writes the report for `sources` to `outPath` and returns the data it shows. */
export async function writeReport(
  sources: readonly TrailSource[],
  outPath: string,
  options: ReportOptions = {},
): Promise<ReportData> {
  const model = await readRuns(sources, options);
  const title =
    options.title ?? `calute-audit: ${sources.map((source) => path.basename(source.name)).join(', ')}`;
  const data = reportData(model, title);
  const html = renderReport(data);
  try {
    fs.writeFileSync(outPath, html);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'its folder does not exist'
        : describeSystemError(outPath, error).slice(outPath.length + 2);
    throw inputError(`cannot write ${outPath}: ${reason}`, error);
  }
  return data;
}
