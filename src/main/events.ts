/**
 * The built-in event classes, made from the table in event-table.ts. Each is a value (the
 * class) and a type (its instances), like a class declaration.
 */
import { AuditEvent } from './audit-event.js';
import { type DefinedEventClass, defineEvent, type EventOf, type OptionsOf } from './define-event.js';
import { BUILTIN_EVENTS, type BuiltinEventTable, type BuiltinEventType } from './event-table.js';

type BuiltinClass<T extends BuiltinEventType> = DefinedEventClass<
  typeof AuditEvent,
  T,
  BuiltinEventTable[T]['fields']
>;

function builtin<T extends BuiltinEventType>(type: T): BuiltinClass<T> {
  const entry = BUILTIN_EVENTS[type];
  return defineEvent({
    type,
    severity: entry.severity,
    fields: entry.fields,
    className: entry.className,
  }) as BuiltinClass<T>;
}

/** Every built-in class, by the `event_type` it writes. */
export const EVENT_CLASSES = Object.fromEntries(
  (Object.keys(BUILTIN_EVENTS) as BuiltinEventType[]).map((type) => [type, builtin(type)]),
) as { readonly [T in BuiltinEventType]: BuiltinClass<T> };

export const TurnStartEvent = EVENT_CLASSES.turn_start;
export type TurnStartEvent = EventOf<typeof TurnStartEvent>;
export type TurnStartEventOptions = OptionsOf<typeof TurnStartEvent>;
export const TurnEndEvent = EVENT_CLASSES.turn_end;
export type TurnEndEvent = EventOf<typeof TurnEndEvent>;
export type TurnEndEventOptions = OptionsOf<typeof TurnEndEvent>;
export const ToolCallAttemptEvent = EVENT_CLASSES.tool_call_attempt;
export type ToolCallAttemptEvent = EventOf<typeof ToolCallAttemptEvent>;
export type ToolCallAttemptEventOptions = OptionsOf<typeof ToolCallAttemptEvent>;
export const ToolCallCompleteEvent = EVENT_CLASSES.tool_call_complete;
export type ToolCallCompleteEvent = EventOf<typeof ToolCallCompleteEvent>;
export type ToolCallCompleteEventOptions = OptionsOf<typeof ToolCallCompleteEvent>;
export const ToolCallFailureEvent = EVENT_CLASSES.tool_call_failure;
export type ToolCallFailureEvent = EventOf<typeof ToolCallFailureEvent>;
export type ToolCallFailureEventOptions = OptionsOf<typeof ToolCallFailureEvent>;
export const ToolPolicyDecisionEvent = EVENT_CLASSES.tool_policy_decision;
export type ToolPolicyDecisionEvent = EventOf<typeof ToolPolicyDecisionEvent>;
export type ToolPolicyDecisionEventOptions = OptionsOf<typeof ToolPolicyDecisionEvent>;
export const SandboxDecisionEvent = EVENT_CLASSES.sandbox_decision;
export type SandboxDecisionEvent = EventOf<typeof SandboxDecisionEvent>;
export type SandboxDecisionEventOptions = OptionsOf<typeof SandboxDecisionEvent>;
export const ToolLoopWarningEvent = EVENT_CLASSES.tool_loop_warning;
export type ToolLoopWarningEvent = EventOf<typeof ToolLoopWarningEvent>;
export type ToolLoopWarningEventOptions = OptionsOf<typeof ToolLoopWarningEvent>;
export const ToolLoopBlockEvent = EVENT_CLASSES.tool_loop_block;
export type ToolLoopBlockEvent = EventOf<typeof ToolLoopBlockEvent>;
export type ToolLoopBlockEventOptions = OptionsOf<typeof ToolLoopBlockEvent>;
export const HookMutationEvent = EVENT_CLASSES.hook_mutation;
export type HookMutationEvent = EventOf<typeof HookMutationEvent>;
export type HookMutationEventOptions = OptionsOf<typeof HookMutationEvent>;
export const ErrorEvent = EVENT_CLASSES.error;
export type ErrorEvent = EventOf<typeof ErrorEvent>;
export type ErrorEventOptions = OptionsOf<typeof ErrorEvent>;
export const SkillUsedEvent = EVENT_CLASSES.skill_used;
export type SkillUsedEvent = EventOf<typeof SkillUsedEvent>;
export type SkillUsedEventOptions = OptionsOf<typeof SkillUsedEvent>;
export const SkillAuthoredEvent = EVENT_CLASSES.skill_authored;
export type SkillAuthoredEvent = EventOf<typeof SkillAuthoredEvent>;
export type SkillAuthoredEventOptions = OptionsOf<typeof SkillAuthoredEvent>;
export const SkillFeedbackEvent = EVENT_CLASSES.skill_feedback;
export type SkillFeedbackEvent = EventOf<typeof SkillFeedbackEvent>;
export type SkillFeedbackEventOptions = OptionsOf<typeof SkillFeedbackEvent>;
export const AgentSwitchEvent = EVENT_CLASSES.agent_switch;
export type AgentSwitchEvent = EventOf<typeof AgentSwitchEvent>;
export type AgentSwitchEventOptions = OptionsOf<typeof AgentSwitchEvent>;
export const ModelCallEvent = EVENT_CLASSES.model_call;
export type ModelCallEvent = EventOf<typeof ModelCallEvent>;
export type ModelCallEventOptions = OptionsOf<typeof ModelCallEvent>;
export const EventsDroppedEvent = EVENT_CLASSES.events_dropped;
export type EventsDroppedEvent = EventOf<typeof EventsDroppedEvent>;
export type EventsDroppedEventOptions = OptionsOf<typeof EventsDroppedEvent>;

export type EventType = keyof typeof EVENT_CLASSES;

export { AuditEvent };
