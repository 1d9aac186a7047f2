/**
 * Span times from record timestamps. OpenTelemetry's `HrTime` is `[seconds, nanoseconds]`
 * since the epoch; a record's timestamp is ISO 8601 with microseconds
 * (`2025-06-15T14:30:00.123456+00:00`), or whatever text a caller passed as `timestamp`.
 */

export type HrTime = [number, number];

const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$/;

/** The timestamp as HrTime, or undefined when it is not an ISO 8601 date and time. */
export function parseRecordTime(timestamp: unknown): HrTime | undefined {
  if (typeof timestamp !== 'string') return undefined;
  const match = ISO.exec(timestamp);
  if (match === null) return undefined;
  const [, seconds, fraction = '', offset = 'Z'] = match;
  const millis = Date.parse(`${seconds}${offset}`);
  if (!Number.isFinite(millis)) return undefined;
  return [Math.floor(millis / 1000), Number(fraction.padEnd(9, '0'))];
}

/**
 * `time` minus `millis`, a duration: one that is not a positive finite number, or that would
 * reach back before 1970, counts as 0. Seconds and nanoseconds are taken apart first, so a
 * long duration keeps its precision (nanoseconds since 1970 overflow a double's integers).
 */
export function minusMillis(time: HrTime, millis: unknown): HrTime {
  if (typeof millis !== 'number' || !Number.isFinite(millis) || millis <= 0) return time;
  const wholeSeconds = Math.floor(millis / 1000);
  let seconds = time[0] - wholeSeconds;
  let nanos = time[1] - Math.round((millis - wholeSeconds * 1000) * 1e6);
  if (nanos < 0) {
    seconds -= 1;
    nanos += 1e9;
  }
  return seconds < 0 ? time : [seconds, nanos];
}

/** Whether `a` is before `b`. */
export const isBefore = (a: HrTime, b: HrTime): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
