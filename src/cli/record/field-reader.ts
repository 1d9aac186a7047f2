/**
 * Reads a few top-level fields of a record straight from its bytes, without building the
 * record: what lets `stats` go through a trail several times faster than a full JSON.parse
 * of every line.
 *
 * It works on the line as a latin1 string (one character per byte, so offsets are byte
 * offsets and no UTF-8 decoding happens) and accepts only the form the package writes:
 * compact JSON, `event_type` first, then the envelope and the type's fields in table order
 * (optional fields present or not), nothing else. Each key must be the one expected next,
 * so no key repeats and nothing is skipped that a full parse would read. Any other form,
 * or a type it does not know, returns false and the caller parses the line in full.
 *
 * Strings come back as "byte strings": the UTF-8 bytes of the value, one character each
 * (ASCII text is unchanged). `fromByteString` turns one into text; callers keep byte strings
 * as map keys and convert only what they print. An escaped string is decoded by JSON.parse
 * and re-encoded, so equal values always give equal byte strings.
 */
import { ENVELOPE_KEYS, EVENT_CLASSES } from 'calute-audit';

const PREFIX = '{"event_type":"';
/** Types remembered for the in-place comparison: an agent loop's turn cycles through about six. */
const RECENT_TYPES = 8;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d;

/** One key of a type's plan: the bytes `,"key":` that must come next. */
interface Step {
  readonly key: string;
  readonly token: readonly number[];
  readonly optional: boolean;
  readonly wanted: boolean;
}

export type FieldValues = Record<string, unknown>;

export interface FieldReader {
  /** The keys it reads; `read` sets each (undefined when the record has no such key). */
  readonly keys: readonly string[];
  /**
   * Reads the line `[start, end)`: `text` is `chunk` as latin1. Returns false, with `out`
   * in an unspecified state, when the line must be parsed in full instead.
   */
  read(chunk: Buffer, text: string, start: number, end: number, out: FieldValues): boolean;
}

/** A byte string (see above) as text. */
export function fromByteString(value: string): string {
  return /[^\x00-\x7f]/.test(value) ? Buffer.from(value, 'latin1').toString('utf8') : value;
}

/** Text as a byte string. */
export function toByteString(value: string): string {
  return /[^\x00-\x7f]/.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value;
}

/** The fields of a parsed record, as `read` would give them (strings as byte strings). */
export function fieldsOfRecord(
  record: Record<string, unknown>,
  keys: readonly string[],
  out: FieldValues,
): void {
  for (const key of keys) {
    const value = Object.hasOwn(record, key) ? record[key] : undefined;
    out[key] = typeof value === 'string' ? toByteString(value) : value;
  }
}

