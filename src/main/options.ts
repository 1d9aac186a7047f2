/** Validation helpers shared by every entry point: each error names the option. */
import { errors } from './errors.js';

export function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw errors.option(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw errors.option(name, 'a boolean', value);
  return value;
}

export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T))
    throw errors.option(name, allowed.map((a) => `"${a}"`).join(' or '), value);
  return value as T;
}

export function checkFunction<T>(name: string, value: unknown): T {
  if (typeof value !== 'function') throw errors.option(name, 'a function', value);
  return value as T;
}

export function checkOptionsObject(name: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw errors.option(name, 'an options object', value);
  }
  return value as Record<string, unknown>;
}

/** Rejects misspelled options early: `{ ringsize: 1 }` names the key instead of being ignored. */
export function checkKnownKeys(
  name: string,
  options: Record<string, unknown>,
  known: readonly string[],
): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw errors.unknownOption(name, key, known);
    }
  }
}
