/**
 * Compiles, once per event class, the function that writes its record as compact JSON.
 *
 * A generic serializer walks an object it knows nothing about; the event classes are
 * known, so each gets straight-line code: constant key text, one typed check per field, and
 * the generic, never-throwing path (`stringifySafe`) only for values of an unexpected type
 * and for non-empty metadata. The output is byte-identical to `JSON.stringify(toDict())`.
 * The generated source is built only from the class's static field table, never from event
 * content.
 */
import { stringifySafe, toJsonSafe } from './json-safe.js';

/** How a field's value is written when it has the expected type. */
export type FieldKind = 'string' | 'nullableString' | 'number' | 'boolean' | 'object' | 'array';

/** One record key: its snake_case name on disk and its camelCase property in code. */
export interface FieldSpec {
  readonly key: string;
  readonly prop: string;
  readonly kind: FieldKind;
}

export function field(key: string, kind: FieldKind): FieldSpec {
  return { key, prop: key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase()), kind };
}

/** The envelope every record starts with, after `event_type`. */
export const ENVELOPE: readonly FieldSpec[] = [
  field('timestamp', 'string'),
  field('agent_id', 'nullableString'),
  field('turn_id', 'nullableString'),
  field('session_id', 'nullableString'),
  field('severity', 'string'),
  field('metadata', 'object'),
];

function writeString(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : stringifySafe(value);
}

function writeNullableString(value: unknown): string {
  return value === null ? 'null' : writeString(value);
}

function writeNumber(value: unknown): string {
  // `'' + n` and JSON.stringify agree on every finite number (including -0 → "0").
  return typeof value === 'number' && Number.isFinite(value) ? `${value}` : stringifySafe(value);
}

function writeBoolean(value: unknown): string {
  return value === true ? 'true' : value === false ? 'false' : stringifySafe(value);
}

function writeObject(value: unknown): string {
  // The common case, an empty metadata object, costs one loop entry and no allocation.
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const _ in value) return stringifySafe(value);
    return '{}';
  }
  return stringifySafe(value);
}

const writers: Record<FieldKind, (value: unknown) => string> = {
  string: writeString,
  nullableString: writeNullableString,
  number: writeNumber,
  boolean: writeBoolean,
  object: writeObject,
  array: stringifySafe,
};

export type RecordSerializer = (event: object) => string;
export type RecordBuilder = (event: object) => Record<string, unknown>;

/** Straight-line `event => '{"event_type":...}'` for one class. */
export function compileSerializer(eventType: string, fields: readonly FieldSpec[]): RecordSerializer {
  const parts = fields.map(
    (spec, index) =>
      `${JSON.stringify(`,${JSON.stringify(spec.key)}:`)} + w${index}(e[${JSON.stringify(spec.prop)}])`,
  );
  const head = JSON.stringify(`{"event_type":${JSON.stringify(eventType)}`);
  const body = `return ${head} + ${parts.join(' + ')} + '}';`;
  const names = fields.map((_, index) => `w${index}`);
  const factory = new Function(...names, `return function serializeRecord(e) { ${body} };`);
  return factory(...fields.map((spec) => writers[spec.kind])) as RecordSerializer;
}

/** `toDict()`: the record as a JSON-safe object, keys in record order. */
export function compileRecordBuilder(eventType: string, fields: readonly FieldSpec[]): RecordBuilder {
  return (event) => {
    const source = event as Record<string, unknown>;
    const record: Record<string, unknown> = { event_type: eventType };
    for (const spec of fields) {
      const value = source[spec.prop];
      record[spec.key] =
        typeof value === 'string' || typeof value === 'boolean' || value === null ? value : toJsonSafe(value);
    }
    return record;
  };
}
