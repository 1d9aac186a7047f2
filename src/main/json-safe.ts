/**
 * JSON for values JSON cannot represent: the counterpart of Python's `json.dumps(...,
 * default=str)`. Whatever the value, `toJsonSafe` returns a tree of plain objects, arrays,
 * strings, finite numbers, booleans and null, so `JSON.stringify` of it never throws and
 * writes everything. The string forms:
 *
 * | value                          | written as                                          |
 * |--------------------------------|-----------------------------------------------------|
 * | bigint                         | its exact digits: `"12345678901234567890"`          |
 * | NaN, Infinity, -Infinity       | `"NaN"`, `"Infinity"`, `"-Infinity"`                |
 * | -0                             | `0` (what JSON writes, so `toDict()` equals it)     |
 * | undefined                      | left out of an object, `null` in an array (JSON's rule) |
 * | an array hole                  | `null` (JSON's rule)                                |
 * | symbol                         | `"Symbol(description)"`                             |
 * | function                       | `"[Function: name]"` (never its source)             |
 * | a circular reference           | `"[Circular]"`                                      |
 * | an object nested too deep      | `"[Unserializable: nested deeper than 1000 levels]"` |
 * | a getter, toJSON or Proxy trap that throws, a revoked Proxy | `"[Unserializable: message]"` |
 * | Map                            | an array of `[key, value]` pairs                    |
 * | Set                            | an array of its values                              |
 * | Date and others with toJSON    | what `toJSON()` returns (a Date: its ISO string)    |
 * | new Number/String/Boolean(x)   | as `x`, unwrapped like JSON                         |
 * | an Error                       | `"TypeError: message"` (JSON would write `{}`)      |
 * | class instances                | their own enumerable properties, like JSON          |
 * | what comes after the budget    | `"[Truncated: over N bytes]"` once, then nothing: in place of the value it ran out on, as the last item of an array, or under the key `"…"` of an object |
 *
 * The same object reached twice (not a cycle) is written twice, as JSON does; the budget
 * (about the size of the JSON text, in UTF-16 units) bounds the work, so a small graph of
 * shared objects that expands to gigabytes stops at the budget instead of exhausting memory.
 * Lone surrogates need no special care: `JSON.stringify` writes them as `\udXXX` escapes.
 */

import { DEFAULT_MAX_RECORD_BYTES } from './record-limits.js';

export const CIRCULAR = '[Circular]';

/**
 * Objects and arrays nested deeper than this are written as a marker string. 1000 is Python's
 * default recursion limit, past which the reference's `json.dumps` fails; without a bound,
 * nesting of a few thousand levels made `JSON.stringify` overflow the stack.
 */
export const MAX_DEPTH = 1000;
const TOO_DEEP = `[Unserializable: nested deeper than ${MAX_DEPTH} levels]`;

/**
 * `Array.isArray` that never throws: a revoked Proxy (which makes it throw) is no array
 * anyone could read, and the serializer writes it as unserializable.
 */
