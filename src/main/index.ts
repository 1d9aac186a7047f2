export type { FullRingPolicy, RingHandle } from '#shared/protocol.js';
export { AuditEvent, type AuditEventOptions, type AuditRecord } from './audit-event.js';
export type { AuditCollector, ClosableAuditCollector } from './collector.js';
export { isAuditCollector } from './collector.js';
export { CompositeCollector, type CompositeCollectorOptions } from './composite-collector.js';
export { ConnectedCollector, connectCollector } from './connect-collector.js';
export {
  type DefinedEventClass,
  type DefineEventOptions,
  defineEvent,
  type EventClass,
  type EventOf,
  type OptionsOf,
} from './define-event.js';
export {
  AuditEmitter,
  type AuditEmitterOptions,
  type EmitArgs,
  type EmitterContext,
  type EmitterMethods,
  type EventContext,
} from './emitter.js';
export {
  AuditClosedError,
  AuditCompositeError,
  AuditError,
  AuditEventError,
  AuditOptionError,
  AuditPathError,
  AuditTimeoutError,
  AuditWorkerError,
  AuditWriteError,
} from './errors.js';
export {
  camelCase,
  ENVELOPE,
  ENVELOPE_KEYS,
  type EventDefinition,
  type EventSpec,
  type FieldDescriptor,
  type FieldKind,
  type FieldMap,
  type FieldOptions,
  type FieldSpec,
  type FieldValue,
  type FieldValues,
  kindMismatch,
  SEVERITIES,
  type Severity,
  snakeCase,
} from './event-definition.js';
export { BUILTIN_EVENTS, type BuiltinEvent, type BuiltinEventType } from './event-table.js';
export * from './events.js';
export type { AuditNotice } from './file-lifecycle.js';
export { newToolCallId, newTurnId } from './ids.js';
export { InMemoryCollector } from './in-memory-collector.js';
export { CIRCULAR, stringifySafe, toJsonSafe } from './json-safe.js';
export { JSONLSinkCollector, type JSONLSinkOptions, type WritableLike } from './jsonl-sink-collector.js';
export { PREVIEW_LENGTH, preview } from './preview.js';
export { DEFAULT_MAX_RECORD_BYTES } from './record-limits.js';
export { REDACTION_PATTERNS, type RedactionPatternName, type RedactOptions } from './redaction.js';
export {
  ThreadedJSONLSinkCollector,
  type ThreadedSinkEvent,
  type ThreadedSinkStats,
} from './threaded-jsonl-sink-collector.js';
export { THREADED_DEFAULTS, type ThreadedJSONLSinkOptions } from './threaded-options.js';
export { formatTimestamp, nowTimestamp } from './timestamp.js';