export function compileFieldReader(keys: readonly string[]): FieldReader {
  const wanted = new Set(keys);
  // Per type: its steps, and the keys to clear before reading (those it may not set).
  interface Plan {
    readonly type: string;
    /** The type and its closing quote, as on the line. */
    readonly token: string;
    readonly steps: readonly Step[];
    readonly unset: readonly string[];
  }
  const plans = new Map<string, Plan>();
  const recent: Plan[] = [];
  for (const [type, Class] of Object.entries(EVENT_CLASSES)) {
    const steps = [
      ...ENVELOPE_KEYS.slice(1).map((key) => ({ key, optional: false })),
      ...Class.fields.map((field) => ({ key: field.key, optional: field.optional })),
    ].map(({ key, optional }) => ({
      key,
      optional,
      wanted: wanted.has(key),
      token: [...`,"${key}":`].map((char) => char.charCodeAt(0)),
    }));
    const always = new Set(steps.filter((step) => !step.optional).map((step) => step.key));
    plans.set(type, {
      type,
      token: `${type}"`,
      steps,
      unset: keys.filter((key) => key !== 'event_type' && !always.has(key)),
    });
  }
  const readEventType = wanted.has('event_type');

  return {
    keys,
    read(chunk, text, start, end, out) {
      if (!text.startsWith(PREFIX, start)) return false;
      const typeStart = start + PREFIX.length;
      // The types seen last are tried first, by comparing bytes in place: cheaper than
      // slicing the type out and hashing it on every line.
      let plan: Plan | undefined;
      for (let r = 0; r < recent.length; r++) {
        if (text.startsWith(recent[r].token, typeStart)) {
          plan = recent[r];
          break;
        }
      }
      if (plan === undefined) {
        const typeEnd = text.indexOf('"', typeStart);
        if (typeEnd === -1 || typeEnd >= end) return false;
        plan = plans.get(text.slice(typeStart, typeEnd));
        if (plan === undefined) return false;
        recent.unshift(plan);
        if (recent.length > RECENT_TYPES) recent.pop();
      }
      const typeEnd = typeStart + plan.token.length - 1;
      for (const key of plan.unset) out[key] = undefined;
      // The table's own string: a map keyed by it hashes it once, not once per line.
      if (readEventType) out.event_type = plan.type;
      let i = typeEnd + 1;
      const steps = plan.steps;
      for (let p = 0; p < steps.length; p++) {
        const step = steps[p];
        const token = step.token;
        let k = 0;
        while (k < token.length && text.charCodeAt(i + k) === token[k]) k++;
        if (k < token.length) {
          if (step.optional) continue;
          return false;
        }
        i += token.length;
        const valueEnd = valueEndAt(text, i, end);
        if (valueEnd === -1) return false;
        if (step.wanted) {
          const value = readValue(chunk, text, i, valueEnd);
          if (value === INVALID) return false;
          out[step.key] = value;
        }
        i = valueEnd;
      }
      return i === end - 1 && text.charCodeAt(i) === CLOSE_BRACE;
    },
  };
}

/** Where the JSON value starting at `i` ends (exclusive), or -1 if it is not well formed. */
function valueEndAt(text: string, i: number, end: number): number {
  const first = text.charCodeAt(i);
  if (first === QUOTE) return stringEndAt(text, i, end);
  if (first === 0x7b || first === 0x5b) return nestedEndAt(text, i, end);
  let j = i;
  while (j < end) {
    const c = text.charCodeAt(j);
    if (c === COMMA || c === CLOSE_BRACE) break;
    j++;
  }
  return j > i ? j : -1;
}

/** The index after the closing quote of the string opening at `i`, or -1. */
function stringEndAt(text: string, i: number, end: number): number {
  let from = i + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1 || quote >= end) return -1;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if ((backslashes & 1) === 0) return quote + 1;
    from = quote + 1;
  }
}

/** The index after the object or array opening at `i`, or -1. */
function nestedEndAt(text: string, i: number, end: number): number {
  let depth = 0;
  let j = i;
  while (j < end) {
    const c = text.charCodeAt(j);
    if (c === QUOTE) {
      j = stringEndAt(text, j, end);
      if (j === -1) return -1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return j + 1;
    }
    j++;
  }
  return -1;
}

const INVALID = Symbol('invalid');
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

function readValue(chunk: Buffer, text: string, i: number, valueEnd: number): unknown {
  const first = text.charCodeAt(i);
  if (first === QUOTE) {
    const inner = text.slice(i + 1, valueEnd - 1);
    if (inner.indexOf('\\') === -1) return inner;
    try {
      return toByteString(JSON.parse(chunk.toString('utf8', i, valueEnd)) as string);
    } catch {
      return INVALID;
    }
  }
  const raw = text.slice(i, valueEnd);
  if (first === 0x7b || first === 0x5b) {
    try {
      return JSON.parse(chunk.toString('utf8', i, valueEnd));
    } catch {
      return INVALID;
    }
  }
  if (raw === 'null') return null;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return NUMBER.test(raw) ? Number(raw) : INVALID;
}
