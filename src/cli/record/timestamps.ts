/**
 * Record timestamps as epoch microseconds. `Date.parse` keeps milliseconds only; records
 * carry microseconds (`2025-06-15T14:30:00.123456+00:00`), and ordering calls within a
 * millisecond needs them.
 */

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Epoch microseconds of an ISO 8601 time (date alone, or date and time; a fraction of up
 * to nine digits; `Z` or an offset, UTC when none), or null when it is not one.
 */
export function parseTimestamp(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const match = ISO.exec(text);
  if (match === null) return null;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone = 'Z'] = match;
  const millis = Date.UTC(+year, +month - 1, +day, +hour, +minute, +second);
  if (Number.isNaN(millis)) return null;
  const check = new Date(millis);
  if (check.getUTCDate() !== +day || check.getUTCMonth() !== +month - 1) return null;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.replace(':', '');
    offsetMinutes = (digits[0] === '-' ? -1 : 1) * (+digits.slice(1, 3) * 60 + +digits.slice(3, 5));
  }
  const micros = Number(fraction.padEnd(6, '0').slice(0, 6));
  return (millis - offsetMinutes * 60_000) * 1000 + micros;
}

/** `HH:MM:SS.mmm` of epoch microseconds, in UTC (the records' own zone). */
export function timeOfDay(micros: number): string {
  return new Date(Math.floor(micros / 1000)).toISOString().slice(11, 23);
}

/** `YYYY-MM-DD HH:MM:SS.mmm` of epoch microseconds, in UTC. */
export function dateTime(micros: number): string {
  const iso = new Date(Math.floor(micros / 1000)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}
