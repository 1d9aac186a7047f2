import type { AuditEvent } from './audit-event.js';
import type { AuditCollector } from './collector.js';
import { declarationOfEvent } from './event-declaration.js';

/**
 * Keeps events in memory, in insertion order: for snapshots of a running loop and as a
 * recorder in tests. Snapshots are copies; the caller may change them freely.
 */
export class InMemoryCollector implements AuditCollector {
  #events: AuditEvent[] = [];

  emit(event: AuditEvent): void {
    declarationOfEvent(event);
    this.#events.push(event);
  }

  /** Nothing is buffered: a no-op. */
  flush(): void {}

  /** A copy of every event, in insertion order. */
  getEvents(): AuditEvent[] {
    return this.#events.slice();
  }

  /** The events whose `eventType` is `eventType`, in insertion order. */
  getEventsByType(eventType: string): AuditEvent[] {
    return this.#events.filter((event) => event.eventType === eventType);
  }

  clear(): void {
    this.#events = [];
  }

  get length(): number {
    return this.#events.length;
  }
}
