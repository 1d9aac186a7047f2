/**
 * What `verify` asks of each record: the envelope's seven keys first, in the package's
 * order, with the right types; and for a built-in type, each field of the event table
 * present (unless optional) with a value of its kind. Keys after those are not judged:
 * a user's `defineEvent` types and newer versions add their own.
 */
import {
  ENVELOPE,
  ENVELOPE_KEYS,
  EVENT_CLASSES,
  type FieldSpec,
  kindMismatch,
  SEVERITIES,
} from 'calute-audit';
import { parseTimestamp } from '../record/timestamps.js';

const TYPE_NAME = /^[a-z][a-z0-9_]*$/;
const ZONED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const show = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
};

const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The problems of one parsed record (empty when it is sound), as `kind`: message pairs. */
export function recordProblems(record: Record<string, unknown>): ['envelope' | 'field', string][] {
  const problems: ['envelope' | 'field', string][] = [];
  const keys = Object.keys(record);
  const missing = ENVELOPE_KEYS.filter((key) => !Object.hasOwn(record, key));
  if (missing.length > 0) {
    problems.push(['envelope', `missing ${missing.map((key) => `"${key}"`).join(', ')}`]);
  } else if (ENVELOPE_KEYS.some((key, index) => keys[index] !== key)) {
    problems.push([
      'envelope',
      `keys out of order: expected ${ENVELOPE_KEYS.join(', ')} first, found ${keys.slice(0, ENVELOPE_KEYS.length).join(', ')}`,
    ]);
  }
  const type = record.event_type;
  if (Object.hasOwn(record, 'event_type') && (typeof type !== 'string' || !TYPE_NAME.test(type))) {
    problems.push(['envelope', `"event_type" is ${show(type)}, expected lowercase letters, digits and _`]);
  }
  if (
    Object.hasOwn(record, 'timestamp') &&
    (typeof record.timestamp !== 'string' ||
      !ZONED_TIME.test(record.timestamp) ||
      parseTimestamp(record.timestamp) === null)
  ) {
    problems.push([
      'envelope',
      `"timestamp" is ${show(record.timestamp)}, expected an ISO 8601 time with its offset (2025-06-15T14:30:00.123456+00:00)`,
    ]);
  }
  for (const { key } of ENVELOPE.filter((field) => field.nullable)) {
    const value = record[key];
    if (Object.hasOwn(record, key) && value !== null && typeof value !== 'string') {
      problems.push(['envelope', `"${key}" is ${show(value)}, expected a string or null`]);
    }
  }
  if (Object.hasOwn(record, 'severity') && !(SEVERITIES as readonly unknown[]).includes(record.severity)) {
    problems.push([
      'envelope',
      `"severity" is ${show(record.severity)}, expected ${SEVERITIES.map((s) => `"${s}"`).join(', ')}`,
    ]);
  }
  if (Object.hasOwn(record, 'metadata') && !isObject(record.metadata)) {
    problems.push(['envelope', `"metadata" is ${show(record.metadata)}, expected an object`]);
  }
  const Class =
    typeof type === 'string'
      ? (EVENT_CLASSES as Record<string, { fields: readonly FieldSpec[] }>)[type]
      : undefined;
  if (Class !== undefined && Object.hasOwn(EVENT_CLASSES, type as string)) {
    for (const field of Class.fields) {
      if (!Object.hasOwn(record, field.key)) {
        if (!field.optional) problems.push(['field', `${type} has no "${field.key}"`]);
        continue;
      }
      const expected = kindMismatch(field, record[field.key]);
      if (expected !== null) {
        problems.push([
          'field',
          `${type} "${field.key}" is ${show(record[field.key])}, expected ${expected}`,
        ]);
      }
    }
  }
  return problems;
}
