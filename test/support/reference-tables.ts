/**
 * The Python reference's tables (from its specification, which is not part of this
 * repository), transcribed by hand so that tests compare the package against the
 * reference and not against its own field tables.
 */
import {
  AgentSwitchEvent,
  AuditEvent,
  ErrorEvent,
  HookMutationEvent,
  SandboxDecisionEvent,
  SkillAuthoredEvent,
  SkillFeedbackEvent,
  SkillUsedEvent,
  ToolCallAttemptEvent,
  ToolCallCompleteEvent,
  ToolCallFailureEvent,
  ToolLoopBlockEvent,
  ToolLoopWarningEvent,
  ToolPolicyDecisionEvent,
  TurnEndEvent,
  TurnStartEvent,
} from 'calute-audit';

export type EventClass = new (options?: Record<string, unknown>) => AuditEvent;

export interface ReferenceField {
  /** The key on disk. */
  key: string;
  /** The property and constructor option in code. */
  prop: string;
  /** The reference's default. */
  default: unknown;
  /** A value different from the default, of the same type. */
  sample: unknown;
}

export interface ReferenceClass {
  name: string;
  cls: EventClass;
  eventType: string;
  severity: 'info' | 'warning' | 'error';
  fields: ReferenceField[];
}

/** The envelope's keys, in order, after `event_type`. */
export const ENVELOPE_KEYS = ['timestamp', 'agent_id', 'turn_id', 'session_id', 'severity', 'metadata'];

const f = (key: string, prop: string, dflt: unknown, sample: unknown): ReferenceField => ({
  key,
  prop,
  default: dflt,
  sample,
});

