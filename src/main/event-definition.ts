/**
 * How an event type is described: its `event_type`, its default severity and its fields,
 * each with a kind and a default. The built-in types (event-table.ts) and a user's own
 * (`defineEvent`) use the same description; the record writer, the constructor's defaults
 * and checks, the emitter's methods and `toDict()` are all made from it.
 */
import { errors } from './errors.js';

export type Severity = 'info' | 'warning' | 'error';
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'error'];

/** What a field holds. `stringArray` is an array of strings (`unique_tools`). */
export type FieldKind = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'stringArray';

export interface FieldDescriptor {
  readonly kind: FieldKind;
  /**
   * The value when the option is not given: `""`, `0`, `false`, or for `object`/`array`
   * kinds a fresh `{}`/`[]` per event, unless set here (objects and arrays are copied).
   */
  readonly default?: unknown;
  /** `null` is a value of this field. @default false */
  readonly nullable?: boolean;
  /**
   * The key is left out of the record while the value is `undefined` or `null`: a field
   * added beside the reference's stays out of its records unless used. @default false
   */
  readonly optional?: boolean;
  /** Free text the agent saw or produced: redaction patterns apply to it. @default false */
  readonly content?: boolean;
  /** The emitter cuts this text to a preview (non-strings are serialized first). @default false */
  readonly preview?: boolean;
  /** The emitter method's name for this field, when it differs (`args` for `argumentsPreview`). */
  readonly arg?: string;
  /** The emitter method's default, when it differs from `default`. */
  readonly argDefault?: unknown;
  /** The emitter method requires this argument. @default false */
  readonly required?: boolean;
}

export type FieldMap = { readonly [prop: string]: FieldDescriptor };

type KindValue<K extends FieldKind> = K extends 'string'
  ? string
  : K extends 'number'
    ? number
    : K extends 'boolean'
      ? boolean
      : K extends 'object'
        ? Record<string, unknown>
        : K extends 'stringArray'
          ? string[]
          : unknown[];

/** The TypeScript type of a field's value. */
export type FieldValue<D extends FieldDescriptor> =
  | KindValue<D['kind']>
  | (D extends { readonly nullable: true } ? null : never)
  | (D extends { readonly optional: true } ? undefined : never);

/** The properties an event of these fields has. */
export type FieldValues<F extends FieldMap> = { -readonly [P in keyof F]: FieldValue<F[P]> };

/** The constructor options for these fields: every one may be left out. */
export type FieldOptions<F extends FieldMap> = { [P in keyof F]?: FieldValue<F[P]> };

/** A user's event type: `defineEvent({ type: 'retrieval', fields: { query: { kind: 'string' } } })`. */
export interface EventDefinition<T extends string = string, F extends FieldMap = FieldMap> {
  /** The record's `event_type`: lowercase letters, digits and underscores. */
  readonly type: T;
  /** @default the parent's (`"info"` for `AuditEvent`) */
  readonly severity?: Severity;
  /** Fields after the parent's, in record order. Keys on disk are the names in snake_case. */
  readonly fields?: F;
}

/** A field, resolved: its record key, its property, and what the descriptor says. */
export interface FieldSpec {
  readonly key: string;
  readonly prop: string;
  readonly kind: FieldKind;
  readonly default: unknown;
  readonly nullable: boolean;
  readonly optional: boolean;
  readonly content: boolean;
  readonly preview: boolean;
  readonly arg: string;
  readonly argDefault: unknown;
  readonly required: boolean;
}

/** The base class's own type: never written (the base class is abstract in use). */
export const BASE_TYPE = 'base';

/** An event type, resolved: the envelope is implied; `fields` are every field after it. */
export interface EventSpec {
  readonly type: string;
  readonly severity: Severity;
  readonly fields: readonly FieldSpec[];
}

/**
 * The envelope every record starts with, in record order (see audit-event.ts): the one list
 * of its keys, which the record writer, the readers and `calute-audit verify` all use.
 * `nullable`: `null` is a value (the three ids); `event_type`, `timestamp` and `severity`
 * are strings, `metadata` an object.
 */
export const ENVELOPE = [
  { key: 'event_type', prop: 'eventType', kind: 'string', nullable: false },
  { key: 'timestamp', prop: 'timestamp', kind: 'string', nullable: false },
  { key: 'agent_id', prop: 'agentId', kind: 'string', nullable: true },
  { key: 'turn_id', prop: 'turnId', kind: 'string', nullable: true },
  { key: 'session_id', prop: 'sessionId', kind: 'string', nullable: true },
  { key: 'severity', prop: 'severity', kind: 'string', nullable: false },
  { key: 'metadata', prop: 'metadata', kind: 'object', nullable: false },
] as const satisfies readonly { key: string; prop: string; kind: FieldKind; nullable: boolean }[];

/** The envelope's keys, in record order. */
export const ENVELOPE_KEYS: readonly string[] = ENVELOPE.map((field) => field.key);

/** The envelope's properties after `event_type` (which is the class's, not the instance's). */
export const ENVELOPE_PROPS: readonly string[] = ENVELOPE.slice(1).map((field) => field.prop);

