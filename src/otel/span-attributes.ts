/**
 * The attributes of the spans a trail becomes: GenAI convention names (semconv.ts) beside
 * the reference's (reference-names.ts), read from the records' snake_case keys. Content
 * (previews) only when `withContent`, as the conventions' "opt-in" requires.
 */
import type { AuditRecord } from 'calute-audit';
import { type Attributes, putAttribute } from './attributes.js';
import { REFERENCE } from './reference-names.js';
import { ERROR_TYPE, ERROR_TYPE_OTHER, GEN_AI, OPERATION } from './semconv.js';

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * One text message as the conventions' input/output message schema has it
 * (gen-ai-input-messages.json, gen-ai-output-messages.json), as a JSON string: spans in
 * JavaScript take no structured attribute values yet, which the conventions allow.
 */
function messages(role: string, text: string | undefined, finishReason?: string): string | undefined {
  if (text === undefined) return undefined;
  const message: Record<string, unknown> = { role, parts: [{ type: 'text', content: text }] };
  if (finishReason !== undefined) message.finish_reason = finishReason;
  return JSON.stringify([message]);
}

/** `invoke_agent` span of a `turn_start`. */
export function turnStartAttributes(
  record: AuditRecord,
  serviceName: string,
  withContent: boolean,
): Attributes {
  const attributes: Attributes = { [GEN_AI.operationName]: OPERATION.invokeAgent };
  const agent = nonEmpty(record.agent_id);
  putAttribute(attributes, GEN_AI.agentId, agent);
  putAttribute(attributes, GEN_AI.agentName, agent);
  putAttribute(attributes, GEN_AI.conversationId, nonEmpty(record.session_id));
  putAttribute(attributes, REFERENCE.turnId, record.turn_id);
  putAttribute(attributes, REFERENCE.agentId, record.agent_id);
  putAttribute(attributes, REFERENCE.sessionId, record.session_id);
  putAttribute(attributes, REFERENCE.serviceName, serviceName);
  if (withContent) {
    putAttribute(attributes, REFERENCE.promptPreview, record.prompt_preview);
    putAttribute(attributes, GEN_AI.inputMessages, messages('user', nonEmpty(record.prompt_preview)));
  }
  return attributes;
}

/** Set on the turn span by its `turn_end`. */
export function turnEndAttributes(record: AuditRecord, withContent: boolean): Attributes {
  const attributes: Attributes = {};
  putAttribute(attributes, REFERENCE.functionCallsCount, record.function_calls_count);
  if (withContent) {
    // The turn ended with this answer: "stop" is the conventions' reason for a natural end.
    putAttribute(
      attributes,
      GEN_AI.outputMessages,
      messages('assistant', nonEmpty(record.content_preview), 'stop'),
    );
  }
  return attributes;
}

/** `execute_tool` span, from the attempt (or from the outcome when no attempt was seen). */
export function toolSpanAttributes(record: AuditRecord, withContent: boolean): Attributes {
  const attributes: Attributes = {
    [GEN_AI.operationName]: OPERATION.executeTool,
    [GEN_AI.toolName]: String(record.tool_name ?? ''),
  };
  putAttribute(attributes, GEN_AI.toolCallId, nonEmpty(record.tool_call_id));
  if (withContent) putAttribute(attributes, GEN_AI.toolCallArguments, nonEmpty(record.arguments_preview));
  return attributes;
}

/** Set on the `execute_tool` span by its `tool_call_complete` or `tool_call_failure`. */
export function toolOutcomeAttributes(record: AuditRecord, withContent: boolean): Attributes {
  const attributes: Attributes = {};
  putAttribute(attributes, GEN_AI.toolCallId, nonEmpty(record.tool_call_id));
  if (record.event_type === 'tool_call_failure') {
    attributes[ERROR_TYPE] = toolErrorType(record);
  } else if (withContent) {
    putAttribute(attributes, GEN_AI.toolCallResult, nonEmpty(record.result_preview));
  }
  return attributes;
}

/** `error.type` of a failed tool call: the record's `error_type`, else `_OTHER`. */
export const toolErrorType = (record: AuditRecord): string => nonEmpty(record.error_type) ?? ERROR_TYPE_OTHER;

/** The provider a `model_call` names, if any. */
export const providerOf = (record: AuditRecord): string | undefined => nonEmpty(record.provider);

/** The operation of a `model_call` (`chat` unless it says otherwise). */
export const operationOf = (record: AuditRecord): string => nonEmpty(record.operation) ?? OPERATION.chat;

/** Inference span of a `model_call`. */
export function modelCallAttributes(record: AuditRecord, withContent: boolean): Attributes {
  const attributes: Attributes = { [GEN_AI.operationName]: operationOf(record) };
  putAttribute(attributes, GEN_AI.providerName, providerOf(record));
  putAttribute(attributes, GEN_AI.requestModel, nonEmpty(record.model));
  putAttribute(attributes, GEN_AI.conversationId, nonEmpty(record.session_id));
  putAttribute(attributes, GEN_AI.responseModel, nonEmpty(record.response_model));
  putAttribute(attributes, GEN_AI.responseId, nonEmpty(record.response_id));
  const finish = nonEmpty(record.finish_reason);
  if (finish !== undefined) attributes[GEN_AI.responseFinishReasons] = [finish];
  for (const [key, name] of [
    ['input_tokens', GEN_AI.usageInputTokens],
    ['output_tokens', GEN_AI.usageOutputTokens],
    ['cached_input_tokens', GEN_AI.usageCacheReadInputTokens],
    ['reasoning_tokens', GEN_AI.usageReasoningOutputTokens],
  ] as const) {
    if (typeof record[key] === 'number') attributes[name] = record[key];
  }
  if (withContent) {
    putAttribute(attributes, GEN_AI.inputMessages, messages('user', nonEmpty(record.input_preview)));
    putAttribute(
      attributes,
      GEN_AI.outputMessages,
      messages('assistant', nonEmpty(record.output_preview), finish ?? ''),
    );
  }
  return attributes;
}
