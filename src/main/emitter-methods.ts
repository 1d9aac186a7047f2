/**
 * The emitter's `emit*` methods, compiled from event-table.ts: each checks its options
 * (unknown names and wrong types throw, naming them), fills what the caller left out from
 * the table's defaults and the emitter's context, cuts previews, redacts, builds the event
 * without checking it again, and hands it to the collector.
 */

import type { AuditCollector } from './collector.js';
import { expectedText, wrongTypeTest } from './define-event.js';
import { errors } from './errors.js';
import { declarationOfClass, TRUSTED } from './event-declaration.js';
import type { EventSpec, FieldSpec } from './event-definition.js';
import { BUILTIN_EVENTS, type BuiltinEvent, type BuiltinEventType } from './event-table.js';
import { EVENT_CLASSES } from './events.js';
import { newToolCallId, newTurnId } from './ids.js';
import { isArraySafe } from './json-safe.js';
import { preview } from './preview.js';
import type { Redactor } from './redaction.js';

/** Where an emitter keeps its state (symbols, so the compiled methods can reach it). */
export const SETTINGS = Symbol('calute-audit.emitter.settings');
export const CONTEXT = Symbol('calute-audit.emitter.context');

export interface EmitterSettings {
  readonly collector: AuditCollector;
  readonly previewLength: number;
  readonly previewMarker: string;
  readonly redactor: Redactor | null;
  readonly toolCallIds: boolean;
}

export interface BoundContext {
  readonly agentId: string | null;
  readonly turnId: string | null;
  readonly sessionId: string | null;
  readonly metadata: Readonly<Record<string, unknown>> | null;
}

/** `{ ...bound, ...own }`, without copying when one side is missing. */
export function mergeMetadata(
  bound: Readonly<Record<string, unknown>> | null,
  own: Record<string, unknown> | undefined | null,
): Record<string, unknown> {
  if (bound === null) return own ?? {};
  if (own === undefined || own === null) return { ...bound };
  try {
    return { ...bound, ...own };
  } catch {
    // Metadata that cannot be read (a revoked Proxy): written as unserializable, as it is.
    return own;
  }
}

const CONTEXT_ARGS: [name: string, test: string, expected: string][] = [
  ['timestamp', "typeof v !== 'string'", 'a string'],
  ['agentId', "v !== null && typeof v !== 'string'", 'a string or null'],
  ['turnId', "v !== null && typeof v !== 'string'", 'a string or null'],
  ['metadata', "v !== null && (typeof v !== 'object' || IS_ARRAY(v))", 'an object'],
];

/** The source that sets `o[prop]` from the argument, or the default. */
function fieldLine(field: FieldSpec, index: number, returns: BuiltinEvent['emitter']): string {
  const target = `o[${JSON.stringify(field.prop)}]`;
  const read = `v = a[${JSON.stringify(field.arg)}];`;
  // `null` means "not given" too, unless null is a value of the field.
  const missing = field.nullable ? 'v === undefined' : '(v === undefined || v === null)';
  const fallback =
    field.argDefault !== undefined ? `AD[${index}]` : field.optional ? 'undefined' : `D[${index}]`;
  if (field.prop === 'toolCallId' && returns?.returns === 'toolCallId') {
    return `${read} ${target} = ${missing} || v === '' ? (s.toolCallIds ? newToolCallId() : undefined) : v;`;
  }
  if (field.prop === 'toolCallId') {
    // '' is no id, as for the attempt: a record never says "tool_call_id":"".
    return `${read} ${target} = ${missing} || v === '' ? undefined : v;`;
  }
  if (field.preview) {
    // Patterns see the text before the cut (a secret split by the cut is still found).
    return `${read} ${target} = ${missing} ? ${fallback} : preview(s.redactor === null ? v : s.redactor.beforePreview(v, s.previewLength), s.previewLength, s.previewMarker);`;
  }
  if (field.kind === 'array' || field.kind === 'stringArray') {
    // A copy: the caller may change its array after the call.
    return `${read} ${target} = ${missing} ? ${fallback}.slice() : v.slice();`;
  }
  return `${read} ${target} = ${missing} ? ${fallback} : v;`;
}

