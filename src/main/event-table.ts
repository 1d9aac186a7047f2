/**
 * The built-in event types: the one table every part of the package that knows fields is
 * made from (record writers, constructors and their checks, the emitter's methods and
 * defaults, `toDict()`, the OpenTelemetry mapping and the command line).
 *
 * The first fifteen are the reference's (`spec/reference.md` of the Calute audit package),
 * with its keys, order and defaults: records built from them are byte-identical to the
 * reference's. Fields marked `optional` are this package's additions; their keys appear in
 * a record only when a value is given. Record keys are the property names in snake_case.
 */
import type { FieldMap, Severity } from './event-definition.js';

export interface BuiltinEvent {
  readonly className: string;
  readonly severity: Severity;
  readonly fields: FieldMap;
  /** The emitter method that builds this event, and what it returns. */
  readonly emitter?: { readonly method: string; readonly returns?: 'turnId' | 'toolCallId' };
}

const toolCallId = { kind: 'string', optional: true } as const;

export const BUILTIN_EVENTS = {
  turn_start: {
    className: 'TurnStartEvent',
    severity: 'info',
    fields: {
      promptPreview: { kind: 'string', arg: 'prompt', preview: true, content: true },
    },
    emitter: { method: 'emitTurnStart', returns: 'turnId' },
  },
  turn_end: {
    className: 'TurnEndEvent',
    severity: 'info',
    fields: {
      contentPreview: { kind: 'string', arg: 'content', preview: true, content: true },
      functionCallsCount: { kind: 'number', arg: 'fcCount' },
    },
    emitter: { method: 'emitTurnEnd' },
  },
  tool_call_attempt: {
    className: 'ToolCallAttemptEvent',
    severity: 'info',
    fields: {
      toolName: { kind: 'string', required: true },
      argumentsPreview: { kind: 'string', arg: 'args', preview: true, content: true },
      toolCallId,
    },
    emitter: { method: 'emitToolCallAttempt', returns: 'toolCallId' },
  },
  tool_call_complete: {
    className: 'ToolCallCompleteEvent',
    severity: 'info',
    fields: {
      toolName: { kind: 'string', required: true },
      status: { kind: 'string', default: 'success' },
      durationMs: { kind: 'number' },
      resultPreview: { kind: 'string', arg: 'result', preview: true, content: true },
      toolCallId,
    },
    emitter: { method: 'emitToolCallComplete' },
  },
  tool_call_failure: {
    className: 'ToolCallFailureEvent',
    severity: 'error',
    fields: {
      toolName: { kind: 'string', required: true },
      errorType: { kind: 'string' },
      errorMessage: { kind: 'string', arg: 'errorMsg', content: true },
      toolCallId,
      durationMs: { kind: 'number', optional: true },
    },
    emitter: { method: 'emitToolCallFailure' },
  },
  tool_policy_decision: {
    className: 'ToolPolicyDecisionEvent',
    severity: 'info',
    fields: {
      toolName: { kind: 'string', required: true },
      action: { kind: 'string' },
      policySource: { kind: 'string', arg: 'source' },
      toolCallId,
    },
    emitter: { method: 'emitToolPolicyDecision' },
  },
  sandbox_decision: {
    className: 'SandboxDecisionEvent',
    severity: 'info',
    fields: {
      toolName: { kind: 'string', required: true },
      context: { kind: 'string' },
      reason: { kind: 'string' },
      backendType: { kind: 'string' },
      toolCallId,
    },
    emitter: { method: 'emitSandboxDecision' },
  },
  tool_loop_warning: {
    className: 'ToolLoopWarningEvent',
    severity: 'warning',
    fields: {
      toolName: { kind: 'string', required: true },
      pattern: { kind: 'string' },
      // The emitter's `severity` is the loop detector's level; the event's own stays "warning".
      severityLevel: { kind: 'string', arg: 'severity', argDefault: 'warning' },
      callCount: { kind: 'number', arg: 'count' },
    },
    emitter: { method: 'emitToolLoopWarning' },
  },
  tool_loop_block: {
    className: 'ToolLoopBlockEvent',
    severity: 'error',
    fields: {
      toolName: { kind: 'string', required: true },
      pattern: { kind: 'string' },
      callCount: { kind: 'number', arg: 'count' },
    },
    emitter: { method: 'emitToolLoopBlock' },
  },
  hook_mutation: {
    className: 'HookMutationEvent',
    severity: 'info',
    fields: {
      hookName: { kind: 'string', required: true },
      toolName: { kind: 'string' },
      mutatedField: { kind: 'string', arg: 'field' },
    },
    emitter: { method: 'emitHookMutation' },
  },
  error: {
    className: 'ErrorEvent',
    severity: 'error',
    fields: {
      errorType: { kind: 'string' },
      errorMessage: { kind: 'string', arg: 'errorMsg', content: true },
      errorContext: { kind: 'string', arg: 'context', content: true },
    },
    emitter: { method: 'emitError' },
  },
  skill_used: {
    className: 'SkillUsedEvent',
    severity: 'info',
    fields: {
      skillName: { kind: 'string', required: true },
      version: { kind: 'string' },
      outcome: { kind: 'string', default: 'unknown' },
      durationMs: { kind: 'number' },
      triggeredAutomatically: { kind: 'boolean', default: true },
    },
    emitter: { method: 'emitSkillUsed' },
  },
  skill_authored: {
    className: 'SkillAuthoredEvent',
    severity: 'info',
    fields: {
      skillName: { kind: 'string', required: true },
      version: { kind: 'string' },
      sourcePath: { kind: 'string' },
      toolCount: { kind: 'number' },
      uniqueTools: { kind: 'stringArray' },
      confirmedByUser: { kind: 'boolean' },
    },
    emitter: { method: 'emitSkillAuthored' },
  },
  skill_feedback: {
    className: 'SkillFeedbackEvent',
    severity: 'info',
    fields: {
      skillName: { kind: 'string', required: true },
      rating: { kind: 'string', default: 'neutral' },
      reason: { kind: 'string' },
      source: { kind: 'string', default: 'user' },
    },
    emitter: { method: 'emitSkillFeedback' },
  },
  agent_switch: {
    className: 'AgentSwitchEvent',
    severity: 'info',
    fields: {
      fromAgent: { kind: 'string', required: true },
      toAgent: { kind: 'string', required: true },
      reason: { kind: 'string' },
    },
    emitter: { method: 'emitAgentSwitch' },
  },
  // Not in the reference: one call of a language model, named after the OpenTelemetry GenAI
  // conventions' attributes (provider, request and response model, token usage, finish reason).
  model_call: {
    className: 'ModelCallEvent',
    severity: 'info',
    fields: {
      provider: { kind: 'string' },
      model: { kind: 'string', required: true },
      operation: { kind: 'string', default: 'chat' },
      inputTokens: { kind: 'number', nullable: true, default: null },
      outputTokens: { kind: 'number', nullable: true, default: null },
      durationMs: { kind: 'number' },
      finishReason: { kind: 'string' },
      responseModel: { kind: 'string', optional: true },
      responseId: { kind: 'string', optional: true },
      cachedInputTokens: { kind: 'number', optional: true },
      reasoningTokens: { kind: 'number', optional: true },
      toolCallCount: { kind: 'number', optional: true },
      inputPreview: { kind: 'string', optional: true, arg: 'input', preview: true, content: true },
      outputPreview: { kind: 'string', optional: true, arg: 'output', preview: true, content: true },
    },
    emitter: { method: 'emitModelCall' },
  },
  // Not in the reference: written by a sink in 'drop' mode before the next record it keeps,
  // so that the trail itself says how many events were lost there.
  events_dropped: {
    className: 'EventsDroppedEvent',
    severity: 'warning',
    fields: {
      droppedEvents: { kind: 'number' },
      droppedBytes: { kind: 'number' },
    },
  },
} as const satisfies Record<string, BuiltinEvent>;

export type BuiltinEventTable = typeof BUILTIN_EVENTS;
export type BuiltinEventType = keyof BuiltinEventTable;
