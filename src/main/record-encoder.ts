/**
 * Compiles, once per event type, the function that writes an event's record as UTF-8 JSON
 * bytes (with its newline) into a `ByteWriter`. Every way a record leaves an event goes
 * through it: the sinks copy its bytes, `serialize()` decodes them, `toDict()` parses them.
 *
 * The generated code is straight-line, one block per field, made only from the type's
 * static field table (keys are checked names; nothing from an event's content is ever part
 * of the source). Each block compares the field's value with the one the previous record of
 * this type had: agent, turn and session ids, tool names, statuses, severities and the
 * second of the timestamp repeat from one event to the next, and an unchanged value costs a
 * comparison; its bytes come along with the run of unchanged bytes around it.
 *
 * Reading a field never throws out of here (a throwing getter is written as
 * `"[Unserializable: message]"`), and a value of an unexpected type is written by
 * `stringifySafe`. Code that runs while a record is being written (a `toJSON`, a getter)
 * and writes another event of the same type gets a fresh encoder of its own.
 */
import { ByteWriter } from './byte-writer.js';
import { ENVELOPE, type EventSpec, type FieldKind } from './event-definition.js';
import { unserializable } from './json-safe.js';

/** Own properties of every event where the time it was made is kept (see audit-event.ts). */
export const MICROS = Symbol('calute-audit.micros');
export const STAMP = Symbol('calute-audit.stamp');

export interface RecordEncoder {
  /**
   * Writes `event`'s record; returns the writer holding it, at
   * `[writer.prevBase, writer.prevBase + writer.prevLength)`, until its next use.
   * `cap`: the most bytes the record may take. A value longer than about `cap` is cut and
   * marked; a record still over `cap` is written again with `cap` shared out among its
   * values (the short ones kept whole). Over `cap` only when it cannot hold one marker per
   * long value (a cap of a few hundred bytes for many long fields).
   */
  encode(event: object, cap: number): ByteWriter;
}

interface EncoderField {
  key: string;
  prop: string;
  write: 'str' | 'nullableStr' | 'num' | 'nullableNum' | 'bool' | 'object' | 'array';
  optional: boolean;
}

function writerFor(kind: FieldKind, nullable: boolean): EncoderField['write'] {
  switch (kind) {
    case 'string':
      return nullable ? 'nullableStr' : 'str';
    case 'number':
      return nullable ? 'nullableNum' : 'num';
    case 'boolean':
      return 'bool';
    case 'object':
      return 'object';
    default:
      return 'array';
  }
}

/** The envelope after `event_type` and the timestamp (which are written apart). */
const ENVELOPE_FIELDS: readonly EncoderField[] = ENVELOPE.slice(2).map((field) => ({
  key: field.key,
  prop: field.prop,
  write: field.kind === 'object' ? 'object' : field.nullable ? 'nullableStr' : 'str',
  optional: false,
}));

/** `{}` with nothing in it and no prototype tricks; never throws (a Proxy says no). */
export function isEmptyPlainObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  try {
    if (Object.getPrototypeOf(value) !== Object.prototype) return false;
    for (const _ in value) return false;
    return true;
  } catch {
    return false;
  }
}

export function isEmptyArray(value: unknown): boolean {
  try {
    return Array.isArray(value) && value.length === 0 && Object.getPrototypeOf(value) === Array.prototype;
  } catch {
    return false;
  }
}

/** `JSON.stringify` of a key, ready to sit between a comma and a value: `,"tool_name":`. */
function keyText(key: string): string {
  return `,${JSON.stringify(key)}:`;
}

/**
 * The generated body. Variables per field i: `last<i>` (the value in the previous record),
 * `vs<i>`/`ve<i>` (where its value's bytes are in the previous record), `ns<i>`/`ne<i>`
 * (where they are in the new one). `from` is where the run of unchanged bytes not yet
 * copied starts in the previous record.
 */
