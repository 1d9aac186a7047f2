/**
 * `AuditEvent`: the envelope every record starts with. Its properties are camelCase; the
 * record on disk keeps the reference's snake_case keys in the reference's order (envelope
 * first, then the class's own fields). Every event class is declared (see define-event.ts):
 * the constructor of an undeclared subclass throws instead of writing wrong records.
 */

import { declarationOfClass, declarationOfEvent, TRUSTED } from './event-declaration.js';
import type { FieldSpec, Severity } from './event-definition.js';
import { MICROS, STAMP } from './record-encoder.js';
import { DEFAULT_MAX_RECORD_BYTES } from './record-limits.js';
import { formatTimestamp } from './timestamp.js';

/** A record as written to disk: snake_case keys, JSON values. */
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

const NO_OPTIONS: Record<string, unknown> = Object.freeze({});

export class AuditEvent {
  /** The `event_type` of this class's records. */
  static readonly eventType: string = 'base';
  /** The severity given to events of this class when none is passed. */
  static readonly defaultSeverity: Severity = 'info';
  /** The class's fields after the envelope, in record order. */
  static readonly fields: readonly FieldSpec[] = [];

  /** Fixed per class (on the prototype); not settable. */
  declare readonly eventType: string;
  declare agentId: string | null;
  declare turnId: string | null;
  declare sessionId: string | null;
  declare severity: Severity;
  declare metadata: Record<string, unknown>;
  /** When the event was made, as epoch microseconds; NaN once a timestamp text was set. */
  declare [MICROS]: number;
  /** The timestamp text, when given rather than made. */
  declare [STAMP]: string | undefined;

  /**
   * Options are checked: an unknown key or a value of the wrong type throws an
   * `AuditOptionError` naming it (`{ tool_name }` → did you mean "toolName"?).
   */
  constructor(options?: AuditEventOptions, trusted?: symbol) {
    const declaration = declarationOfClass(new.target);
    if (trusted !== TRUSTED) declaration.validate(options);
    declaration.init(this, (options as Record<string, unknown> | undefined) ?? NO_OPTIONS);
  }

  /** The time the event was made, in the reference's format. */
  get timestamp(): string {
    const given = this[STAMP];
    return given !== undefined ? given : formatTimestamp(this[MICROS]);
  }

  set timestamp(value: string) {
    this[STAMP] = value;
    this[MICROS] = Number.NaN;
  }

  /** The record: snake_case keys in the reference's order, JSON values (a parse of `serialize()`). */
  toDict(): AuditRecord {
    return JSON.parse(this.serialize()) as AuditRecord;
  }

  /** Lets `JSON.stringify(event)` write the record. */
  toJSON(): AuditRecord {
    return this.toDict();
  }

  /** The compact JSON text of the record, without a newline. Never throws because of content. */
  serialize(): string {
    const writer = declarationOfEvent(this).encoder.encode(this, DEFAULT_MAX_RECORD_BYTES);
    return writer.buffer.toString('utf8', writer.prevBase, writer.prevBase + writer.prevLength - 1);
  }
}
