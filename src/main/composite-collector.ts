/**
 * Fans each event out to several collectors, in the order they were added. The typical
 * wiring: an `InMemoryCollector` for snapshots plus a file sink.
 */

import type { AuditEvent } from './audit-event.js';
import { type AuditCollector, hasClose, isAuditCollector } from './collector.js';
import { errors } from './errors.js';
import { checkBoolean, checkKnownKeys, checkOptionsObject } from './options.js';

export interface CompositeCollectorOptions {
  /**
   * `false`: as in the reference, a child that throws stops the event (or flush) from
   * reaching the children after it. `true`: every child gets it, then one
   * `AuditCompositeError` names each child that failed.
   * @default false
   */
  deliverToAll?: boolean;
}

export class CompositeCollector implements AuditCollector {
  readonly #collectors: AuditCollector[] = [];
  readonly #deliverToAll: boolean;

  constructor(collectors: Iterable<AuditCollector> = [], options?: CompositeCollectorOptions) {
    const raw = checkOptionsObject('options', options);
    checkKnownKeys('options', raw, ['deliverToAll']);
    this.#deliverToAll = checkBoolean('deliverToAll', raw.deliverToAll ?? false);
    for (const collector of collectors) this.add(collector);
  }

  add(collector: AuditCollector): void {
    if (!isAuditCollector(collector)) {
      throw errors.option('collector', 'an object with emit() and flush() methods', collector);
    }
    this.#collectors.push(collector);
  }

  /** The children, in delivery order (a copy). */
  get collectors(): AuditCollector[] {
    return this.#collectors.slice();
  }

  emit(event: AuditEvent): void {
    if (!this.#deliverToAll) {
      for (const collector of this.#collectors) collector.emit(event);
      return;
    }
    this.#each((collector) => collector.emit(event));
  }

  flush(): void {
    if (!this.#deliverToAll) {
      for (const collector of this.#collectors) collector.flush();
      return;
    }
    this.#each((collector) => collector.flush());
  }

  /** Closes every child that has `close()`; each is tried, then failures are thrown together. */
  close(): void {
    this.#each((collector) => {
      if (hasClose(collector)) collector.close();
    });
  }

  #each(action: (collector: AuditCollector) => void): void {
    const failures: { index: number; name: string; error: unknown }[] = [];
    this.#collectors.forEach((collector, index) => {
      try {
        action(collector);
      } catch (error) {
        failures.push({ index, name: collector.constructor?.name ?? 'collector', error });
      }
    });
    if (failures.length > 0) throw errors.composite(failures);
  }
}
