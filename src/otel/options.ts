/**
 * Option checks of this entry point, with the core's message form (`Invalid option "x":
 * expected ..., got ...`, code `ERR_AUDIT_OPTION`): a bad option throws at once, naming it.
 */
import { AuditOptionError } from 'calute-audit';
import type { AttributeValue, EventClassLike } from './attributes.js';

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `a function`;
  if (Array.isArray(value)) return 'an array';
  if (value === null || typeof value !== 'object') return String(value);
  return 'an object';
}

export const optionError = (name: string, expected: string, got: unknown): AuditOptionError =>
  new AuditOptionError(
    'ERR_AUDIT_OPTION',
    `Invalid option "${name}": expected ${expected}, got ${formatValue(got)}`,
  );

export function optionsObject(
  name: string,
  value: unknown,
  known: readonly string[],
): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw optionError(name, 'an options object', value);
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key))
      throw optionError(`${name}.${key}`, `one of ${known.join(', ')}`, 'an unknown option');
  }
  return value as Record<string, unknown>;
}

export function optionalString(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value === '') throw optionError(name, 'a non-empty string', value);
  return value;
}

export function optionalBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw optionError(name, 'a boolean', value);
  return value;
}

export function optionalFunction<T>(name: string, value: unknown): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw optionError(name, 'a function', value);
  return value as T;
}

export function optionalInteger(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw optionError(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/** Event classes (for their content fields): an array of classes with `eventType` and `fields`. */
export function optionalEventClasses(name: string, value: unknown): readonly EventClassLike[] {
  if (value === undefined) return [];
  const ok =
    Array.isArray(value) &&
    value.every(
      (Class) =>
        typeof Class === 'function' && typeof Class.eventType === 'string' && Array.isArray(Class.fields),
    );
  if (!ok) throw optionError(name, 'an array of event classes (made by defineEvent)', value);
  return value;
}

export function checkUrl(value: unknown): string {
  if (typeof value === 'string') {
    try {
      const parsed = new URL(value);
      if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return value;
    } catch {
      // reported below
    }
  }
  throw optionError('url', 'an http: or https: URL', value);
}

export function stringRecord(name: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  const ok =
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((item) => typeof item === 'string');
  if (!ok) throw optionError(name, 'an object of strings', value);
  return { ...(value as Record<string, string>) };
}

export function attributeRecord(name: string, value: unknown): Record<string, AttributeValue> {
  if (value === undefined) return {};
  const ok =
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((item) => ['string', 'number', 'boolean'].includes(typeof item));
  if (!ok) throw optionError(name, 'an object of strings, numbers and booleans', value);
  return { ...(value as Record<string, AttributeValue>) };
}
