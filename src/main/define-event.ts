/**
 * `defineEvent`: declares an event type once (its `event_type`, severity and fields with
 * defaults) and gets a class whose records are written by a compiled encoder like the
 * built-in ones, whose constructor checks its options, and whose types follow from the
 * declaration. The built-in classes are made the same way, from event-table.ts.
 *
 * Two forms:
 *   const RetrievalEvent = defineEvent({ type: 'retrieval', fields: { query: { kind: 'string' } } });
 *   class RetrievalEvent extends AuditEvent {            // for methods of its own
 *     static { defineEvent(this, { type: 'retrieval', fields: { query: { kind: 'string' } } }); }
 *     declare query: string;
 *   }
 * A subclass that is not declared is refused by its constructor: it would otherwise be
 * written with its parent's type and without its own fields.
 */
import { AuditEvent, type AuditEventOptions } from './audit-event.js';
import { errors } from './errors.js';
import {
  DECLARATION,
  DECLARED_SPECS,
  type Declaration,
  declarationOfClass,
  TRUSTED,
} from './event-declaration.js';
import {
  BASE_TYPE,
  ENVELOPE_PROPS,
  type EventDefinition,
  type EventSpec,
  type FieldMap,
  type FieldOptions,
  type FieldSpec,
  type FieldValues,
  resolveEventSpec,
  type Severity,
} from './event-definition.js';
import { BUILTIN_EVENTS, type BuiltinEvent } from './event-table.js';
import { isArraySafe } from './json-safe.js';
import { compileRecordEncoder, MICROS, STAMP } from './record-encoder.js';
import { nowMicros } from './timestamp.js';

/** An event class: `new` with its options, and what the declaration says of it. */
export interface EventClass<
  E extends AuditEvent = AuditEvent,
  O extends AuditEventOptions = AuditEventOptions,
> {
  new (options?: O): E;
  readonly prototype: E;
  readonly eventType: string;
  readonly defaultSeverity: Severity;
  /** Its fields after the envelope, in record order. */
  readonly fields: readonly FieldSpec[];
}

type AnyEventClass = EventClass<any, any>;

/** The events a class makes. */
export type EventOf<C> = C extends EventClass<infer E, AuditEventOptions> ? E : never;
/** The options a class's constructor takes. */
export type OptionsOf<C> = C extends { new (options?: infer O): AuditEvent } ? NonNullable<O> : never;

/** The class `defineEvent` returns: the parent's properties and options, plus the new fields. */
export type DefinedEventClass<P extends AnyEventClass, T extends string, F extends FieldMap> = EventClass<
  AuditEvent & Omit<EventOf<P>, 'eventType'> & FieldValues<F> & { readonly eventType: T },
  OptionsOf<P> & FieldOptions<F>
>;

export interface DefineEventOptions<T extends string, F extends FieldMap, P extends AnyEventClass>
  extends EventDefinition<T, F> {
  /** The class to extend: its fields come first. @default AuditEvent */
  readonly extends?: P;
  /** The class's name (stack traces, errors). @default the type in PascalCase + "Event" */
  readonly className?: string;
}

export function defineEvent<
  T extends string,
  F extends FieldMap = {},
  P extends AnyEventClass = typeof AuditEvent,
>(definition: DefineEventOptions<T, F, P>): DefinedEventClass<P, T, F>;
export function defineEvent(
  target: abstract new (...args: never[]) => AuditEvent,
  definition: EventDefinition,
): void;
export function defineEvent(
  first:
    | DefineEventOptions<string, FieldMap, AnyEventClass>
    | (abstract new (
        ...args: never[]
      ) => AuditEvent),
  second?: EventDefinition,
): AnyEventClass | undefined {
  if (typeof first === 'function') {
    declareExistingClass(first, second);
    return undefined;
  }
  if (typeof first !== 'object' || first === null) throw errors.option('definition', 'an object', first);
  const Parent: AnyEventClass = first.extends ?? (AuditEvent as AnyEventClass);
  if (typeof Parent !== 'function' || !(Parent === AuditEvent || Parent.prototype instanceof AuditEvent)) {
    throw errors.option('definition.extends', 'AuditEvent or an event class (made by defineEvent)', Parent);
  }
  const parentSpec = declarationOfClass(Parent).spec;
  const spec = resolveEventSpec(parentSpec, first);
  checkBuiltinType(spec, parentSpec, first.fields);
  const name =
    first.className ??
    `${spec.type.replace(/(^|_)([a-z0-9])/g, (_, __, letter: string) => letter.toUpperCase())}Event`;
  if (typeof name !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(name)) {
    throw errors.option('definition.className', 'a JavaScript identifier', name);
  }
  // An object literal's computed key names the class (for stack traces and errors).
  const Class = { [name]: class extends Parent {} }[name] as AnyEventClass;
  declareClass(Class, spec, true);
  return Class;
}

