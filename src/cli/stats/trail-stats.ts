/**
 * `stats`: one pass over a trail, in memory that does not grow with its length (counts per
 * distinct type, agent, session, severity, tool and model, and bounded duration series).
 * Most lines are read by the field reader (record/field-reader.ts) without a full parse.
 */
import { type LineVisitor, scanLines } from '../input/line-scanner.js';
import type { TrailSource } from '../input/sources.js';
import {
  compileFieldReader,
  type FieldValues,
  fieldsOfRecord,
  fromByteString,
} from '../record/field-reader.js';
import { isBlank, notACutRecord, parseLine } from '../record/parse-line.js';
import { notARecord, type ReadOptions, type TornLine } from '../record/read-records.js';
import { DurationSeries, type DurationSummary } from './durations.js';

export interface ToolStats {
  readonly tool: string;
  /** Records naming the tool, of any type. */
  readonly records: number;
  readonly attempts: number;
  readonly completed: number;
  readonly failed: number;
  /** failed / (completed + failed), or null when neither happened. */
  readonly failureRate: number | null;
  /** Of `duration_ms` of completions and of the failures that carry one. */
  readonly durationMs: DurationSummary | null;
}

export interface ModelStats {
  readonly model: string;
  readonly provider: string | null;
  readonly calls: number;
  /** Sums over the calls that reported them. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly durationMs: DurationSummary | null;
}

export interface TrailStats {
  readonly sources: readonly string[];
  /** Bytes read (after decompression). */
  readonly bytes: number;
  readonly records: number;
  readonly blankLines: number;
  readonly tornLines: readonly TornLine[];
  /** Timestamps of the first and last record, in reading order. */
  readonly firstTimestamp: string | null;
  readonly lastTimestamp: string | null;
  readonly types: readonly { readonly type: string; readonly records: number }[];
  readonly severities: readonly { readonly severity: string; readonly records: number }[];
  readonly agents: readonly { readonly agent: string | null; readonly records: number }[];
  readonly sessions: readonly {
    readonly session: string | null;
    readonly records: number;
    readonly turns: number;
  }[];
  /** `turn_start` and `turn_end` records. */
  readonly turns: { readonly started: number; readonly ended: number };
  readonly tools: readonly ToolStats[];
  readonly models: readonly ModelStats[];
  /** `events_dropped` marks: how many, and the events and bytes they say were lost. */
  readonly dropped: { readonly marks: number; readonly events: number; readonly bytes: number };
}

export interface StatsOptions extends ReadOptions {
  /** Values kept per duration series before percentiles become approximate. */
  readonly exactSamples?: number;
}

// The timestamps of the first and last records are read apart, from their lines.
const KEYS = [
  'event_type',
  'agent_id',
  'session_id',
  'severity',
  'tool_name',
  'duration_ms',
  'model',
  'provider',
  'input_tokens',
  'output_tokens',
  'dropped_events',
  'dropped_bytes',
];

/**
 * Counts per key. Consecutive records mostly share their agent, session and severity, so
 * the count of the last key is kept aside and a repeat costs a string comparison instead
 * of a hash-map update.
 */
class Tally<K> {
  readonly #counts = new Map<K, number>();
  #last: K | undefined = undefined;
  #pending = 0;
  add(key: K): void {
    if (key === this.#last) {
      this.#pending++;
      return;
    }
    this.#settle();
    this.#last = key;
    this.#pending = 1;
  }
  get counts(): Map<K, number> {
    this.#settle();
    return this.#counts;
  }
  #settle(): void {
    if (this.#pending === 0) return;
    const key = this.#last as K;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + this.#pending);
    this.#pending = 0;
  }
}

interface ToolTally {
  records: number;
  attempts: number;
  completed: number;
  failed: number;
  durations: DurationSeries;
}

interface ModelTally {
  provider: string | null;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  durations: DurationSeries;
}

