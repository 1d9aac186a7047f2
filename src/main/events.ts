/**
 * The audit events: a common envelope (`AuditEvent`) and fifteen kinds of decision an agent
 * loop records. Properties are camelCase; the record on disk keeps the reference's
 * snake_case keys in the reference's order (envelope first, then the class's own fields).
 */
import {
  compileRecordBuilder,
  compileSerializer,
  ENVELOPE,
  type FieldKind,
  type FieldSpec,
  field,
  type RecordBuilder,
  type RecordSerializer,
} from './record-compiler.js';
import { nowTimestamp } from './timestamp.js';

export type Severity = 'info' | 'warning' | 'error';

/** A record as written to disk: snake_case keys, JSON-safe values. */
export type AuditRecord = Record<string, unknown> & { event_type: string };

export interface AuditEventOptions {
  /** @default now, UTC with microseconds: `2025-06-15T14:30:00.123456+00:00` */
  timestamp?: string;
  /** @default null */
  agentId?: string | null;
  /** @default null */
  turnId?: string | null;
  /** @default null */
  sessionId?: string | null;
  /** @default the class's severity ("info" unless the class says otherwise) */
  severity?: Severity;
  /** @default a fresh `{}` */
  metadata?: Record<string, unknown>;
}

/** Where each class's prototype keeps its compiled record writers; a user's subclass inherits them. */
const RECORD = Symbol('calute-audit.record');

interface RecordWriters {
  readonly serialize: RecordSerializer;
  readonly build: RecordBuilder;
}

export class AuditEvent {
  /** The severity given to events of this class when none is passed. */
  static readonly defaultSeverity: Severity = 'info';

  timestamp: string;
  agentId: string | null;
  turnId: string | null;
  sessionId: string | null;
  severity: Severity;
  metadata: Record<string, unknown>;

  constructor(options: AuditEventOptions = {}) {
    this.timestamp = options.timestamp ?? nowTimestamp();
    this.agentId = options.agentId ?? null;
    this.turnId = options.turnId ?? null;
    this.sessionId = options.sessionId ?? null;
    this.severity = options.severity ?? (new.target as typeof AuditEvent).defaultSeverity;
    this.metadata = options.metadata ?? {};
  }

  /** Fixed per class; not settable. */
  get eventType(): string {
    return 'base';
  }

  /** The record: snake_case keys in the reference's order, values made JSON-safe. */
  toDict(): AuditRecord {
    return (this as unknown as { [RECORD]: RecordWriters })[RECORD].build(this) as AuditRecord;
  }

  /** Lets `JSON.stringify(event)` write the record. */
  toJSON(): AuditRecord {
    return this.toDict();
  }

  /** The compact JSON text of the record, without a newline. Never throws. */
  serialize(): string {
    return (this as unknown as { [RECORD]: RecordWriters })[RECORD].serialize(this);
  }
}

type OwnFields = readonly (readonly [key: string, kind: FieldKind])[];

/** Compiles the record writer of a class from its own fields (which follow the envelope). */
function defineRecord(eventClass: { prototype: object }, eventType: string, own: OwnFields): void {
  const fields: FieldSpec[] = [...ENVELOPE, ...own.map(([key, kind]) => field(key, kind))];
  const writers: RecordWriters = {
    serialize: compileSerializer(eventType, fields),
    build: compileRecordBuilder(eventType, fields),
  };
  // On the prototype, not enumerable: instances stay plain data, and the lookup is one property load.
  Object.defineProperty(eventClass.prototype, RECORD, { value: writers });
}

defineRecord(AuditEvent, 'base', []);

export interface TurnStartEventOptions extends AuditEventOptions {
  promptPreview?: string;
}
export class TurnStartEvent extends AuditEvent {
  promptPreview: string;
  constructor(options: TurnStartEventOptions = {}) {
    super(options);
    this.promptPreview = options.promptPreview ?? '';
  }
  override get eventType(): 'turn_start' {
    return 'turn_start';
  }
}
defineRecord(TurnStartEvent, 'turn_start', [['prompt_preview', 'string']]);

