/**
 * A record's keys as OpenTelemetry attributes, by the reference's rule (`_clean_attrs`):
 * nulls are left out, strings, numbers and booleans are kept as they are, anything else
 * (metadata, arrays) becomes text cut to 200 characters. The reference writes Python's
 * `str()` there; this package writes JSON, the form every reader of a JSONL trail knows.
 *
 * Fields the event table marks `content` (prompts, results, arguments, error messages) are
 * left out unless content capture is on: the GenAI conventions make content opt-in.
 */
import { type AuditRecord, EVENT_CLASSES, type FieldSpec, PREVIEW_LENGTH, preview } from 'calute-audit';

export type AttributeValue = string | number | boolean | string[];
export type Attributes = Record<string, AttributeValue>;

/** The reference cuts a value it turns into text to 200 characters (the preview length). */
const TEXT_LIMIT = PREVIEW_LENGTH;

/** The value as an attribute, or undefined when it is left out (null, undefined). */
export function attributeValue(value: unknown): AttributeValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return preview(value, TEXT_LIMIT);
}

/** Sets `key` when the value is kept. */
export function putAttribute(attributes: Attributes, key: string, value: unknown): void {
  const kept = attributeValue(value);
  if (kept !== undefined) attributes[key] = kept;
}

/** What this module needs of an event class: its type and fields (`EVENT_CLASSES[type]`, `defineEvent`). */
export interface EventClassLike {
  readonly eventType: string;
  readonly fields: readonly FieldSpec[];
}

/** Knows which record keys of each event type are content. */
export class ContentKeys {
  readonly #byType = new Map<string, ReadonlySet<string>>();

  constructor(classes: Iterable<EventClassLike> = []) {
    for (const Class of Object.values(EVENT_CLASSES)) this.add(Class);
    for (const Class of classes) this.add(Class);
  }

  /** Learns an event type's content keys from its class (custom types from `defineEvent`). */
  add(Class: EventClassLike): void {
    if (this.#byType.has(Class.eventType)) return;
    this.#byType.set(Class.eventType, new Set(Class.fields.filter((f) => f.content).map((f) => f.key)));
  }

  has(eventType: string): boolean {
    return this.#byType.has(eventType);
  }

  /** Whether `key` of this event type is content; keys of an unknown type are not. */
  isContent(eventType: string, key: string): boolean {
    return this.#byType.get(eventType)?.has(key) === true;
  }
}

/** Every key of the record as an attribute (content keys only when `withContent`). */
export function recordAttributes(
  record: AuditRecord,
  contentKeys: ContentKeys,
  withContent: boolean,
): Attributes {
  const attributes: Attributes = {};
  const type = record.event_type;
  for (const key of Object.keys(record)) {
    if (!withContent && contentKeys.isContent(type, key)) continue;
    putAttribute(attributes, key, record[key]);
  }
  return attributes;
}