/** Reads every source once and returns the figures. */
export async function trailStats(
  sources: readonly TrailSource[],
  options: StatsOptions = {},
): Promise<TrailStats> {
  const reader = compileFieldReader(KEYS);
  const fields: FieldValues = {};
  const types = new Tally<string>();
  const severities = new Tally<string>();
  const agents = new Tally<string | null>();
  const sessions = new Tally<string | null>();
  const sessionTurns = new Tally<string | null>();
  const tools = new Map<string, ToolTally>();
  const models = new Map<string, ModelTally>();
  const tornLines: TornLine[] = [];
  const series = () => new DurationSeries(options.exactSamples);
  let bytes = 0;
  let records = 0;
  let blankLines = 0;
  let firstTimestamp: string | null = null;
  let lastChunk: Buffer | null = null;
  let lastStart = 0;
  let lastEnd = 0;
  let started = 0;
  let ended = 0;
  const dropped = { marks: 0, events: 0, bytes: 0 };
  let text = '';
  let textOf: Buffer | null = null;

  const count = () => {
    const type = fields.event_type as string;
    records++;
    types.add(type);
    severities.add(typeof fields.severity === 'string' ? fields.severity : String(fields.severity));
    const agent = typeof fields.agent_id === 'string' ? fields.agent_id : null;
    agents.add(agent);
    const session = typeof fields.session_id === 'string' ? fields.session_id : null;
    sessions.add(session);
    const duration = typeof fields.duration_ms === 'number' ? fields.duration_ms : null;
    switch (type) {
      case 'turn_start':
        started++;
        sessionTurns.add(session);
        break;
      case 'turn_end':
        ended++;
        break;
      case 'events_dropped':
        dropped.marks++;
        if (typeof fields.dropped_events === 'number') dropped.events += fields.dropped_events;
        if (typeof fields.dropped_bytes === 'number') dropped.bytes += fields.dropped_bytes;
        break;
      case 'model_call': {
        const name = typeof fields.model === 'string' ? fields.model : '';
        let model = models.get(name);
        if (model === undefined) {
          model = { provider: null, calls: 0, inputTokens: 0, outputTokens: 0, durations: series() };
          models.set(name, model);
        }
        model.calls++;
        if (typeof fields.provider === 'string' && fields.provider !== '') model.provider = fields.provider;
        if (typeof fields.input_tokens === 'number') model.inputTokens += fields.input_tokens;
        if (typeof fields.output_tokens === 'number') model.outputTokens += fields.output_tokens;
        if (duration !== null) model.durations.add(duration);
        break;
      }
    }
    const toolName = fields.tool_name;
    if (typeof toolName !== 'string') return;
    let tool = tools.get(toolName);
    if (tool === undefined) {
      tool = { records: 0, attempts: 0, completed: 0, failed: 0, durations: series() };
      tools.set(toolName, tool);
    }
    tool.records++;
    if (type === 'tool_call_attempt') tool.attempts++;
    else if (type === 'tool_call_complete' || type === 'tool_call_failure') {
      if (type === 'tool_call_complete') tool.completed++;
      else tool.failed++;
      if (duration !== null) tool.durations.add(duration);
    }
  };

  const visitor: LineVisitor = {
    line(chunk, start, end, cursor) {
      bytes += end - start + 1;
      if (chunk !== textOf) {
        textOf = chunk;
        text = chunk.toString('latin1');
      }
      if (!reader.read(chunk, text, start, end, fields)) {
        if (isBlank(chunk, start, end)) {
          blankLines++;
          return;
        }
        const record = parseLine(chunk, start, end);
        if (typeof record === 'string') throw notARecord(cursor, record);
        fieldsOfRecord(record, KEYS, fields);
      }
      count();
      if (records === 1) firstTimestamp = timestampOf(chunk, start, end);
      lastChunk = chunk;
      lastStart = start;
      lastEnd = end;
    },
    torn(torn, cursor) {
      const problem = notACutRecord(torn);
      if (problem !== null) throw notARecord(cursor, problem);
      bytes += torn.length;
      const line = { source: cursor.source.name, line: cursor.line, bytes: torn.length };
      tornLines.push(line);
      options.onTorn?.(line);
    },
  };
  await scanLines(sources, visitor, options);
  const lastTimestamp = lastChunk === null ? null : timestampOf(lastChunk, lastStart, lastEnd);

  const text_ = (value: string) => fromByteString(value);
  const nullableText = (value: string | null) => (value === null ? null : text_(value));
  const sorted = <K>(tally: Tally<K>) => [...tally.counts].sort((a, b) => b[1] - a[1] || compare(a[0], b[0]));
  return {
    sources: sources.map((source) => source.name),
    bytes,
    records,
    blankLines,
    tornLines,
    firstTimestamp,
    lastTimestamp,
    types: sorted(types).map(([type, n]) => ({ type: text_(type), records: n })),
    severities: sorted(severities).map(([severity, n]) => ({ severity: text_(severity), records: n })),
    agents: sorted(agents).map(([agent, n]) => ({ agent: nullableText(agent), records: n })),
    sessions: sorted(sessions).map(([session, n]) => ({
      session: nullableText(session),
      records: n,
      turns: sessionTurns.counts.get(session) ?? 0,
    })),
    turns: { started, ended },
    tools: [...tools]
      .sort((a, b) => b[1].records - a[1].records || compare(a[0], b[0]))
      .map(([tool, t]) => ({
        tool: text_(tool),
        records: t.records,
        attempts: t.attempts,
        completed: t.completed,
        failed: t.failed,
        failureRate: t.completed + t.failed === 0 ? null : t.failed / (t.completed + t.failed),
        durationMs: t.durations.summary(),
      })),
    models: [...models]
      .sort((a, b) => b[1].calls - a[1].calls || compare(a[0], b[0]))
      .map(([model, m]) => ({
        model: text_(model),
        provider: nullableText(m.provider),
        calls: m.calls,
        inputTokens: m.inputTokens,
        outputTokens: m.outputTokens,
        durationMs: m.durations.summary(),
      })),
    dropped,
  };
}

function timestampOf(chunk: Buffer, start: number, end: number): string | null {
  const record = parseLine(chunk, start, end);
  return typeof record !== 'string' && typeof record.timestamp === 'string' ? record.timestamp : null;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return String(a) < String(b) ? -1 : 1;
}