export interface TurnEndEventOptions extends AuditEventOptions {
  contentPreview?: string;
  functionCallsCount?: number;
}
export class TurnEndEvent extends AuditEvent {
  contentPreview: string;
  functionCallsCount: number;
  constructor(options: TurnEndEventOptions = {}) {
    super(options);
    this.contentPreview = options.contentPreview ?? '';
    this.functionCallsCount = options.functionCallsCount ?? 0;
  }
  override get eventType(): 'turn_end' {
    return 'turn_end';
  }
}
defineRecord(TurnEndEvent, 'turn_end', [
  ['content_preview', 'string'],
  ['function_calls_count', 'number'],
]);

export interface ToolCallAttemptEventOptions extends AuditEventOptions {
  toolName?: string;
  argumentsPreview?: string;
}
export class ToolCallAttemptEvent extends AuditEvent {
  toolName: string;
  argumentsPreview: string;
  constructor(options: ToolCallAttemptEventOptions = {}) {
    super(options);
    this.toolName = options.toolName ?? '';
    this.argumentsPreview = options.argumentsPreview ?? '';
  }
  override get eventType(): 'tool_call_attempt' {
    return 'tool_call_attempt';
  }
}
defineRecord(ToolCallAttemptEvent, 'tool_call_attempt', [
  ['tool_name', 'string'],
  ['arguments_preview', 'string'],
]);

export interface ToolCallCompleteEventOptions extends AuditEventOptions {
  toolName?: string;
  status?: string;
  durationMs?: number;
  resultPreview?: string;
}
export class ToolCallCompleteEvent extends AuditEvent {
  toolName: string;
  status: string;
  durationMs: number;
  resultPreview: string;
  constructor(options: ToolCallCompleteEventOptions = {}) {
    super(options);
    this.toolName = options.toolName ?? '';
    this.status = options.status ?? 'success';
    this.durationMs = options.durationMs ?? 0;
    this.resultPreview = options.resultPreview ?? '';
  }
  override get eventType(): 'tool_call_complete' {
    return 'tool_call_complete';
  }
}
defineRecord(ToolCallCompleteEvent, 'tool_call_complete', [
  ['tool_name', 'string'],
  ['status', 'string'],
  ['duration_ms', 'number'],
  ['result_preview', 'string'],
]);

export interface ToolCallFailureEventOptions extends AuditEventOptions {
  toolName?: string;
  errorType?: string;
  errorMessage?: string;
}
export class ToolCallFailureEvent extends AuditEvent {
  static override readonly defaultSeverity: Severity = 'error';
  toolName: string;
  errorType: string;
  errorMessage: string;
  constructor(options: ToolCallFailureEventOptions = {}) {
    super(options);
    this.toolName = options.toolName ?? '';
    this.errorType = options.errorType ?? '';
    this.errorMessage = options.errorMessage ?? '';
  }
  override get eventType(): 'tool_call_failure' {
    return 'tool_call_failure';
  }
}
defineRecord(ToolCallFailureEvent, 'tool_call_failure', [
  ['tool_name', 'string'],
  ['error_type', 'string'],
  ['error_message', 'string'],
]);

export interface ToolPolicyDecisionEventOptions extends AuditEventOptions {
  toolName?: string;
  action?: string;
  policySource?: string;
}
export class ToolPolicyDecisionEvent extends AuditEvent {
  toolName: string;
  action: string;
  policySource: string;
  constructor(options: ToolPolicyDecisionEventOptions = {}) {
    super(options);
    this.toolName = options.toolName ?? '';
    this.action = options.action ?? '';
    this.policySource = options.policySource ?? '';
  }
  override get eventType(): 'tool_policy_decision' {
    return 'tool_policy_decision';
  }
}
defineRecord(ToolPolicyDecisionEvent, 'tool_policy_decision', [
  ['tool_name', 'string'],
  ['action', 'string'],
  ['policy_source', 'string'],
]);

export interface SandboxDecisionEventOptions extends AuditEventOptions {
  toolName?: string;
  context?: string;
  reason?: string;
  backendType?: string;
}
export class SandboxDecisionEvent extends AuditEvent {
  toolName: string;
  context: string;
  reason: string;
  backendType: string;
  constructor(options: SandboxDecisionEventOptions = {}) {
    super(options);
    this.toolName = options.toolName ?? '';
    this.context = options.context ?? '';
    this.reason = options.reason ?? '';
    this.backendType = options.backendType ?? '';
  }
  override get eventType(): 'sandbox_decision' {
    return 'sandbox_decision';
  }
}
defineRecord(SandboxDecisionEvent, 'sandbox_decision', [
  ['tool_name', 'string'],
  ['context', 'string'],
  ['reason', 'string'],
  ['backend_type', 'string'],
]);