function compileMethod(
  type: BuiltinEventType,
  entry: BuiltinEvent,
  spec: EventSpec,
): (this: object, a?: object) => unknown {
  const method = entry.emitter!.method;
  const checks = [
    ...CONTEXT_ARGS,
    ...spec.fields.map((field): [string, string, string] =>
      field.preview
        ? [field.arg, 'false', 'any value']
        : [
            field.arg,
            wrongTypeTest({ ...field, nullable: true }),
            expectedText({ ...field, nullable: true }),
          ],
    ),
  ];
  const known = checks.map(([name]) => name);
  const required = spec.fields.filter((field) => field.required);
  const returnsTurn = entry.emitter?.returns === 'turnId';
  const source = `return function ${method}(a) {
if (a === undefined || a === null) a = NONE;
else if (typeof a !== 'object' || Array.isArray(a)) throw E.eventOption(METHOD, 'options', 'an options object', a);
else for (const k in a) {
  const v = a[k];
  switch (k) {
${checks.map(([name, test, expected]) => `    case ${JSON.stringify(name)}: if (v !== undefined && (${test})) throw E.eventOption(METHOD, k, ${JSON.stringify(expected)}, v); break;`).join('\n')}
    default: throw E.unknownEventOption(METHOD, k, KNOWN, RECORD_KEYS);
  }
}
${required.map((field) => `if (a[${JSON.stringify(field.arg)}] === undefined || a[${JSON.stringify(field.arg)}] === null) throw E.missingArgument(METHOD, ${JSON.stringify(field.arg)});`).join('\n')}
const s = this[SETTINGS], c = this[CONTEXT];
let v;
const o = {};
// When the event happened, if not now (an adapter reporting a step after the fact).
if (a.timestamp !== undefined) o.timestamp = a.timestamp;
v = a.agentId; o.agentId = v === undefined ? c.agentId : v;
v = a.turnId; o.turnId = ${returnsTurn ? 'v || c.turnId || newTurnId()' : 'v === undefined ? c.turnId : v'};
o.sessionId = c.sessionId;
o.metadata = mergeMetadata(c.metadata, a.metadata);
${spec.fields.map((field, index) => fieldLine(field, index, entry.emitter)).join('\n')}
if (s.redactor !== null) s.redactor.apply(o, SPEC, true);
s.collector.emit(new Event(o, TRUSTED));
return ${returnsTurn ? 'o.turnId' : entry.emitter?.returns === 'toolCallId' ? 'o.toolCallId ?? null' : 'undefined'};
};`;
  return new Function(
    'E',
    'METHOD',
    'KNOWN',
    'RECORD_KEYS',
    'NONE',
    'SETTINGS',
    'CONTEXT',
    'D',
    'AD',
    'SPEC',
    'Event',
    'TRUSTED',
    'preview',
    'mergeMetadata',
    'newTurnId',
    'newToolCallId',
    'IS_ARRAY',
    source,
  )(
    errors,
    method,
    known,
    new Map(spec.fields.map((field) => [field.key, field.arg])),
    Object.freeze({}),
    SETTINGS,
    CONTEXT,
    spec.fields.map((field) => field.default),
    spec.fields.map((field) => field.argDefault),
    spec,
    EVENT_CLASSES[type],
    TRUSTED,
    preview,
    mergeMetadata,
    newTurnId,
    newToolCallId,
    isArraySafe,
  );
}

/** Puts one compiled method per built-in type that names one on `prototype`. */
export function installEmitterMethods(prototype: object): void {
  for (const [type, entry] of Object.entries(BUILTIN_EVENTS) as [BuiltinEventType, BuiltinEvent][]) {
    if (entry.emitter === undefined) continue;
    const { spec } = declarationOfClass(EVENT_CLASSES[type]);
    Object.defineProperty(prototype, entry.emitter.method, {
      value: compileMethod(type, entry, spec),
      writable: true,
      configurable: true,
    });
  }
}
