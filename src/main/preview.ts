/**
 * Previews: the start of a prompt, a result or arguments. The reference keeps the first 200
 * characters and marks nothing; both are options of the emitter (`previewLength`,
 * `previewMarker`). Text is cut on code points, so a surrogate pair is never split, and a
 * value that is not a string (the objects agent frameworks pass) is serialized first.
 */
import { stringifySafe } from './json-safe.js';

/** The reference keeps the first 200 characters of prompts, results and arguments. */
export const PREVIEW_LENGTH = 200;

/** The first `length` code points of `text` (a value that is not a string: of its JSON). */
export function preview(value: unknown, length = PREVIEW_LENGTH, marker = ''): string {
  // Enough JSON to cut `length` code points from, without serializing all of a huge object.
  const text = typeof value === 'string' ? value : stringifySafe(value, Math.max(1024, length * 4));
  // Fast path: even if every character were half a pair, the cut falls past the end.
  if (text.length <= length) return text;
  let units = 0;
  for (let points = 0; points < length && units < text.length; points++) {
    const code = text.charCodeAt(units);
    const pair =
      code >= 0xd800 &&
      code <= 0xdbff &&
      units + 1 < text.length &&
      (text.charCodeAt(units + 1) & 0xfc00) === 0xdc00;
    units += pair ? 2 : 1;
  }
  return units < text.length ? text.slice(0, units) + marker : text;
}