export interface ToolLoopWarningEventOptions extends AuditEventOptions {
  toolName?: string;
  pattern?: string;
  severityLevel?: string;
  callCount?: number;
}
export class ToolLoopWarningEvent extends AuditEvent {
  static override readonly defaultSeverity: Severity = 'warning';
  toolName: string;
  pattern: string;
  severityLevel: string;
  callCount: number;
  constructor(options: ToolLoopWarningEventOptions = {}) {
    super(options);
    this.toolName = options.toolName ?? '';
    this.pattern = options.pattern ?? '';
    this.severityLevel = options.severityLevel ?? '';
    this.callCount = options.callCount ?? 0;
  }
  override get eventType(): 'tool_loop_warning' {
    return 'tool_loop_warning';
  }
}
defineRecord(ToolLoopWarningEvent, 'tool_loop_warning', [
  ['tool_name', 'string'],
  ['pattern', 'string'],
  ['severity_level', 'string'],
  ['call_count', 'number'],
]);

export interface ToolLoopBlockEventOptions extends AuditEventOptions {
  toolName?: string;
  pattern?: string;
  callCount?: number;
}
export class ToolLoopBlockEvent extends AuditEvent {
  static override readonly defaultSeverity: Severity = 'error';
  toolName: string;
  pattern: string;
  callCount: number;
  constructor(options: ToolLoopBlockEventOptions = {}) {
    super(options);
    this.toolName = options.toolName ?? '';
    this.pattern = options.pattern ?? '';
    this.callCount = options.callCount ?? 0;
  }
  override get eventType(): 'tool_loop_block' {
    return 'tool_loop_block';
  }
}
defineRecord(ToolLoopBlockEvent, 'tool_loop_block', [
  ['tool_name', 'string'],
  ['pattern', 'string'],
  ['call_count', 'number'],
]);

export interface HookMutationEventOptions extends AuditEventOptions {
  hookName?: string;
  toolName?: string;
  mutatedField?: string;
}
export class HookMutationEvent extends AuditEvent {
  hookName: string;
  toolName: string;
  mutatedField: string;
  constructor(options: HookMutationEventOptions = {}) {
    super(options);
    this.hookName = options.hookName ?? '';
    this.toolName = options.toolName ?? '';
    this.mutatedField = options.mutatedField ?? '';
  }
  override get eventType(): 'hook_mutation' {
    return 'hook_mutation';
  }
}
defineRecord(HookMutationEvent, 'hook_mutation', [
  ['hook_name', 'string'],
  ['tool_name', 'string'],
  ['mutated_field', 'string'],
]);

export interface ErrorEventOptions extends AuditEventOptions {
  errorType?: string;
  errorMessage?: string;
  errorContext?: string;
}
export class ErrorEvent extends AuditEvent {
  static override readonly defaultSeverity: Severity = 'error';
  errorType: string;
  errorMessage: string;
  errorContext: string;
  constructor(options: ErrorEventOptions = {}) {
    super(options);
    this.errorType = options.errorType ?? '';
    this.errorMessage = options.errorMessage ?? '';
    this.errorContext = options.errorContext ?? '';
  }
  override get eventType(): 'error' {
    return 'error';
  }
}
defineRecord(ErrorEvent, 'error', [
  ['error_type', 'string'],
  ['error_message', 'string'],
  ['error_context', 'string'],
]);

export interface SkillUsedEventOptions extends AuditEventOptions {
  skillName?: string;
  version?: string;
  outcome?: string;
  durationMs?: number;
  triggeredAutomatically?: boolean;
}
export class SkillUsedEvent extends AuditEvent {
  skillName: string;
  version: string;
  outcome: string;
  durationMs: number;
  triggeredAutomatically: boolean;
  constructor(options: SkillUsedEventOptions = {}) {
    super(options);
    this.skillName = options.skillName ?? '';
    this.version = options.version ?? '';
    this.outcome = options.outcome ?? 'unknown';
    this.durationMs = options.durationMs ?? 0;
    this.triggeredAutomatically = options.triggeredAutomatically ?? true;
  }
  override get eventType(): 'skill_used' {
    return 'skill_used';
  }
}
defineRecord(SkillUsedEvent, 'skill_used', [
  ['skill_name', 'string'],
  ['version', 'string'],
  ['outcome', 'string'],
  ['duration_ms', 'number'],
  ['triggered_automatically', 'boolean'],
]);