function declareExistingClass(
  target: abstract new (...args: never[]) => AuditEvent,
  definition: EventDefinition | undefined,
): void {
  const parentPrototype = Object.getPrototypeOf(target.prototype) as { [DECLARATION]?: Declaration } | null;
  const parent = parentPrototype?.[DECLARATION];
  if (parent === undefined || parent.owner.prototype !== parentPrototype) {
    throw errors.option('defineEvent(target)', 'a class whose parent is a declared event class', target);
  }
  if (Object.hasOwn(target.prototype, DECLARATION)) {
    throw errors.option('defineEvent(target)', 'a class not declared yet', target.name);
  }
  const spec = resolveEventSpec(parent.spec, definition ?? ({} as EventDefinition));
  checkBuiltinType(spec, parent.spec, definition?.fields);
  declareClass(target, spec, false);
}

/**
 * A built-in type's name belongs to its class and the classes extending it: another class
 * writing `turn_start` records without `prompt_preview` would make the trail lie.
 */
function checkBuiltinType(spec: EventSpec, parent: EventSpec, fields: unknown): void {
  const builtin = (BUILTIN_EVENTS as Record<string, BuiltinEvent | undefined>)[spec.type];
  // The built-in classes themselves are declared with their table entry's own fields.
  if (builtin === undefined || parent.type === spec.type || fields === builtin.fields) return;
  throw errors.option(
    'definition.type',
    `a type no built-in event has (extend ${builtin.className} to add fields to its records)`,
    spec.type,
  );
}

/** Attaches the declaration, and the type and fields as static and prototype properties. */
function declareClass(
  target: abstract new (...args: never[]) => object,
  spec: EventSpec,
  verified: boolean,
): void {
  const props = new Set<string>([
    ...ENVELOPE_PROPS.filter((prop) => prop !== 'timestamp'),
    ...spec.fields.map((field) => field.prop),
  ]);
  const declaration: Declaration = {
    owner: target,
    spec,
    encoder: compileRecordEncoder(spec)(),
    validate: compileValidator(target.name, spec),
    init: compileInit(spec),
    props,
    verified,
  };
  Object.defineProperty(target.prototype, DECLARATION, { value: declaration });
  DECLARED_SPECS.add(spec);
  Object.defineProperty(target.prototype, 'eventType', { value: spec.type });
  Object.defineProperty(target, 'eventType', { value: spec.type });
  Object.defineProperty(target, 'defaultSeverity', { value: spec.severity });
  Object.defineProperty(target, 'fields', {
    value: Object.freeze(spec.fields.map((field) => Object.freeze(field))),
  });
}

const property = (name: string): string => `[${JSON.stringify(name)}]`;

