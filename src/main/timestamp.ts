/**
 * Timestamps in the reference's format: UTC, ISO-8601, microseconds, explicit offset,
 * e.g. `2025-06-15T14:30:00.123456+00:00`.
 */

// performance.now() has sub-millisecond resolution; Date.now() does not. `origin +
// performance.now()` is the wall clock with microseconds. The monotonic clock drifts from
// the wall clock (NTP corrections, suspend), so the origin is moved back whenever the two
// disagree by more than a millisecond.
let origin = performance.timeOrigin;

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
  const monotonic = performance.now();
  const wall = Date.now();
  if (Math.abs(origin + monotonic - wall) > 1) origin = wall - monotonic;
  return formatTimestamp((origin + monotonic) * 1000);
}