export const REFERENCE_CLASSES: ReferenceClass[] = [
  { name: 'AuditEvent', cls: AuditEvent as EventClass, eventType: 'base', severity: 'info', fields: [] },
  {
    name: 'TurnStartEvent',
    cls: TurnStartEvent as EventClass,
    eventType: 'turn_start',
    severity: 'info',
    fields: [f('prompt_preview', 'promptPreview', '', 'hello')],
  },
  {
    name: 'TurnEndEvent',
    cls: TurnEndEvent as EventClass,
    eventType: 'turn_end',
    severity: 'info',
    fields: [
      f('content_preview', 'contentPreview', '', 'done'),
      f('function_calls_count', 'functionCallsCount', 0, 3),
    ],
  },
  {
    name: 'ToolCallAttemptEvent',
    cls: ToolCallAttemptEvent as EventClass,
    eventType: 'tool_call_attempt',
    severity: 'info',
    fields: [
      f('tool_name', 'toolName', '', 'search'),
      f('arguments_preview', 'argumentsPreview', '', '{"q":1}'),
    ],
  },
  {
    name: 'ToolCallCompleteEvent',
    cls: ToolCallCompleteEvent as EventClass,
    eventType: 'tool_call_complete',
    severity: 'info',
    fields: [
      f('tool_name', 'toolName', '', 'search'),
      f('status', 'status', 'success', 'partial'),
      f('duration_ms', 'durationMs', 0, 12.5),
      f('result_preview', 'resultPreview', '', '3 hits'),
    ],
  },
  {
    name: 'ToolCallFailureEvent',
    cls: ToolCallFailureEvent as EventClass,
    eventType: 'tool_call_failure',
    severity: 'error',
    fields: [
      f('tool_name', 'toolName', '', 'search'),
      f('error_type', 'errorType', '', 'TimeoutError'),
      f('error_message', 'errorMessage', '', 'took too long'),
    ],
  },
  {
    name: 'ToolPolicyDecisionEvent',
    cls: ToolPolicyDecisionEvent as EventClass,
    eventType: 'tool_policy_decision',
    severity: 'info',
    fields: [
      f('tool_name', 'toolName', '', 'shell'),
      f('action', 'action', '', 'deny'),
      f('policy_source', 'policySource', '', 'org-policy'),
    ],
  },
  {
    name: 'SandboxDecisionEvent',
    cls: SandboxDecisionEvent as EventClass,
    eventType: 'sandbox_decision',
    severity: 'info',
    fields: [
      f('tool_name', 'toolName', '', 'shell'),
      f('context', 'context', '', 'untrusted'),
      f('reason', 'reason', '', 'writes files'),
      f('backend_type', 'backendType', '', 'docker'),
    ],
  },
  {
    name: 'ToolLoopWarningEvent',
    cls: ToolLoopWarningEvent as EventClass,
    eventType: 'tool_loop_warning',
    severity: 'warning',
    fields: [
      f('tool_name', 'toolName', '', 'search'),
      f('pattern', 'pattern', '', 'same-args'),
      f('severity_level', 'severityLevel', '', 'high'),
      f('call_count', 'callCount', 0, 7),
    ],
  },
  {
    name: 'ToolLoopBlockEvent',
    cls: ToolLoopBlockEvent as EventClass,
    eventType: 'tool_loop_block',
    severity: 'error',
    fields: [
      f('tool_name', 'toolName', '', 'search'),
      f('pattern', 'pattern', '', 'same-args'),
      f('call_count', 'callCount', 0, 9),
    ],
  },
  {
    name: 'HookMutationEvent',
    cls: HookMutationEvent as EventClass,
    eventType: 'hook_mutation',
    severity: 'info',
    fields: [
      f('hook_name', 'hookName', '', 'redact'),
      f('tool_name', 'toolName', '', 'search'),
      f('mutated_field', 'mutatedField', '', 'query'),
    ],
  },
  {
    name: 'ErrorEvent',
    cls: ErrorEvent as EventClass,
    eventType: 'error',
    severity: 'error',
    fields: [
      f('error_type', 'errorType', '', 'ValueError'),
      f('error_message', 'errorMessage', '', 'bad value'),
      f('error_context', 'errorContext', '', 'parsing'),
    ],
  },
  {
    name: 'SkillUsedEvent',
    cls: SkillUsedEvent as EventClass,
    eventType: 'skill_used',
    severity: 'info',
    fields: [
      f('skill_name', 'skillName', '', 'summarize'),
      f('version', 'version', '', '1.2.0'),
      f('outcome', 'outcome', 'unknown', 'success'),
      f('duration_ms', 'durationMs', 0, 40.25),
      f('triggered_automatically', 'triggeredAutomatically', true, false),
    ],
  },
  {
    name: 'SkillAuthoredEvent',
    cls: SkillAuthoredEvent as EventClass,
    eventType: 'skill_authored',
    severity: 'info',
    fields: [
      f('skill_name', 'skillName', '', 'summarize'),
      f('version', 'version', '', '0.1.0'),
      f('source_path', 'sourcePath', '', 'skills/summarize.md'),
      f('tool_count', 'toolCount', 0, 2),
      f('unique_tools', 'uniqueTools', [], ['search', 'read']),
      f('confirmed_by_user', 'confirmedByUser', false, true),
    ],
  },
  {
    name: 'SkillFeedbackEvent',
    cls: SkillFeedbackEvent as EventClass,
    eventType: 'skill_feedback',
    severity: 'info',
    fields: [
      f('skill_name', 'skillName', '', 'summarize'),
      f('rating', 'rating', 'neutral', 'positive'),
      f('reason', 'reason', '', 'concise'),
      f('source', 'source', 'user', 'auto'),
    ],
  },
  {
    name: 'AgentSwitchEvent',
    cls: AgentSwitchEvent as EventClass,
    eventType: 'agent_switch',
    severity: 'info',
    fields: [
      f('from_agent', 'fromAgent', '', 'planner'),
      f('to_agent', 'toAgent', '', 'coder'),
      f('reason', 'reason', '', 'needs code'),
    ],
  },
];

/** The record's keys, in the reference's order. */
export function referenceKeys(entry: ReferenceClass): string[] {
  return ['event_type', ...ENVELOPE_KEYS, ...entry.fields.map((field) => field.key)];
}

/** The reference's timestamp format: UTC, microseconds, explicit offset. */
export const TIMESTAMP_FORMAT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/;
