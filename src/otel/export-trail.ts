/**
 * `exportTrail`: a JSONL audit trail (every producer's records, rotated files too) sent over
 * OTLP, off the agent's thread (from the command line, another process or a worker). The
 * records go through the same mapping as the live collector (record-mapper.ts); each span's
 * times are its records' timestamps and its ids derive from the records (record-ids.ts), so
 * exporting the same trail again sends the same spans.
 *
 * Streams: one file chunk, the spans of open turns, and one batch of finished spans at a
 * time; the next batch is built only once the exporter has taken the last.
 */
import fs from 'node:fs';
import { AuditError, type AuditRecord } from 'calute-audit';
import { type AttributeValue, ContentKeys, type EventClassLike } from './attributes.js';
import { INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION } from './instrumentation.js';
import { createOtlpHttpExporter, type SpanExporterLike } from './load-exporter.js';
import {
  attributeRecord,
  checkUrl,
  optionalBoolean,
  optionalEventClasses,
  optionalInteger,
  optionalString,
  optionError,
  optionsObject,
  stringRecord,
} from './options.js';
import { RecordKeys } from './record-ids.js';
import { RecordSpanMapper } from './record-mapper.js';
import { type HrTime, parseRecordTime } from './record-time.js';
import { readTrailLines } from './trail-lines.js';
import { resolveTrailSource, stillThere } from './trail-source.js';
import { type ExportedSpan, TrailSpanOps } from './trail-span-ops.js';

export interface ExportTrailOptions {
  /**
   * The OTLP/HTTP traces endpoint, e.g. `http://localhost:4318/v1/traces`. @default the
   * exporter's: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `http://localhost:4318/v1/traces`
   */
  url?: string;
  /** HTTP headers of every request (an API key, say). */
  headers?: Record<string, string>;
  /** `service.name` of the resource, and the reference's attribute on turn spans. @default "calute-audit" */
  serviceName?: string;
  /** More resource attributes (`deployment.environment.name`, ...). */
  resourceAttributes?: Record<string, AttributeValue>;
  /** Send content (previews, error messages): opt-in, as the GenAI conventions require. @default false */
  includeContent?: boolean;
  /** Custom event classes (`defineEvent`) whose content fields to leave out. */
  eventClasses?: readonly EventClassLike[];
  /** Spans per request. @default 512 */
  batchSize?: number;
  /** Bound of each request, retries included. @default 10000 */
  timeoutMillis?: number;
  /** Send through this exporter instead (any SDK `SpanExporter`: gRPC, protobuf, in-memory); it is not shut down. */
  exporter?: SpanExporterLike;
}

export interface InvalidLine {
  path: string;
  line: number;
  reason: string;
}

export interface ExportTrailResult {
  /** The files read, in order. */
  files: string[];
  /** Records mapped. */
  records: number;
  /** Spans sent. */
  spans: number;
  /** Export requests made. */
  batches: number;
  /** Lines that are not a record (not JSON, or no `event_type`); skipped. */
  invalidLines: number;
  /** The first of them, to look at. */
  firstInvalid: InvalidLine | null;
  /** Records whose timestamp could not be read: they took the time of the record before them. */
  untimedRecords: number;
}

const OPTION_KEYS = [
  'url',
  'headers',
  'serviceName',
  'resourceAttributes',
  'includeContent',
  'eventClasses',
  'batchSize',
  'timeoutMillis',
  'exporter',
];

/** The SDK's BatchSpanProcessor default batch (OTEL_BSP_MAX_EXPORT_BATCH_SIZE). */
const DEFAULT_BATCH_SIZE = 512;
/** The OTLP exporters' default request timeout (OTEL_EXPORTER_OTLP_TIMEOUT). */
const DEFAULT_TIMEOUT_MS = 10_000;