function fieldBlock(field: EncoderField, i: number): string {
  const read = `try { v = e[${JSON.stringify(field.prop)}]; } catch (thrown) { v = unserializable(thrown); }`;
  const unchanged = `ns${i} = w.pos + (vs${i} - from); ne${i} = ns${i} + (ve${i} - vs${i});`;
  // In a record written again to fit the cap, each value has a cap of its own.
  const open = `w.run(from, vs${i}); ns${i} = w.pos; changed = true; if (caps !== null) w.cap = caps[${i}];`;
  const close = `ne${i} = w.pos; from = ve${i};`;
  if (field.optional) {
    return `${read}
if (v === null) v = undefined;
if (v !== last${i} || (typeof v === 'object' && v !== null)) {
  ${open} if (v !== undefined) { w.ascii(${JSON.stringify(keyText(field.key))}); w.str(v); } ${close} last${i} = v;
} else { ${unchanged} }`;
  }
  if (field.write === 'object' || field.write === 'array') {
    const empty = field.write === 'object' ? 'isEmptyPlainObject(v)' : 'isEmptyArray(v)';
    const literal = field.write === 'object' ? "'{}'" : "'[]'";
    return `${read}
empty = ${empty};
if (!(empty && last${i} === true)) {
  ${open} if (empty) w.ascii(${literal}); else w.value(v); ${close} last${i} = empty;
} else { ${unchanged} }`;
  }
  return `${read}
if (v !== last${i} || (typeof v === 'object' && v !== null)) {
  ${open} w.${field.write}(v); ${close} last${i} = v;
} else { ${unchanged} }`;
}

/** The timestamp: epoch microseconds (only the six digits change within a second), or a string. */
const TIMESTAMP_BLOCK = `try { v = e[STAMP]; } catch (thrown) { v = unserializable(thrown); }
if (v === undefined) {
  try { v = e[MICROS]; } catch (thrown) { v = null; }
  // Made by nowMicros(); anything else (an object built without its constructor) is written as null.
  if (typeof v !== 'number' || !(v >= 0 && v < 253402300800e6)) { w.run(from, vs0); ns0 = w.pos; w.str(null); ne0 = w.pos; from = ve0; last0 = UNSET; second0 = NaN; changed = true; }
  else if (v !== last0) {
    second = Math.floor(v / 1e6);
    if (second === second0 && typeof last0 === 'number') {
      // '"YYYY-MM-DDTHH:MM:SS.' is 21 bytes; then 6 digits; '+00:00"' follows unchanged.
      ns0 = w.pos + (vs0 - from); ne0 = ns0 + (ve0 - vs0);
      w.run(from, vs0 + 21); w.micros(v); from = vs0 + 27; changed = true;
    } else {
      w.run(from, vs0); ns0 = w.pos; w.timestamp(v); ne0 = w.pos; from = ve0; changed = true;
      // Only the reference's 34-byte form (a four-digit year) has its digits where the fast path writes them.
      second0 = ne0 - ns0 === 34 ? second : NaN;
    }
    last0 = v;
  } else { ns0 = w.pos + (vs0 - from); ne0 = ns0 + (ve0 - vs0); }
} else if (v !== last0 || typeof v !== 'string') {
  w.run(from, vs0); ns0 = w.pos; if (caps !== null) w.cap = caps[0]; w.str(v); ne0 = w.pos; from = ve0; last0 = v; second0 = NaN; changed = true;
} else { ns0 = w.pos + (vs0 - from); ne0 = ns0 + (ve0 - vs0); }`;

