/**
 * The `events_dropped` record a producer writes in 'drop' mode before the next record it
 * keeps (or at a flush): how many records and bytes were dropped there, so that the trail
 * itself says where events are missing (auditd's stance: an audit trail does not drop in
 * silence). Encoded by the package's own writer for that type, like every record.
 */
import type { AuditEvent } from './audit-event.js';
import { declarationOfClass, TRUSTED } from './event-declaration.js';
import { EventsDroppedEvent } from './events.js';
import type { DropMarkEncoder } from './ring-writer.js';

export function encodeDropMark(maxRecordBytes: number): DropMarkEncoder {
  const MarkEvent = EventsDroppedEvent as unknown as new (options: object, trusted: symbol) => AuditEvent;
  const { encoder } = declarationOfClass(EventsDroppedEvent);
  return (count, bytes) => {
    const record = encoder.encode(
      new MarkEvent({ droppedEvents: count, droppedBytes: bytes }, TRUSTED),
      maxRecordBytes,
    );
    return { buffer: record.buffer, start: record.prevBase, length: record.prevLength };
  };
}
