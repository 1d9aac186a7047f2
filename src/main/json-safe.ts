/**
 * JSON for values JSON cannot represent: the counterpart of Python's `json.dumps(...,
 * default=str)`. Whatever the value, `toJsonSafe` returns a tree of plain objects, arrays,
 * strings, finite numbers, booleans and null, so `JSON.stringify` of it never throws and
 * writes everything. The string forms:
 *
 * | value                          | written as                                       |
 * |--------------------------------|--------------------------------------------------|
 * | bigint                         | its exact digits: `"12345678901234567890"`       |
 * | NaN, Infinity, -Infinity       | `"NaN"`, `"Infinity"`, `"-Infinity"`             |
 * | -0                             | `0` (what JSON writes, so `toDict()` equals it)  |
 * | undefined, an array hole       | `"undefined"` (kept, not dropped)                |
 * | symbol                         | `"Symbol(description)"`                          |
 * | function                       | `"[Function: name]"` (never its source)          |
 * | a circular reference           | `"[Circular]"`                                   |
 * | an object nested too deep      | `"[Unserializable: nested deeper than 1000 levels]"` |
 * | a getter or toJSON that throws | `"[Unserializable: message]"`                    |
 * | Map                            | an array of `[key, value]` pairs                 |
 * | Set                            | an array of its values                           |
 * | Date and others with toJSON    | what `toJSON()` returns (a Date: its ISO string) |
 * | new Number/String/Boolean(x)   | as `x`, unwrapped like JSON                      |
 * | an Error                       | `"TypeError: message"` (JSON would write `{}`)   |
 * | class instances                | their own enumerable properties, like JSON       |
 *
 * Lone surrogates need no special care: `JSON.stringify` writes them as `\udXXX` escapes.
 */

export const CIRCULAR = '[Circular]';

/**
 * Objects and arrays nested deeper than this are written as a marker string. 1000 is Python's
 * default recursion limit, past which the reference's `json.dumps` fails; without a bound,
 * nesting of a few thousand levels made `JSON.stringify` overflow the stack after `convert`
 * had succeeded, so `serialize()` threw.
 */
export const MAX_DEPTH = 1000;
const TOO_DEEP = `[Unserializable: nested deeper than ${MAX_DEPTH} levels]`;

function errorString(error: Error): string {
  try {
    return String(error);
  } catch (thrown) {
    return unserializable(thrown);
  }
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

/** A JSON-safe copy of `value` (see the table above). Never throws. */
export function toJsonSafe(value: unknown): unknown {
  try {
    return convert(value, [], true);
  } catch (error) {
    // Only a stack overflow (called with the stack nearly full) gets here.
    return unserializable(error);
  }
}

function convert(value: unknown, ancestors: object[], callToJson: boolean): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // `value + 0` turns -0 into 0, as JSON.stringify writes it.
      return Number.isFinite(value) ? value + 0 : String(value);
    case 'bigint':
      return value.toString();
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return value.toString();
    case 'function':
      return `[Function: ${(value as { name?: string }).name || 'anonymous'}]`;
  }
  if (value === null) return null;
  const object = value as Record<string, unknown>;
  if (ancestors.includes(object)) return CIRCULAR;
  if (ancestors.length >= MAX_DEPTH) return TOO_DEEP;
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
    return convert(converted, ancestors, false);
  }
  // Boxed primitives are written as their value, as JSON.stringify does.
  if (object instanceof Number || object instanceof String || object instanceof Boolean) {
    return convert(object.valueOf(), ancestors, false);
  }
  if (object instanceof BigInt) return object.valueOf().toString();
  // JSON would write {} (message and stack are not enumerable): keep what went wrong.
  if (object instanceof Error) return errorString(object);
  ancestors.push(object);
  try {
    if (Array.isArray(object)) {
      // By index, as JSON does, not map(): a hole reads as undefined instead of staying a hole.
      const items: unknown[] = [];
      for (let index = 0; index < object.length; index++) items.push(convert(object[index], ancestors, true));
      return items;
    }
    if (object instanceof Map) {
      return Array.from(object, ([key, item]) => [
        convert(key, ancestors, true),
        convert(item, ancestors, true),
      ]);
    }
    if (object instanceof Set) return Array.from(object, (item) => convert(item, ancestors, true));
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(object)) {
      let item: unknown;
      try {
        item = object[key];
      } catch (error) {
        setOwn(out, key, unserializable(error));
        continue;
      }
      setOwn(out, key, convert(item, ancestors, true));
    }
    return out;
  } finally {
    ancestors.pop();
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

/** Compact JSON text of any value, with the string forms above. Never throws. */
export function stringifySafe(value: unknown): string {
  try {
    return JSON.stringify(toJsonSafe(value));
  } catch (error) {
    // A JSON-safe tree only fails to stringify when the stack is nearly full already.
    return JSON.stringify(unserializable(error));
  }
}
