/**
 * The data the report page is drawn from, embedded in it as JSON: the run model reduced to
 * what the page shows, with times in milliseconds from the trail's first moment (short
 * numbers, and no time zone arithmetic in the page).
 */
import { formatTimestamp } from 'calute-audit';
import type { ModelCall, Note, RunModel, Session, ToolCall, Turn } from '../runs/run-model.js';
import { DurationSeries } from '../stats/durations.js';

export interface ReportItem {
  readonly kind: 'tool' | 'model' | 'note';
  /** The record types it stands for (a tool call: its attempt's and its outcome's). */
  readonly types: readonly string[];
  readonly name: string;
  readonly agent: string | null;
  /** Milliseconds from the report's origin; null when unknown. */
  readonly start: number | null;
  readonly end: number | null;
  readonly durationMs: number | null;
  /** `ok`, `failed`, `pending`, `warning`, `info`: what color the item gets. */
  readonly state: 'ok' | 'failed' | 'pending' | 'warning' | 'info';
  /** One line: the outcome, the tokens, the verdict. */
  readonly summary: string;
  /** Label → text: previews, messages, ids. */
  readonly details: readonly (readonly [string, string])[];
  readonly at: string | null;
}

export interface ReportTurn {
  readonly id: string | null;
  readonly agent: string | null;
  readonly start: number | null;
  readonly end: number | null;
  readonly ended: boolean;
  readonly prompt: string | null;
  readonly content: string | null;
  readonly types: readonly string[];
  readonly items: readonly ReportItem[];
}

export interface ReportSession {
  readonly id: string | null;
  readonly start: number | null;
  readonly end: number | null;
  readonly agents: readonly string[];
  readonly turns: readonly ReportTurn[];
}

export interface ReportProblem {
  readonly kind: string;
  readonly severity: 'error' | 'warning';
  readonly time: number | null;
  readonly session: string | null;
  readonly turn: string | null;
  readonly agent: string | null;
  readonly tool: string | null;
  readonly title: string;
  readonly message: string;
  readonly context: readonly (readonly [string, string])[];
  readonly at: string | null;
}