/** `init(event, options)`: every property in record order, from options or the defaults. */
function compileInit(spec: EventSpec): Declaration['init'] {
  const lines = [
    'let v = o.timestamp;',
    'if (v === undefined) { e[MICROS] = nowMicros(); e[STAMP] = undefined; } else { e[MICROS] = NaN; e[STAMP] = v; }',
    'v = o.agentId; e.agentId = v === undefined ? null : v;',
    'v = o.turnId; e.turnId = v === undefined ? null : v;',
    'v = o.sessionId; e.sessionId = v === undefined ? null : v;',
    'v = o.severity; e.severity = v === undefined ? SEVERITY : v;',
    'v = o.metadata; e.metadata = v === undefined ? {} : v;',
  ];
  spec.fields.forEach((field, index) => {
    let fallback = `D[${index}]`;
    if (Array.isArray(field.default)) fallback = `D[${index}].slice()`;
    else if (typeof field.default === 'object' && field.default !== null)
      fallback = `Object.assign({}, D[${index}])`;
    lines.push(`v = o${property(field.prop)}; e${property(field.prop)} = v === undefined ? ${fallback} : v;`);
  });
  const factory = new Function(
    'MICROS',
    'STAMP',
    'nowMicros',
    'SEVERITY',
    'D',
    `return function init(e, o) {\n${lines.join('\n')}\n};`,
  );
  return factory(
    MICROS,
    STAMP,
    nowMicros,
    spec.severity,
    spec.fields.map((field) => field.default),
  );
}

/** The check of one value, as an expression that is true when the value is wrong. */
export function wrongTypeTest(field: Pick<FieldSpec, 'kind' | 'nullable' | 'optional'>): string {
  let test: string;
  switch (field.kind) {
    case 'string':
      test = "typeof v !== 'string'";
      break;
    case 'number':
      test = "typeof v !== 'number'";
      break;
    case 'boolean':
      test = "typeof v !== 'boolean'";
      break;
    case 'object':
      test = "typeof v !== 'object' || v === null || IS_ARRAY(v)";
      break;
    case 'stringArray':
      test = "!IS_ARRAY(v) || !v.every((item) => typeof item === 'string')";
      break;
    default:
      test = '!IS_ARRAY(v)';
  }
  return field.nullable || field.optional ? `v !== null && (${test})` : test;
}

export function expectedText(field: Pick<FieldSpec, 'kind' | 'nullable' | 'optional'>): string {
  const base = {
    string: 'a string',
    number: 'a number',
    boolean: 'a boolean',
    object: 'an object',
    array: 'an array',
    stringArray: 'an array of strings',
  }[field.kind];
  return field.nullable || field.optional ? `${base} or null` : base;
}

/** `validate(options)`: unknown keys and values of the wrong type throw, naming the key. */
function compileValidator(className: string, spec: EventSpec): Declaration['validate'] {
  const checks: [prop: string, test: string, expected: string][] = [
    ['timestamp', "typeof v !== 'string'", 'a string'],
    ['agentId', "v !== null && typeof v !== 'string'", 'a string or null'],
    ['turnId', "v !== null && typeof v !== 'string'", 'a string or null'],
    ['sessionId', "v !== null && typeof v !== 'string'", 'a string or null'],
    ['severity', "v !== 'info' && v !== 'warning' && v !== 'error'", '"info", "warning" or "error"'],
    ['metadata', "typeof v !== 'object' || v === null || IS_ARRAY(v)", 'an object'],
    ...spec.fields.map((field): [string, string, string] => [
      field.prop,
      wrongTypeTest(field),
      expectedText(field),
    ]),
  ];
  const known = checks.map(([prop]) => prop);
  const cases = checks
    .map(
      ([prop, test, expected]) =>
        // An option given as undefined means "not given", as for every default in this package.
        `case ${JSON.stringify(prop)}: if (v !== undefined && (${test})) throw E.eventOption(NAME, k, ${JSON.stringify(expected)}, v); break;`,
    )
    .join('\n');
  const source = `return function validate(o) {
if (o === undefined) return;
if (typeof o !== 'object' || o === null || Array.isArray(o)) throw E.eventOption(NAME, 'options', 'an options object', o);
for (const k in o) {
  const v = o[k];
  switch (k) {
${cases}
    default: throw E.unknownEventOption(NAME, k, KNOWN, RECORD_KEYS);
  }
}
};`;
  const recordKeys = new Map(spec.fields.map((field) => [field.key, field.prop]));
  return new Function('E', 'NAME', 'KNOWN', 'RECORD_KEYS', 'IS_ARRAY', source)(
    errors,
    className,
    known,
    recordKeys,
    isArraySafe,
  );
}

declareClass(AuditEvent, { type: BASE_TYPE, severity: 'info', fields: [] }, true);

export { TRUSTED };
