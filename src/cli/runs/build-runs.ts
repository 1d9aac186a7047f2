/**
 * Builds the run model (run-model.ts) from records in reading order: records go to their
 * session and turn, tool call records are paired (tool-call-pairing.ts), model calls get
 * their start from their end less their duration, and everything else becomes a note.
 */

import type { TrailSource } from '../input/sources.js';
import { numberField, ownFields, stringField } from '../record/own-fields.js';
import type { ReadRecord } from '../record/parse-line.js';
import { type ReadOptions, readRecords, type TornLine } from '../record/read-records.js';
import { parseTimestamp } from '../record/timestamps.js';
import type { ModelCall, RunModel, Session, Turn } from './run-model.js';
import { ToolCallPairing } from './tool-call-pairing.js';

interface TurnState {
  readonly turn: Turn;
  readonly pairing: ToolCallPairing;
}

export class RunBuilder {
  readonly #sessions = new Map<string | null, Session>();
  readonly #turns = new Map<Session, Map<string | null, TurnState>>();
  readonly model: RunModel;

  constructor(sources: readonly string[]) {
    this.model = { sources, sessions: [], records: 0, tornLines: [] };
  }

  torn(torn: TornLine): void {
    this.model.tornLines.push({ ...torn });
  }

  /** Adds one record; `at` is where it was read (`file:line`). */
  add(record: ReadRecord, at: string): void {
    this.model.records++;
    const time = parseTimestamp(record.timestamp);
    const agentId = stringField(record, 'agent_id');
    const session = this.#session(stringField(record, 'session_id'));
    session.records++;
    if (agentId !== null && !session.agents.includes(agentId)) session.agents.push(agentId);
    const { turn, pairing } = this.#turn(session, stringField(record, 'turn_id'));
    turn.records++;
    if (turn.agentId === null) turn.agentId = agentId;
    switch (record.event_type) {
      case 'turn_start':
        turn.started = true;
        turn.start = time;
        turn.prompt = stringField(record, 'prompt_preview');
        break;
      case 'turn_end':
        turn.ended = true;
        turn.end = time;
        turn.content = stringField(record, 'content_preview');
        turn.functionCallsCount = numberField(record, 'function_calls_count');
        break;
      case 'tool_call_attempt':
        pairing.attempt(record, at);
        break;
      case 'tool_call_complete':
      case 'tool_call_failure':
        pairing.outcome(record, at);
        break;
      case 'model_call':
        turn.modelCalls.push(modelCall(record, time, at));
        break;
      default:
        turn.notes.push({
          type: record.event_type,
          severity: typeof record.severity === 'string' ? record.severity : 'info',
          time,
          agentId,
          toolName: stringField(record, 'tool_name'),
          fields: Object.fromEntries(ownFields(record)),
          at,
        });
    }
    widen(turn, time, time);
    widen(session, time, time);
  }

  /** The model, with each turn's span covering its calls. */
  finish(): RunModel {
    for (const session of this.model.sessions) {
      for (const turn of [...session.turns, ...(session.loose ? [session.loose] : [])]) {
        for (const call of [...turn.toolCalls, ...turn.modelCalls]) {
          if (!turn.started) widen(turn, call.start, call.start);
          if (!turn.ended) widen(turn, call.end, call.end);
          widen(session, call.start, call.end);
        }
      }
    }
    return this.model;
  }

  #session(sessionId: string | null): Session {
    let session = this.#sessions.get(sessionId);
    if (session === undefined) {
      session = { sessionId, start: null, end: null, agents: [], turns: [], loose: null, records: 0 };
      this.#sessions.set(sessionId, session);
      this.#turns.set(session, new Map());
      this.model.sessions.push(session);
    }
    return session;
  }

  #turn(session: Session, turnId: string | null): TurnState {
    const turns = this.#turns.get(session)!;
    let state = turns.get(turnId);
    if (state === undefined) {
      const turn: Turn = {
        turnId,
        agentId: null,
        sessionId: session.sessionId,
        start: null,
        end: null,
        started: false,
        ended: false,
        prompt: null,
        content: null,
        functionCallsCount: null,
        toolCalls: [],
        modelCalls: [],
        notes: [],
        records: 0,
      };
      state = { turn, pairing: new ToolCallPairing(turn.toolCalls) };
      turns.set(turnId, state);
      if (turnId === null) session.loose = turn;
      else session.turns.push(turn);
    }
    return state;
  }
}

/** Stretches `span` to cover `[from, to]`; a turn's recorded start or end is kept as it is. */
function widen(
  span: { start: number | null; end: number | null; started?: boolean; ended?: boolean },
  from: number | null,
  to: number | null,
): void {
  if (from !== null && span.started !== true && (span.start === null || from < span.start)) span.start = from;
  if (to !== null && span.ended !== true && (span.end === null || to > span.end)) span.end = to;
}

function modelCall(record: ReadRecord, end: number | null, at: string): ModelCall {
  const durationMs = numberField(record, 'duration_ms');
  return {
    agentId: stringField(record, 'agent_id'),
    provider: stringField(record, 'provider'),
    model: stringField(record, 'model') ?? '',
    responseModel: stringField(record, 'response_model'),
    operation: stringField(record, 'operation'),
    start: end !== null && durationMs !== null ? end - Math.round(durationMs * 1000) : end,
    end,
    durationMs,
    inputTokens: numberField(record, 'input_tokens'),
    outputTokens: numberField(record, 'output_tokens'),
    cachedInputTokens: numberField(record, 'cached_input_tokens'),
    reasoningTokens: numberField(record, 'reasoning_tokens'),
    toolCallCount: numberField(record, 'tool_call_count'),
    finishReason: stringField(record, 'finish_reason'),
    inputPreview: stringField(record, 'input_preview'),
    outputPreview: stringField(record, 'output_preview'),
    at,
  };
}

/** Reads the sources into a run model. */
export async function readRuns(
  sources: readonly TrailSource[],
  options: ReadOptions = {},
): Promise<RunModel> {
  const builder = new RunBuilder(sources.map((source) => source.name));
  await readRecords(
    sources,
    (record, _chunk, _start, _end, cursor) => {
      builder.add(record, `${cursor.source.name}:${cursor.line}`);
    },
    {
      ...options,
      onTorn: (torn) => {
        builder.torn(torn);
        options.onTorn?.(torn);
      },
    },
  );
  return builder.finish();
}