export async function exportTrail(
  source: string | readonly string[],
  options?: ExportTrailOptions,
): Promise<ExportTrailResult> {
  const raw = optionsObject('options', options, OPTION_KEYS);
  const serviceName = optionalString('serviceName', raw.serviceName, INSTRUMENTATION_NAME);
  const withContent = optionalBoolean('includeContent', raw.includeContent, false);
  const contentKeys = new ContentKeys(optionalEventClasses('eventClasses', raw.eventClasses));
  const batchSize = optionalInteger('batchSize', raw.batchSize, DEFAULT_BATCH_SIZE, 1, 1_000_000);
  const timeoutMillis = optionalInteger(
    'timeoutMillis',
    raw.timeoutMillis,
    DEFAULT_TIMEOUT_MS,
    1,
    2 ** 31 - 1,
  );
  const headers = stringRecord('headers', raw.headers);
  const resourceAttributes = attributeRecord('resourceAttributes', raw.resourceAttributes);
  const given = raw.exporter as SpanExporterLike | undefined;
  if (given !== undefined && (typeof given?.export !== 'function' || typeof given?.shutdown !== 'function')) {
    throw optionError('exporter', 'a SpanExporter (with export and shutdown)', given);
  }
  const url = raw.url === undefined ? undefined : checkUrl(raw.url);
  const files = resolveTrailSource(source);

  const exporter =
    given ??
    (await createOtlpHttpExporter({
      ...(url === undefined ? {} : { url }),
      headers,
      timeoutMillis,
    }));
  const outbox: ExportedSpan[] = [];
  const ops = new TrailSpanOps(
    outbox,
    { attributes: { 'service.name': serviceName, ...resourceAttributes } },
    {
      name: INSTRUMENTATION_NAME,
      ...(INSTRUMENTATION_VERSION === undefined ? {} : { version: INSTRUMENTATION_VERSION }),
    },
  );
  const mapper = new RecordSpanMapper(ops, { serviceName, withContent, contentKeys });
  const keys = new RecordKeys();
  const result: ExportTrailResult = {
    files: [],
    records: 0,
    spans: 0,
    batches: 0,
    invalidLines: 0,
    firstInvalid: null,
    untimedRecords: 0,
  };
  /** Sends full batches; at the end (`all`), the rest too. */
  const send = async (all: boolean): Promise<void> => {
    while (outbox.length >= (all ? 1 : batchSize)) {
      const batch = outbox.splice(0, batchSize);
      await exportBatch(exporter, batch, result.spans, url);
      result.spans += batch.length;
      result.batches++;
    }
  };

  try {
    let lastTime: HrTime | undefined;
    for (const listed of files) {
      const file = stillThere(listed);
      result.files.push(file.path);
      for await (const line of readTrailLines(file.path, file.gzipped)) {
        const record = parseRecord(line.text);
        if (typeof record === 'string') {
          result.invalidLines++;
          result.firstInvalid ??= { path: file.path, line: line.number, reason: record };
          continue;
        }
        let time = parseRecordTime(record.timestamp);
        if (time === undefined) {
          result.untimedRecords++;
          time = lastTime ?? modificationTime(file.path);
        }
        lastTime = time;
        mapper.map(record, time, keys.next(line.text, record.timestamp));
        result.records++;
        if (outbox.length >= batchSize) await send(false);
      }
    }
    // Turns and tool calls the trail leaves open end at their last record, marked incomplete.
    mapper.endAll(true);
    await send(true);
  } finally {
    if (given === undefined) await exporter.shutdown();
  }
  return result;
}

/** The record on a line, or why it is not one. */
function parseRecord(text: string): AuditRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not JSON (${(error as Error).message})`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  if (typeof (value as AuditRecord).event_type !== 'string') return 'no "event_type" string';
  return value as AuditRecord;
}

function exportBatch(
  exporter: SpanExporterLike,
  batch: ExportedSpan[],
  sent: number,
  url: string | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    exporter.export(batch, (outcome) => {
      if (outcome.code === 0) return resolve();
      const where = url === undefined ? 'the exporter' : url;
      reject(
        new AuditError(
          'ERR_AUDIT_OTEL_EXPORT',
          `exportTrail: sending spans ${sent + 1} to ${sent + batch.length} to ${where} failed (${outcome.error?.message ?? 'no reason given'}); the ${sent} spans before them were sent, and exporting again sends the same spans`,
          { cause: outcome.error },
        ),
      );
    });
  });
}

function modificationTime(file: string): HrTime {
  const millis = fs.statSync(file).mtimeMs;
  return [Math.floor(millis / 1000), Math.round((millis % 1000) * 1e6)];
}
