/**
 * The shape `turns` and `report` show a trail in: sessions, their turns, and in each turn
 * its tool calls (an attempt with its outcome), its model calls and its other records
 * ("notes": policy verdicts, errors, loop warnings, custom events...). Times are epoch
 * microseconds; `at` is `file:line` of the record, for the reader to find it.
 */

export interface ToolCall {
  readonly toolName: string;
  readonly toolCallId: string | null;
  readonly agentId: string | null;
  /** The attempt's time, or the outcome's less its duration; null when neither is known. */
  start: number | null;
  /** The outcome's time; null while no outcome was recorded. */
  end: number | null;
  durationMs: number | null;
  /** `complete` and `failure` are the outcome's record types; `pending`: an attempt with no outcome. */
  outcome: 'complete' | 'failure' | 'pending';
  /** The completion's `status` (`success` unless the tool said otherwise). */
  status: string | null;
  errorType: string | null;
  errorMessage: string | null;
  argumentsPreview: string | null;
  resultPreview: string | null;
  /** How it was paired: by `tool_call_id`, by order (no id), or not at all (one record only). */
  pairedBy: 'id' | 'order' | 'none';
  attemptAt: string | null;
  outcomeAt: string | null;
}

export interface ModelCall {
  readonly agentId: string | null;
  readonly provider: string | null;
  readonly model: string;
  readonly responseModel: string | null;
  readonly operation: string | null;
  readonly start: number | null;
  readonly end: number | null;
  readonly durationMs: number | null;
  readonly inputTokens: number | null;
  readonly outputTokens: number | null;
  readonly cachedInputTokens: number | null;
  readonly reasoningTokens: number | null;
  readonly toolCallCount: number | null;
  readonly finishReason: string | null;
  readonly inputPreview: string | null;
  readonly outputPreview: string | null;
  readonly at: string;
}

export interface Note {
  readonly type: string;
  readonly severity: string;
  readonly time: number | null;
  readonly agentId: string | null;
  readonly toolName: string | null;
  /** The record's own fields (after the envelope), as read. */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly at: string;
}

export interface Turn {
  /** null for the records of a session that carry no turn id. */
  readonly turnId: string | null;
  agentId: string | null;
  readonly sessionId: string | null;
  /** `turn_start`'s time, else the earliest time in the turn. */
  start: number | null;
  /** `turn_end`'s time, else the latest time in the turn. */
  end: number | null;
  started: boolean;
  ended: boolean;
  prompt: string | null;
  content: string | null;
  functionCallsCount: number | null;
  readonly toolCalls: ToolCall[];
  readonly modelCalls: ModelCall[];
  readonly notes: Note[];
  records: number;
}

export interface Session {
  readonly sessionId: string | null;
  start: number | null;
  end: number | null;
  readonly agents: string[];
  /** In the order their first record appears. */
  readonly turns: Turn[];
  /** The records with no turn id, when there are any. */
  loose: Turn | null;
  records: number;
}

export interface RunModel {
  readonly sources: readonly string[];
  readonly sessions: Session[];
  records: number;
  readonly tornLines: { source: string; line: number | null; bytes: number }[];
}