export interface ToolLatency {
  readonly tool: string;
  readonly calls: number;
  readonly failed: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

export interface ReportData {
  readonly title: string;
  readonly sources: readonly string[];
  /** The origin of every time, as a record timestamp. */
  readonly origin: string | null;
  readonly records: number;
  readonly tornLines: number;
  readonly counts: {
    readonly sessions: number;
    readonly turns: number;
    readonly toolCalls: number;
    readonly modelCalls: number;
    readonly failedToolCalls: number;
    readonly errors: number;
  };
  readonly agents: readonly string[];
  readonly tools: readonly string[];
  readonly types: readonly string[];
  readonly sessions: readonly ReportSession[];
  readonly latency: readonly ToolLatency[];
  readonly problems: readonly ReportProblem[];
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

export function reportData(model: RunModel, title: string): ReportData {
  const origin = earliest(model);
  const ms = (micros: number | null) =>
    micros === null || origin === null ? null : (micros - origin) / 1000;
  const latency = new Map<string, { series: DurationSeries; calls: number; failed: number }>();
  const problems: ReportProblem[] = [];
  const agents = new Set<string>();
  const types = new Set<string>();
  let turns = 0;
  let toolCalls = 0;
  let modelCalls = 0;
  let failedToolCalls = 0;
  let errors = 0;

  const sessions = model.sessions.map((session): ReportSession => {
    const allTurns = [...session.turns, ...(session.loose ? [session.loose] : [])];
    for (const agent of session.agents) agents.add(agent);
    return {
      id: session.sessionId,
      start: ms(session.start),
      end: ms(session.end),
      agents: session.agents,
      turns: allTurns.map((turn): ReportTurn => {
        if (turn.turnId !== null) turns++;
        const items: ReportItem[] = [];
        for (const call of turn.toolCalls) {
          toolCalls++;
          let tool = latency.get(call.toolName);
          if (tool === undefined) {
            tool = { series: new DurationSeries(), calls: 0, failed: 0 };
            latency.set(call.toolName, tool);
          }
          tool.calls++;
          if (call.durationMs !== null) tool.series.add(call.durationMs);
          if (call.outcome === 'failure') {
            failedToolCalls++;
            tool.failed++;
            problems.push(toolProblem(call, turn, session, ms));
          }
          items.push(toolItem(call, ms));
        }
        for (const call of turn.modelCalls) {
          modelCalls++;
          items.push(modelItem(call, ms));
        }
        for (const note of turn.notes) {
          if (note.severity === 'error') errors++;
          if (note.severity === 'error' || note.severity === 'warning') {
            problems.push(noteProblem(note, turn, session, ms));
          }
          items.push(noteItem(note, ms));
        }
        items.sort((a, b) => (a.start ?? Infinity) - (b.start ?? Infinity));
        const turnTypes = [
          ...(turn.started ? ['turn_start'] : []),
          ...(turn.ended ? ['turn_end'] : []),
          ...items.flatMap((item) => item.types),
        ];
        for (const type of turnTypes) types.add(type);
        return {
          id: turn.turnId,
          agent: turn.agentId,
          start: ms(turn.start),
          end: ms(turn.end),
          ended: turn.ended,
          prompt: turn.prompt,
          content: turn.content,
          types: sorted(turnTypes),
          items,
        };
      }),
    };
  });
  problems.sort((a, b) => (a.time ?? Infinity) - (b.time ?? Infinity));
  return {
    title,
    sources: model.sources,
    origin: origin === null ? null : formatTimestamp(origin),
    records: model.records,
    tornLines: model.tornLines.length,
    counts: {
      sessions: model.sessions.length,
      turns,
      toolCalls,
      modelCalls,
      failedToolCalls,
      errors,
    },
    agents: sorted(agents),
    tools: sorted(latency.keys()),
    types: sorted(types),
    sessions,
    latency: [...latency]
      .map(([tool, { series, calls, failed }]) => {
        const summary = series.summary();
        return {
          tool,
          calls,
          failed,
          p50: summary?.p50 ?? null,
          p95: summary?.p95 ?? null,
          p99: summary?.p99 ?? null,
          max: summary?.max ?? null,
        };
      })
      .sort((a, b) => (b.p95 ?? -1) - (a.p95 ?? -1) || (a.tool < b.tool ? -1 : 1)),
    problems,
  };
}

function earliest(model: RunModel): number | null {
  let first: number | null = null;
  for (const session of model.sessions) {
    if (session.start !== null && (first === null || session.start < first)) first = session.start;
  }
  return first;
}

type ToMs = (micros: number | null) => number | null;

const pairs = (entries: [string, string | null | undefined][]) =>
  entries.filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '');

function toolItem(call: ToolCall, ms: ToMs): ReportItem {
  const failed = call.outcome === 'failure';
  const summary = failed
    ? `failed: ${[call.errorType, call.errorMessage].filter(Boolean).join(': ')}`
    : call.outcome === 'pending'
      ? 'no outcome recorded'
      : (call.status ?? 'success');
  return {
    kind: 'tool',
    types: [
      ...(call.attemptAt !== null ? ['tool_call_attempt'] : []),
      ...(call.outcome === 'complete' ? ['tool_call_complete'] : failed ? ['tool_call_failure'] : []),
    ],
    name: call.toolName,
    agent: call.agentId,
    start: ms(call.start),
    end: ms(call.end),
    durationMs: call.durationMs,
    state: failed
      ? 'failed'
      : call.outcome === 'pending'
        ? 'pending'
        : call.status === 'success' || call.status === null
          ? 'ok'
          : 'warning',
    summary,
    details: pairs([
      ['arguments', call.argumentsPreview],
      ['result', call.resultPreview],
      ['error', failed ? [call.errorType, call.errorMessage].filter(Boolean).join(': ') : null],
      ['tool call id', call.toolCallId],
      ['paired by', call.pairedBy === 'none' ? null : call.pairedBy === 'id' ? 'tool_call_id' : 'order'],
      ['attempt', call.attemptAt],
      ['outcome', call.outcomeAt],
    ]),
    at: call.outcomeAt ?? call.attemptAt,
  };
}

function modelItem(call: ModelCall, ms: ToMs): ReportItem {
  const tokens =
    call.inputTokens !== null || call.outputTokens !== null
      ? `${call.inputTokens ?? '?'} in / ${call.outputTokens ?? '?'} out tokens`
      : null;
  return {
    kind: 'model',
    types: ['model_call'],
    name: call.provider ? `${call.provider}/${call.model}` : call.model,
    agent: call.agentId,
    start: ms(call.start),
    end: ms(call.end),
    durationMs: call.durationMs,
    state: 'ok',
    summary: [tokens, call.finishReason].filter(Boolean).join(', '),
    details: pairs([
      ['response model', call.responseModel],
      ['cached input tokens', call.cachedInputTokens?.toString()],
      ['reasoning tokens', call.reasoningTokens?.toString()],
      ['tool calls requested', call.toolCallCount?.toString()],
      ['input', call.inputPreview],
      ['output', call.outputPreview],
    ]),
    at: call.at,
  };
}

function fieldText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function noteItem(note: Note, ms: ToMs): ReportItem {
  const fields = Object.entries(note.fields).filter(([, value]) => value !== '' && value !== null);
  const shown = fields.filter(([key]) => key !== 'tool_name');
  return {
    kind: 'note',
    types: [note.type],
    name: note.type,
    agent: note.agentId,
    start: ms(note.time),
    end: ms(note.time),
    durationMs: null,
    state: note.severity === 'error' ? 'failed' : note.severity === 'warning' ? 'warning' : 'info',
    summary: [
      ...(note.toolName ? [note.toolName] : []),
      ...shown.slice(0, 3).map(([key, value]) => `${key}=${fieldText(value)}`),
    ].join(' '),
    details: fields.map(([key, value]) => [key, fieldText(value)] as const),
    at: note.at,
  };
}

function toolProblem(call: ToolCall, turn: Turn, session: Session, ms: ToMs): ReportProblem {
  return {
    kind: 'tool_call_failure',
    severity: 'error',
    time: ms(call.end),
    session: session.sessionId,
    turn: turn.turnId,
    agent: call.agentId ?? turn.agentId,
    tool: call.toolName,
    title: `${call.toolName} failed${call.errorType ? `: ${call.errorType}` : ''}`,
    message: call.errorMessage ?? '',
    context: pairs([
      ['arguments', call.argumentsPreview],
      ['turn prompt', turn.prompt],
    ]),
    at: call.outcomeAt,
  };
}

function noteProblem(note: Note, turn: Turn, session: Session, ms: ToMs): ReportProblem {
  const message = note.fields.error_message ?? note.fields.pattern ?? '';
  return {
    kind: note.type,
    severity: note.severity === 'error' ? 'error' : 'warning',
    time: ms(note.time),
    session: session.sessionId,
    turn: turn.turnId,
    agent: note.agentId ?? turn.agentId,
    tool: note.toolName,
    title: `${note.type}${typeof note.fields.error_type === 'string' && note.fields.error_type ? `: ${note.fields.error_type}` : note.toolName ? `: ${note.toolName}` : ''}`,
    message: fieldText(message),
    context: pairs([
      ['context', typeof note.fields.error_context === 'string' ? note.fields.error_context : null],
      ...Object.entries(note.fields)
        .filter(([key]) => !['error_type', 'error_message', 'error_context', 'tool_name'].includes(key))
        .map(([key, value]): [string, string] => [key, fieldText(value)]),
      ['turn prompt', turn.prompt],
    ]),
    at: note.at,
  };
}