export interface SkillAuthoredEventOptions extends AuditEventOptions {
  skillName?: string;
  version?: string;
  sourcePath?: string;
  toolCount?: number;
  uniqueTools?: string[];
  confirmedByUser?: boolean;
}
export class SkillAuthoredEvent extends AuditEvent {
  skillName: string;
  version: string;
  sourcePath: string;
  toolCount: number;
  uniqueTools: string[];
  confirmedByUser: boolean;
  constructor(options: SkillAuthoredEventOptions = {}) {
    super(options);
    this.skillName = options.skillName ?? '';
    this.version = options.version ?? '';
    this.sourcePath = options.sourcePath ?? '';
    this.toolCount = options.toolCount ?? 0;
    this.uniqueTools = options.uniqueTools ?? [];
    this.confirmedByUser = options.confirmedByUser ?? false;
  }
  override get eventType(): 'skill_authored' {
    return 'skill_authored';
  }
}
defineRecord(SkillAuthoredEvent, 'skill_authored', [
  ['skill_name', 'string'],
  ['version', 'string'],
  ['source_path', 'string'],
  ['tool_count', 'number'],
  ['unique_tools', 'array'],
  ['confirmed_by_user', 'boolean'],
]);

export interface SkillFeedbackEventOptions extends AuditEventOptions {
  skillName?: string;
  rating?: string;
  reason?: string;
  source?: string;
}
export class SkillFeedbackEvent extends AuditEvent {
  skillName: string;
  rating: string;
  reason: string;
  source: string;
  constructor(options: SkillFeedbackEventOptions = {}) {
    super(options);
    this.skillName = options.skillName ?? '';
    this.rating = options.rating ?? 'neutral';
    this.reason = options.reason ?? '';
    this.source = options.source ?? 'user';
  }
  override get eventType(): 'skill_feedback' {
    return 'skill_feedback';
  }
}
defineRecord(SkillFeedbackEvent, 'skill_feedback', [
  ['skill_name', 'string'],
  ['rating', 'string'],
  ['reason', 'string'],
  ['source', 'string'],
]);

export interface AgentSwitchEventOptions extends AuditEventOptions {
  fromAgent?: string;
  toAgent?: string;
  reason?: string;
}
export class AgentSwitchEvent extends AuditEvent {
  fromAgent: string;
  toAgent: string;
  reason: string;
  constructor(options: AgentSwitchEventOptions = {}) {
    super(options);
    this.fromAgent = options.fromAgent ?? '';
    this.toAgent = options.toAgent ?? '';
    this.reason = options.reason ?? '';
  }
  override get eventType(): 'agent_switch' {
    return 'agent_switch';
  }
}
defineRecord(AgentSwitchEvent, 'agent_switch', [
  ['from_agent', 'string'],
  ['to_agent', 'string'],
  ['reason', 'string'],
]);

/** Every concrete event class, by the `event_type` it writes. */
export const EVENT_CLASSES = {
  turn_start: TurnStartEvent,
  turn_end: TurnEndEvent,
  tool_call_attempt: ToolCallAttemptEvent,
  tool_call_complete: ToolCallCompleteEvent,
  tool_call_failure: ToolCallFailureEvent,
  tool_policy_decision: ToolPolicyDecisionEvent,
  sandbox_decision: SandboxDecisionEvent,
  tool_loop_warning: ToolLoopWarningEvent,
  tool_loop_block: ToolLoopBlockEvent,
  hook_mutation: HookMutationEvent,
  error: ErrorEvent,
  skill_used: SkillUsedEvent,
  skill_authored: SkillAuthoredEvent,
  skill_feedback: SkillFeedbackEvent,
  agent_switch: AgentSwitchEvent,
} as const;

export type EventType = keyof typeof EVENT_CLASSES;
