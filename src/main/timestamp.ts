/**
 * Timestamps in the reference's format: UTC, ISO-8601, microseconds, explicit offset,
 * e.g. `2025-06-15T14:30:00.123456+00:00`. An event keeps the time it was made as epoch
 * microseconds (a number); the text is made only when a record is written or the
 * `timestamp` property is read, and the record writer reuses the part before the fraction
 * within a second (byte-writer.ts).
 */

// performance.now() has sub-millisecond resolution; Date.now() does not. `origin +
// performance.now()` is the wall clock with microseconds. The monotonic clock drifts from
// the wall clock (NTP corrections, suspend), so the origin is moved whenever the two
// disagree by more than a millisecond; the wall clock is read for that at most once per
// millisecond of monotonic time, which keeps Date.now() off almost every call.
//
// Moving the origin back (the monotonic clock ran ahead of the wall clock) would make a
// later event older than an earlier one from the same thread, and readers order a turn's
// calls by time. So a step back smaller than STEP_BACK_SHOWN_US is absorbed: the clock
// holds at the last value given out until the wall clock passes it. A larger step back is
// a real clock change (an operator set the time) and shows as it is.
const STEP_BACK_SHOWN_US = 1_000_000;
let origin = performance.timeOrigin;
let lastCheck = Number.NEGATIVE_INFINITY;
let lastGiven = 0;

/** The current time as epoch microseconds (an integer). */
export function nowMicros(): number {
  const monotonic = performance.now();
  if (monotonic - lastCheck >= 1) {
    lastCheck = monotonic;
    const wall = Date.now();
    if (Math.abs(origin + monotonic - wall) > 1) origin = wall - monotonic;
  }
  const micros = Math.floor((origin + monotonic) * 1000);
  if (micros < lastGiven && lastGiven - micros < STEP_BACK_SHOWN_US) return lastGiven;
  lastGiven = micros;
  return micros;
}

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
  return formatTimestamp(nowMicros());
}
