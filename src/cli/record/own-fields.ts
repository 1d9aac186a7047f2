/**
 * A record's own fields: every key after the envelope, in the record's order. Whatever the
 * type (built-in or defined by a user with `defineEvent`), this is what the type adds.
 */
import { ENVELOPE_KEYS } from 'calute-audit';
import type { ReadRecord } from './parse-line.js';

const ENVELOPE = new Set(ENVELOPE_KEYS);

export function ownFields(record: ReadRecord): [key: string, value: unknown][] {
  return Object.entries(record).filter(([key]) => !ENVELOPE.has(key));
}

/** The value as text, or null when it is a string (or text field) left empty or unset. */
export function stringField(record: ReadRecord, key: string): string | null {
  const value = record[key];
  return typeof value === 'string' ? value : null;
}

export function numberField(record: ReadRecord, key: string): number | null {
  const value = record[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** One value, short: strings quoted and cut to `max` characters, others as compact JSON. */
export function shortValue(value: unknown, max: number): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const chars = [...(text ?? String(value))];
  const cut = chars.length > max ? `${chars.slice(0, max).join('')}…` : text;
  return typeof value === 'string' ? JSON.stringify(cut) : cut;
}
