/**
 * Emitting from another thread: `connectCollector(sink.handle)` inside any worker (a
 * piscina tool worker, a plain Worker) returns a collector that writes straight into the
 * sink's ring, with no message to the main thread.
 */
import { isRingHandle, type RingHandle } from '#shared/protocol.js';
import type { AuditEvent } from './audit-event.js';
import type { AuditCollector } from './collector.js';
import { errors } from './errors.js';
import { declarationOfEvent } from './event-declaration.js';
import { RingWriter } from './ring-writer.js';

export class ConnectedCollector implements AuditCollector {
  readonly #writer: RingWriter;

  constructor(handle: RingHandle) {
    this.#writer = new RingWriter(handle);
  }

  /** Serializes now and queues the line; throws once the sink is closed. */
  emit(event: AuditEvent): void {
    const record = declarationOfEvent(event).encoder.encode(event, this.#writer.handle.maxRecordBytes);
    this.#writer.write(record.buffer, record.prevBase, record.prevLength);
  }

  /** Returns when every event emitted before it, by any thread, is handed to the OS. */
  flush(): void {
    if (this.#writer.stopped) throw errors.closed('The audit sink');
    this.#writer.flush();
  }

  /** `flush()` without blocking this thread's event loop. */
  async flushAsync(): Promise<void> {
    if (this.#writer.stopped) throw errors.closed('The audit sink');
    await this.#writer.flushAsync();
  }
}

// One collector per ring per thread: connecting again (say, in every piscina task) is free.
const connected = new WeakMap<SharedArrayBuffer, ConnectedCollector>();

export function connectCollector(handle: RingHandle): ConnectedCollector {
  if (!isRingHandle(handle)) {
    throw errors.option('handle', 'the `handle` of a ThreadedJSONLSinkCollector', handle);
  }
  let collector = connected.get(handle.buffer);
  if (!collector) {
    collector = new ConnectedCollector(handle);
    connected.set(handle.buffer, collector);
  }
  return collector;
}