export function isArraySafe(value: unknown): boolean {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/** The budget when none is given: the default record size cap. */
const DEFAULT_JSON_BUDGET = DEFAULT_MAX_RECORD_BYTES;

export function truncatedMarker(budget: number): string {
  return `[Truncated: over ${budget} bytes]`;
}

export function unserializable(error: unknown): string {
  let message: string;
  try {
    message = error instanceof Error ? error.message : String(error);
  } catch {
    message = 'unknown error';
  }
  return `[Unserializable: ${message}]`;
}

/** Marks a position whose value JSON leaves out (undefined in an object). */
const OMIT = Symbol('omit');

class Walk {
  /** UTF-16 units of JSON text the tree will take, roughly; compared with the budget. */
  size = 0;
  exhausted = false;
  /** Whether the marker was written: once, where the budget ran out. */
  marked = false;
  readonly ancestors: object[] = [];
  constructor(readonly budget: number) {}

  /** Counts `units` and says whether the budget still has room. */
  spend(units: number): boolean {
    if (this.exhausted) return false;
    this.size += units;
    if (this.size <= this.budget) return true;
    this.exhausted = true;
    return false;
  }

  /** The marker, in place of the value (or the rest of a container) the budget did not reach. */
  mark(): string {
    this.marked = true;
    return truncatedMarker(this.budget);
  }
}

/** The key under which an object cut short holds the marker. */
const CUT_KEY = '…';

/** A JSON-safe copy of `value` (see the table above). Never throws. */
export function toJsonSafe(value: unknown, budget = DEFAULT_JSON_BUDGET): unknown {
  const walk = new Walk(budget);
  let converted: unknown;
  try {
    converted = convert(value, walk, true);
  } catch (error) {
    // Only a stack overflow (called with the stack nearly full) gets here.
    return unserializable(error);
  }
  return converted === OMIT ? null : converted;
}

function convert(value: unknown, walk: Walk, callToJson: boolean): unknown {
  switch (typeof value) {
    case 'string':
      return walk.spend(value.length + 2) ? value : walk.mark();
    case 'boolean':
      return walk.spend(5) ? value : walk.mark();
    case 'number':
      if (!walk.spend(8)) return walk.mark();
      // `value + 0` turns -0 into 0, as JSON.stringify writes it.
      return Number.isFinite(value) ? value + 0 : String(value);
    case 'bigint':
      return value.toString();
    case 'undefined':
      return OMIT;
    case 'symbol':
      return value.toString();
    case 'function':
      return `[Function: ${(value as { name?: string }).name || 'anonymous'}]`;
  }
  if (value === null) return null;
  try {
    return convertObject(value as Record<string, unknown>, walk, callToJson);
  } catch (error) {
    // A revoked Proxy, a Proxy trap that throws, an exotic object that refuses to be read.
    return unserializable(error);
  }
}

function convertObject(object: Record<string, unknown>, walk: Walk, callToJson: boolean): unknown {
  const ancestors = walk.ancestors;
  if (ancestors.includes(object)) return CIRCULAR;
  if (ancestors.length >= MAX_DEPTH) return TOO_DEEP;
  if (!walk.spend(2)) return walk.mark();
  let toJson: unknown;
  try {
    toJson = callToJson ? object.toJSON : undefined;
  } catch (error) {
    return unserializable(error);
  }
  if (typeof toJson === 'function') {
    let converted: unknown;
    try {
      converted = toJson.call(object);
    } catch (error) {
      return unserializable(error);
    }
    // As in JSON.stringify, toJSON is asked once per position, not again on its result.
    return convert(converted, walk, false);
  }
  // Boxed primitives are written as their value, as JSON.stringify does.
  if (object instanceof Number || object instanceof String || object instanceof Boolean) {
    return convert(object.valueOf(), walk, false);
  }
  if (object instanceof BigInt) return object.valueOf().toString();
  // JSON would write {} (message and stack are not enumerable): keep what went wrong.
  if (object instanceof Error) return errorString(object);
  ancestors.push(object);
  try {
    if (Array.isArray(object)) return convertItems(object.length, (index) => object[index], walk);
    if (object instanceof Map) {
      const entries = Array.from(object);
      return convertItems(entries.length, (index) => entries[index], walk);
    }
    if (object instanceof Set) {
      const values = Array.from(object);
      return convertItems(values.length, (index) => values[index], walk);
    }
    return convertProperties(object, walk);
  } finally {
    ancestors.pop();
  }
}

/** Array-like values, by index as JSON does (a hole reads as undefined and becomes null). */
function convertItems(length: number, itemAt: (index: number) => unknown, walk: Walk): unknown[] {
  const items: unknown[] = [];
  for (let index = 0; index < length; index++) {
    if (walk.exhausted) {
      // Ran out at a separator or inside an item already written: the rest is marked here.
      if (!walk.marked) items.push(walk.mark());
      break;
    }
    let item: unknown;
    try {
      item = itemAt(index);
    } catch (error) {
      item = unserializable(error);
    }
    const converted = convert(item, walk, true);
    items.push(converted === OMIT ? null : converted);
    walk.spend(1);
  }
  return items;
}

function convertProperties(object: Record<string, unknown>, walk: Walk): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    // The key first: a budget that runs out on it leaves the marker, not a value without it.
    if (walk.exhausted || !walk.spend(key.length + 4)) {
      if (!walk.marked) setOwn(out, CUT_KEY, walk.mark());
      break;
    }
    let item: unknown;
    try {
      item = object[key];
    } catch (error) {
      item = unserializable(error);
    }
    const converted = convert(item, walk, true);
    if (converted === OMIT) continue;
    setOwn(out, key, converted);
  }
  return out;
}

function errorString(error: Error): string {
  try {
    return String(error);
  } catch (thrown) {
    return unserializable(thrown);
  }
}

/** Plain assignment would turn a "__proto__" key into a prototype change; this keeps it a key. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/**
 * How deep `isPlainJson` looks: metadata is a few levels of plain objects; deeper (or a
 * cycle, which never ends) goes through the walker, which handles both.
 */
const PLAIN_JSON_DEPTH = 16;

/**
 * Whether JSON.stringify writes `value` exactly as this module would: plain objects and
 * arrays, a few levels deep, whose leaves are all strings, finite numbers, booleans, null or
 * undefined, within the budget. Then the native serializer does the work in one pass,
 * without the walker's copy. Reads each value once; a throwing getter or Proxy says no.
 */
function isPlainJson(value: object, budget: number): boolean {
  try {
    return plainJsonSize(value, budget, PLAIN_JSON_DEPTH) >= 0;
  } catch {
    return false;
  }
}

/** The JSON size of `value`, roughly, or -1 when it is not plain JSON (see isPlainJson). */
function plainJsonSize(value: object, budget: number, depth: number): number {
  const proto = Object.getPrototypeOf(value);
  if ((proto !== Object.prototype && proto !== Array.prototype) || depth === 0) return -1;
  let size = 2;
  for (const key in value) {
    // An inherited enumerable key, or a toJSON, would make JSON.stringify differ.
    if (key === 'toJSON' || !Object.hasOwn(value, key)) return -1;
    const item = (value as Record<string, unknown>)[key];
    size += key.length + 4;
    switch (typeof item) {
      case 'string':
        size += item.length;
        break;
      case 'number':
        if (!Number.isFinite(item)) return -1;
        size += 8;
        break;
      case 'boolean':
      case 'undefined':
        size += 5;
        break;
      case 'object': {
        if (item === null) break;
        const inner = plainJsonSize(item, budget - size, depth - 1);
        if (inner < 0) return -1;
        size += inner;
        break;
      }
      default:
        return -1;
    }
    if (size > budget) return -1;
  }
  // A hole in an array is skipped by for-in; JSON writes it as null, as this module does.
  return size;
}

/** Compact JSON text of any value, with the string forms above. Never throws. */
export function stringifySafe(value: unknown, budget = DEFAULT_JSON_BUDGET): string {
  try {
    if (typeof value === 'object' && value !== null && isPlainJson(value, budget)) {
      return JSON.stringify(value);
    }
    const text = JSON.stringify(toJsonSafe(value, budget));
    // JSON leaves out a top-level undefined entirely; a record's value position needs a value.
    return text === undefined ? 'null' : text;
  } catch (error) {
    // A JSON-safe tree only fails to stringify when the stack is nearly full already.
    return JSON.stringify(unserializable(error));
  }
}