/** Names an event's own field may not take: the envelope's and the methods'. */
const RESERVED = new Set<string>([
  ...ENVELOPE_PROPS,
  'eventType',
  'toDict',
  'toJSON',
  'serialize',
  'constructor',
  '__proto__',
  'prototype',
]);

const KINDS: readonly FieldKind[] = ['string', 'number', 'boolean', 'object', 'array', 'stringArray'];
const TYPE_NAME = /^[a-z][a-z0-9_]*$/;
const PROP_NAME = /^[a-z][A-Za-z0-9]*$/;

/** `toolName` → `tool_name`. */
export function snakeCase(prop: string): string {
  return prop.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** `tool_name` → `toolName`. */
export function camelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

function implicitDefault(kind: FieldKind): unknown {
  switch (kind) {
    case 'string':
      return '';
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'object':
      return {};
    default:
      return [];
  }
}

/** Checks a value against a field's kind; the expected type in words, or null when it fits. */
export function kindMismatch(
  spec: Pick<FieldSpec, 'kind' | 'nullable' | 'optional'>,
  value: unknown,
): string | null {
  if (value === null && (spec.nullable || spec.optional)) return null;
  if (value === undefined && spec.optional) return null;
  const orNull = spec.nullable ? ' or null' : '';
  switch (spec.kind) {
    case 'string':
      return typeof value === 'string' ? null : `a string${orNull}`;
    case 'number':
      return typeof value === 'number' ? null : `a number${orNull}`;
    case 'boolean':
      return typeof value === 'boolean' ? null : `a boolean${orNull}`;
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value)
        ? null
        : `an object${orNull}`;
    case 'stringArray':
      return Array.isArray(value) && value.every((item) => typeof item === 'string')
        ? null
        : `an array of strings${orNull}`;
    default:
      return Array.isArray(value) ? null : `an array${orNull}`;
  }
}

/** Resolves one field, checking the descriptor; `where` names the event type in errors. */
function resolveField(where: string, prop: string, descriptor: FieldDescriptor): FieldSpec {
  const name = `${where}.fields.${prop}`;
  if (!PROP_NAME.test(prop) || RESERVED.has(prop)) {
    throw errors.option(name, 'a camelCase name that is not an envelope field or method', prop);
  }
  if (typeof descriptor !== 'object' || descriptor === null)
    throw errors.option(name, 'a field descriptor', descriptor);
  if (!KINDS.includes(descriptor.kind))
    throw errors.option(`${name}.kind`, KINDS.map((k) => `"${k}"`).join(' or '), descriptor.kind);
  const spec: FieldSpec = {
    key: snakeCase(prop),
    prop,
    kind: descriptor.kind,
    // A nullable field left unset says so (null), rather than a value nobody supplied.
    default:
      'default' in descriptor
        ? descriptor.default
        : descriptor.nullable === true
          ? null
          : implicitDefault(descriptor.kind),
    nullable: descriptor.nullable === true,
    optional: descriptor.optional === true,
    content: descriptor.content === true,
    preview: descriptor.preview === true,
    arg: descriptor.arg ?? prop,
    argDefault: 'argDefault' in descriptor ? descriptor.argDefault : undefined,
    required: descriptor.required === true,
  };
  if (spec.optional && !('default' in descriptor)) (spec as { default: unknown }).default = undefined;
  const wrong = spec.default === undefined && spec.optional ? null : kindMismatch(spec, spec.default);
  if (wrong !== null) throw errors.option(`${name}.default`, wrong, spec.default);
  return spec;
}

/** Resolves a definition on top of its parent's spec. */
export function resolveEventSpec(parent: EventSpec | null, definition: EventDefinition): EventSpec {
  if (typeof definition !== 'object' || definition === null) {
    throw errors.option('definition', 'an object with type and fields', definition);
  }
  // A subclass of a type inherits it; directly under the base class, a type must be given.
  const type = definition.type ?? (parent?.type === BASE_TYPE ? undefined : parent?.type);
  if (typeof type !== 'string' || !TYPE_NAME.test(type)) {
    throw errors.option(
      'definition.type',
      'lowercase letters, digits and underscores, starting with a letter',
      type,
    );
  }
  const severity = definition.severity ?? parent?.severity ?? 'info';
  if (!SEVERITIES.includes(severity))
    throw errors.option(`${type}.severity`, '"info", "warning" or "error"', severity);
  const fields = [...(parent?.fields ?? [])];
  const own = definition.fields ?? {};
  if (typeof own !== 'object' || own === null)
    throw errors.option(`${type}.fields`, 'an object of field descriptors', own);
  for (const [prop, descriptor] of Object.entries(own)) {
    const spec = resolveField(type, prop, descriptor);
    if (fields.some((field) => field.prop === prop || field.key === spec.key)) {
      throw errors.option(`${type}.fields.${prop}`, 'a name no parent field has', prop);
    }
    fields.push(spec);
  }
  return { type, severity, fields };
}
