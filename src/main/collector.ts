import type { AuditEvent } from './audit-event.js';

/** What every collector does: accept one event, and push buffered state to its store. */
export interface AuditCollector {
  emit(event: AuditEvent): void;
  flush(): void;
}

/** A collector that also owns resources; `CompositeCollector.close()` reaches it. */
export interface ClosableAuditCollector extends AuditCollector {
  close(): void;
}

/** Run-time check: anything with `emit` and `flush` methods is a collector. */
export function isAuditCollector(value: unknown): value is AuditCollector {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AuditCollector).emit === 'function' &&
    typeof (value as AuditCollector).flush === 'function'
  );
}

export function hasClose(value: AuditCollector): value is ClosableAuditCollector {
  return typeof (value as Partial<ClosableAuditCollector>).close === 'function';
}
