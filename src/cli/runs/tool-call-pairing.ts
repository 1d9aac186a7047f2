/**
 * Pairs tool call attempts with their outcomes, within one turn. An outcome with a
 * `tool_call_id` takes the attempt with that id. An outcome without one, or whose id no
 * pending attempt has, takes the earliest pending attempt of the same tool (for an outcome
 * without id: any; for one with an id: one that has no id itself, so ids never cross).
 * An outcome no attempt is waiting for stands alone, and so does an attempt never answered.
 */
import { numberField, stringField } from '../record/own-fields.js';
import type { ReadRecord } from '../record/parse-line.js';
import { parseTimestamp } from '../record/timestamps.js';
import type { ToolCall } from './run-model.js';

export class ToolCallPairing {
  /** Attempts without an outcome yet, in order. */
  readonly #pending: ToolCall[] = [];

  constructor(private readonly calls: ToolCall[]) {}

  attempt(record: ReadRecord, at: string): void {
    const call: ToolCall = {
      toolName: stringField(record, 'tool_name') ?? '',
      toolCallId: stringField(record, 'tool_call_id'),
      agentId: stringField(record, 'agent_id'),
      start: parseTimestamp(record.timestamp),
      end: null,
      durationMs: null,
      outcome: 'pending',
      status: null,
      errorType: null,
      errorMessage: null,
      argumentsPreview: stringField(record, 'arguments_preview'),
      resultPreview: null,
      pairedBy: 'none',
      attemptAt: at,
      outcomeAt: null,
    };
    this.calls.push(call);
    this.#pending.push(call);
  }

  outcome(record: ReadRecord, at: string): void {
    const toolName = stringField(record, 'tool_name') ?? '';
    const id = stringField(record, 'tool_call_id');
    let index = id === null ? -1 : this.#pending.findIndex((call) => call.toolCallId === id);
    let pairedBy: ToolCall['pairedBy'] = 'id';
    if (index === -1) {
      pairedBy = 'order';
      index = this.#pending.findIndex(
        (call) => call.toolName === toolName && (id === null || call.toolCallId === null),
      );
    }
    let call: ToolCall;
    if (index === -1) {
      call = {
        toolName,
        toolCallId: id,
        agentId: stringField(record, 'agent_id'),
        start: null,
        end: null,
        durationMs: null,
        outcome: 'pending',
        status: null,
        errorType: null,
        errorMessage: null,
        argumentsPreview: null,
        resultPreview: null,
        pairedBy: 'none',
        attemptAt: null,
        outcomeAt: null,
      };
      this.calls.push(call);
    } else {
      call = this.#pending[index];
      this.#pending.splice(index, 1);
      call.pairedBy = pairedBy;
    }
    const failed = record.event_type === 'tool_call_failure';
    const end = parseTimestamp(record.timestamp);
    const durationMs = numberField(record, 'duration_ms');
    call.end = end;
    call.outcome = failed ? 'failure' : 'complete';
    call.outcomeAt = at;
    if (failed) {
      call.errorType = stringField(record, 'error_type');
      call.errorMessage = stringField(record, 'error_message');
    } else {
      call.status = stringField(record, 'status');
      call.resultPreview = stringField(record, 'result_preview');
    }
    if (durationMs !== null) {
      call.durationMs = durationMs;
      if (call.start === null && end !== null) call.start = end - Math.round(durationMs * 1000);
    } else if (call.start !== null && end !== null) {
      call.durationMs = (end - call.start) / 1000;
    }
  }
}
