export type { CliIo, Command } from './commands/command.js';
export { COMMANDS } from './commands/command-table.js';
export { CliError } from './errors.js';
export type { FilterCriteria } from './filter/criteria.js';
export { type FilterResult, filterTrail } from './filter/filter-trail.js';
export { chunksOf } from './input/byte-chunks.js';
export { type Cursor, type LineVisitor, scanLines } from './input/line-scanner.js';
export { resolveSources, type TrailSource } from './input/sources.js';
export { OutputClosedError } from './output/output-buffer.js';
export { colorWanted, makePalette, type Palette } from './output/palette.js';
export { type Progress, progressBar, progressLine } from './output/progress.js';
export { type PrettyOptions, RecordFormatter } from './pretty/format-record.js';
export { prettyTrail } from './pretty/pretty-trail.js';
export { compileFieldReader, type FieldReader, fromByteString, toByteString } from './record/field-reader.js';
export type { ReadRecord } from './record/parse-line.js';
export { type ReadOptions, readRecords, type TornLine } from './record/read-records.js';
export { renderReport } from './report/render-report.js';
export { type ReportData, reportData } from './report/report-data.js';
export { type ReportOptions, writeReport } from './report/write-report.js';
export { generalHelp, runCli } from './run-cli.js';
export { RunBuilder, readRuns } from './runs/build-runs.js';
export { formatTurns, type TurnsFormatOptions } from './runs/format-turns.js';
export type { ModelCall, Note, RunModel, Session, ToolCall, Turn } from './runs/run-model.js';
export { DurationSeries, type DurationSummary, EXACT_SAMPLES } from './stats/durations.js';
export { formatStats } from './stats/format-stats.js';
export {
  type ModelStats,
  type StatsOptions,
  type ToolStats,
  type TrailStats,
  trailStats,
} from './stats/trail-stats.js';
export { FOLLOW_INTERVAL_MS, followFile } from './tail/follow-file.js';
export { lastLines } from './tail/last-lines.js';
export { type TailOptions, tailTrail } from './tail/tail-trail.js';
export {
  type VerifyOptions,
  type VerifyProblem,
  type VerifyResult,
  verifyTrail,
} from './verify/verify-trail.js';