/** Makes a function that creates independent encoders for `spec` (each with its own memory). */
export function compileRecordEncoder(spec: EventSpec): () => RecordEncoder {
  const fields: EncoderField[] = [
    ...ENVELOPE_FIELDS,
    ...spec.fields.map((field) => ({
      key: field.key,
      prop: field.prop,
      write: writerFor(field.kind, field.nullable),
      optional: field.optional,
    })),
  ];
  // The record with every value empty: keys in place, value regions of length 0.
  let template = `{"event_type":${JSON.stringify(spec.type)},"timestamp":`;
  const offsets = [template.length];
  for (const field of fields) {
    if (!field.optional) template += keyText(field.key);
    offsets.push(Buffer.byteLength(template));
  }
  template += '}\n';
  const templateBytes = Buffer.from(template);

  const count = fields.length + 1;
  const indexes = Array.from({ length: count }, (_, i) => i);
  const declarations = [
    // Where each value is in the previous record: kept between calls.
    `let last0, second0 = NaN, ${indexes.map((i) => `vs${i}, ve${i}`).join(', ')};`,
    fields.map((_, i) => `let last${i + 1};`).join(' '),
    'let busy = false, lastCap = -1;',
  ].join('\n');
  const reset = [
    'function reset() {',
    '  TEMPLATE.copy(w.buffer, w.prevBase);',
    '  w.prevLength = TEMPLATE.length;',
    `  last0 = UNSET; second0 = NaN; ${fields.map((_, i) => `last${i + 1} = UNSET;`).join(' ')}`,
    `  ${indexes.map((i) => `vs${i} = ve${i} = OFFSETS[${i}];`).join(' ')}`,
    '}',
  ].join('\n');
  const write = [
    'function write(e, cap, caps) {',
    // Where each value goes in the new record: locals, which the optimizer keeps in registers.
    `  let v, empty, second, from = 0, changed = false, ${indexes.map((i) => `ns${i} = 0, ne${i} = 0`).join(', ')};`,
    '  w.begin(cap);',
    TIMESTAMP_BLOCK,
    ...fields.map((field, i) => fieldBlock(field, i + 1)),
    '  // Every value as in the previous record: that record is this one.',
    '  if (!changed) return w.prevLength;',
    '  w.run(from, w.prevLength);',
    `  ${indexes.map((i) => `vs${i} = ns${i}; ve${i} = ne${i};`).join(' ')}`,
    '  return w.end();',
    '}',
  ].join('\n');
  // Water-filling over the values' sizes in the record just written: values under a fair
  // share of what the cap leaves beside the keys keep (at most) their size, the larger ones
  // share the rest equally (less their quotes).
  // An optional field's key is written with its value (the template has no place for it).
  const inlineKey = [
    0,
    ...fields.map((field) => (field.optional ? Buffer.byteLength(keyText(field.key)) : 0)),
  ];
  const share = `const INLINE_KEY = ${JSON.stringify(inlineKey)};
function share(length, cap) {
  const sizes = [${indexes.map((i) => `ve${i} - vs${i}`).join(', ')}];
  let remaining = cap - length;
  for (const size of sizes) remaining += size;
  const order = sizes.map((_, i) => i).sort((a, b) => sizes[a] - sizes[b]);
  // A value kept may not grow past its size (it may have been cut to it already).
  const caps = sizes.map((size, i) => size - INLINE_KEY[i]);
  for (let k = 0; k < order.length; k++) {
    const fair = Math.floor(remaining / (order.length - k));
    if (sizes[order[k]] > fair) {
      for (let j = k; j < order.length; j++) caps[order[j]] = Math.max(0, fair - 2 - INLINE_KEY[order[j]]);
      break;
    }
    remaining -= sizes[order[k]];
  }
  return caps;
}`;
  const encode = `function encode(e, cap) {
  if (busy) return make().encode(e, cap);
  busy = true;
  try {
    if (cap !== lastCap) { reset(); lastCap = cap; }
    // Room for the envelope beside one value at the cap.
    let length = write(e, cap - Math.min(1024, cap >> 1), null);
    // Over the cap: written again with the cap shared out among the values, twice at most
    // (the second share starts from the first one's sizes); then these cut values are forgotten.
    for (let round = 0; round < 2 && length > cap; round++) {
      const caps = share(length, cap);
      reset();
      length = write(e, cap, caps);
      lastCap = -1;
    }
    return w;
  } catch (error) {
    lastCap = -1;
    throw error;
  } finally {
    busy = false;
  }
}`;
  const source = `return function make() {
const w = new ByteWriter();
${declarations}
${reset}
${write}
${share}
${encode}
return { encode };
};`;
  const factory = new Function(
    'ByteWriter',
    'TEMPLATE',
    'OFFSETS',
    'UNSET',
    'STAMP',
    'MICROS',
    'isEmptyPlainObject',
    'isEmptyArray',
    'unserializable',
    source,
  );
  return factory(
    ByteWriter,
    templateBytes,
    offsets,
    Symbol('unset'),
    STAMP,
    MICROS,
    isEmptyPlainObject,
    isEmptyArray,
    unserializable,
  ) as () => RecordEncoder;
}
