/**
 * Timestamps in the reference's format: UTC, ISO-8601, microseconds, explicit offset,
 * e.g. `2025-06-15T14:30:00.123456+00:00`.
 */

// performance.now() has sub-millisecond resolution; Date.now() does not. Their sum is the
// wall clock with microseconds, fixed to the clock as it was when this module loaded.
const origin = performance.timeOrigin;

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** Formats epoch microseconds; the `YYYY-MM-DDTHH:MM:SS` part is reused within a second. */
export function formatTimestamp(epochMicros: number): string {
  const micros = Math.floor(epochMicros);
  const second = Math.floor(micros / 1_000_000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 19);
  }
  const fraction = micros - second * 1_000_000;
  return `${cachedPrefix}.${String(fraction).padStart(6, '0')}+00:00`;
}

/** The current time in the reference's format. */
export function nowTimestamp(): string {
  return formatTimestamp((origin + performance.now()) * 1000);
}
