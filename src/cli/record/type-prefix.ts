/**
 * A test on a line's bytes that rules a record out by its `event_type` without parsing it.
 * Every record the package writes starts `{"event_type":"<type>"`, compact and first, so
 * the type is right there. The test only ever answers "certainly not one of these types"
 * or "parse it": it says "parse" whenever the bytes leave any doubt about what a full
 * JSON.parse would find:
 *   - the line does not start with exactly `{"event_type":"` (spaces, another key first);
 *   - the value holds a backslash (an escape could spell any type);
 *   - the bytes `"event_type"` occur again later in the line, where a second top-level key
 *     would override the first in JSON.parse. (Inside a JSON string a quote is escaped, so
 *     these bytes can only be a key; a nested key is harmless but also sends the line to
 *     the full parse.)
 */

const PREFIX = Buffer.from('{"event_type":"');
const KEY = Buffer.from('"event_type"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export type TypeTest = (chunk: Buffer, start: number, end: number) => boolean;

/** false: the record on bytes `[start, end)` is certainly not of these types; true: parse it. */
export function compileTypeTest(types: readonly string[]): TypeTest {
  // A type's bytes as they appear between the quotes (JSON escapes nothing in a plain name).
  const wanted = types.map((type) => Buffer.from(JSON.stringify(type).slice(1, -1), 'utf8'));
  const prefixLength = PREFIX.length;
  return (chunk, start, end) => {
    const valueStart = start + prefixLength;
    if (end - valueStart < 2) return true;
    for (let k = 0; k < prefixLength; k++) if (chunk[start + k] !== PREFIX[k]) return true;
    const close = chunk.indexOf(QUOTE, valueStart);
    if (close === -1 || close >= end) return true;
    for (let i = valueStart; i < close; i++) if (chunk[i] === BACKSLASH) return true;
    const length = close - valueStart;
    for (const type of wanted) {
      if (type.length !== length) continue;
      let same = true;
      for (let k = 0; k < length; k++) {
        if (chunk[valueStart + k] !== type[k]) {
          same = false;
          break;
        }
      }
      if (same) return true;
    }
    const again = chunk.indexOf(KEY, close);
    return again !== -1 && again < end;
  };
}
