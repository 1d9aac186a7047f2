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
 * | undefined                      | `"undefined"` (kept, not dropped)                |
 * | symbol                         | `"Symbol(description)"`                          |
 * | function                       | `"[Function: name]"` (never its source)          |
 * | a circular reference           | `"[Circular]"`                                   |
 * | a getter or toJSON that throws | `"[Unserializable: message]"`                    |
 * | Map                            | an array of `[key, value]` pairs                 |
 * | Set                            | an array of its values                           |
 * | Date and others with toJSON    | what `toJSON()` returns (a Date: its ISO string) |
 * | class instances                | their own enumerable properties, like JSON       |
 *
 * Lone surrogates need no special care: `JSON.stringify` writes them as `\udXXX` escapes.
 */

export const CIRCULAR = '[Circular]';

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
    // Only a stack overflow on absurdly deep nesting gets here.
    return unserializable(error);
  }
}

function convert(value: unknown, ancestors: object[], callToJson: boolean): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
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
  ancestors.push(object);
  try {
    if (Array.isArray(object)) return object.map((item) => convert(item, ancestors, true));
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
  return JSON.stringify(toJsonSafe(value));
}
