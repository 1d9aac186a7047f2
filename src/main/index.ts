export type { FullRingPolicy, RingHandle } from '../shared/protocol.js';
export type { AuditCollector, ClosableAuditCollector } from './collector.js';
export { isAuditCollector } from './collector.js';
export { CompositeCollector, type CompositeCollectorOptions } from './composite-collector.js';
export { ConnectedCollector, connectCollector } from './connect-collector.js';
export {
  AuditEmitter,
  type AuditEmitterOptions,
  type EventContext,
  newTurnId,
  PREVIEW_LENGTH,
  preview,
} from './emitter.js';
export {
  AuditClosedError,
  AuditCompositeError,
  AuditError,
  AuditOptionError,
  AuditPathError,
  AuditTimeoutError,
  AuditWorkerError,
  AuditWriteError,
} from './errors.js';
export * from './events.js';
export { InMemoryCollector } from './in-memory-collector.js';
export { CIRCULAR, stringifySafe, toJsonSafe } from './json-safe.js';
export { JSONLSinkCollector, type JSONLSinkOptions, type WritableLike } from './jsonl-sink-collector.js';
export { ThreadedJSONLSinkCollector, type ThreadedSinkStats } from './threaded-jsonl-sink-collector.js';
export { THREADED_DEFAULTS, type ThreadedJSONLSinkOptions } from './threaded-options.js';
export { formatTimestamp, nowTimestamp } from './timestamp.js';
