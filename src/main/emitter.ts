/**
 * The emitter: one method per built-in event type (compiled from event-table.ts, see
 * emitter-methods.ts), each building the event, stamping the emitter's context (session,
 * and agent, turn and metadata when bound) and handing it to the collector. Long texts
 * become previews, redaction runs before the event exists, and tool call ids can be made
 * here. `emit()` takes any event, or an event class and its options (custom events).
 */
import type { AuditEvent } from './audit-event.js';
import { type AuditCollector, isAuditCollector } from './collector.js';
import type { EventClass, EventOf, OptionsOf } from './define-event.js';
import {
  type BoundContext,
  CONTEXT,
  type EmitterSettings,
  installEmitterMethods,
  mergeMetadata,
  SETTINGS,
} from './emitter-methods.js';
import { errors } from './errors.js';
import { declarationOfClass, declarationOfEvent, TRUSTED } from './event-declaration.js';
import type { EventSpec, FieldDescriptor, FieldMap, FieldValue } from './event-definition.js';
import type { BuiltinEventTable } from './event-table.js';
import { InMemoryCollector } from './in-memory-collector.js';
import { isArraySafe } from './json-safe.js';
import { checkBoolean, checkInteger, checkKnownKeys } from './options.js';
import { PREVIEW_LENGTH, preview } from './preview.js';
import { MICROS, STAMP } from './record-encoder.js';
import { compileRedactor, type RedactOptions, type Redactor } from './redaction.js';

/** What an emitter stamps on its events: plain data, so it can be sent to a worker. */
export interface EmitterContext {
  agentId?: string | null;
  turnId?: string | null;
  sessionId?: string | null;
  /** Merged under each event's own metadata. */
  metadata?: Record<string, unknown> | null;
}

export interface AuditEmitterOptions extends EmitterContext {
  /** @default a new `InMemoryCollector` */
  collector?: AuditCollector;
  /** Characters kept of prompts, results and arguments. @default 200 (the reference's rule) */
  previewLength?: number;
  /** Appended to a preview that was cut, e.g. "…". @default "" (the reference marks nothing) */
  previewMarker?: string;
  /** Censor record fields and metadata paths, and patterns in free text. @default off */
  redact?: RedactOptions;
  /**
   * Give a tool call attempt an id when none is passed (returned by `emitToolCallAttempt`,
   * to pass to the complete or failure). Off by default, so that records built the
   * reference's way stay byte-identical to the reference's. @default false
   */
  toolCallIds?: boolean;
}

/** Accepted by every `emit*` method. */
export interface EventContext {
  /** When the event happened, in the reference's format. @default now */
  timestamp?: string;
  agentId?: string | null;
  turnId?: string | null;
  /** Merged over the emitter's bound metadata. */
  metadata?: Record<string, unknown> | null;
}

type ArgName<D, P> = D extends { readonly arg: infer A extends string } ? A : P & string;
type ArgValue<D extends FieldDescriptor> = D extends { readonly preview: true } ? unknown : FieldValue<D>;
type RequiredArgs<F extends FieldMap> = {
  [P in keyof F as F[P] extends { readonly required: true } ? ArgName<F[P], P> : never]: ArgValue<F[P]>;
};
type OptionalArgs<F extends FieldMap> = {
  [P in keyof F as F[P] extends { readonly required: true } ? never : ArgName<F[P], P>]?: ArgValue<
    F[P]
  > | null;
};
/** The options of an `emit*` method: the event's fields under their emitter names, and the context. */
export type EmitArgs<F extends FieldMap> = EventContext & RequiredArgs<F> & OptionalArgs<F>;
type Returned<E> = E extends { readonly returns: 'turnId' }
  ? string
  : E extends { readonly returns: 'toolCallId' }
    ? string | null
    : undefined;
type Method<Entry extends { fields: FieldMap; emitter: object }> =
  // "Every option may be left out" is a test against {}.
  {} extends RequiredArgs<Entry['fields']>
    ? (options?: EmitArgs<Entry['fields']>) => Returned<Entry['emitter']>
    : (options: EmitArgs<Entry['fields']>) => Returned<Entry['emitter']>;

/** `emitTurnStart`, `emitToolCallAttempt`, ...: one per built-in type that names one. */
export type EmitterMethods = {
  [T in keyof BuiltinEventTable as BuiltinEventTable[T] extends {
    emitter: { method: infer M extends string };
  }
    ? M
    : never]: BuiltinEventTable[T] extends { fields: FieldMap; emitter: object }
    ? Method<BuiltinEventTable[T]>
    : never;
};

const SETTING_KEYS = ['collector', 'previewLength', 'previewMarker', 'redact', 'toolCallIds'];
const CONTEXT_KEYS = ['agentId', 'turnId', 'sessionId', 'metadata'];
const NO_CONTEXT: BoundContext = { agentId: null, turnId: null, sessionId: null, metadata: null };

function checkContext(where: string, raw: Record<string, unknown>, base: BoundContext): BoundContext {
  const id = (key: 'agentId' | 'turnId' | 'sessionId'): string | null => {
    const value = raw[key];
    if (value === undefined) return base[key];
    if (value !== null && typeof value !== 'string')
      throw errors.option(`${where}${key}`, 'a string or null', value);
    return value;
  };
  let metadata = base.metadata;
  const given = raw.metadata;
  if (given !== undefined && given !== null) {
    if (typeof given !== 'object' || isArraySafe(given))
      throw errors.option(`${where}metadata`, 'an object', given);
    metadata = Object.freeze({ ...base.metadata, ...(given as Record<string, unknown>) });
  }
  return { agentId: id('agentId'), turnId: id('turnId'), sessionId: id('sessionId'), metadata };
}

/** Set by `child()` just before it calls the constructor, which then skips the options. */
let childState: [EmitterSettings, BoundContext] | null = null;

// The emit* methods are compiled from the event table and installed on the prototype below;
// the interface types them.
export interface AuditEmitter extends EmitterMethods {}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the merged interface's methods are installed below.
export class AuditEmitter {
  declare readonly [SETTINGS]: EmitterSettings;
  declare readonly [CONTEXT]: BoundContext;

  /** `new AuditEmitter(collector)` is short for `new AuditEmitter({ collector })`. */
  constructor(options?: AuditEmitterOptions | AuditCollector) {
    if (childState !== null) {
      [(this as { [SETTINGS]: EmitterSettings })[SETTINGS], (this as { [CONTEXT]: BoundContext })[CONTEXT]] =
        childState;
      childState = null;
      return;
    }
    if (
      options !== undefined &&
      (typeof options !== 'object' || options === null || Array.isArray(options))
    ) {
      throw errors.option('options', 'an options object or a collector', options);
    }
    const raw = (isAuditCollector(options) ? { collector: options } : (options ?? {})) as Record<
      string,
      unknown
    >;
    checkKnownKeys('options', raw, [...SETTING_KEYS, ...CONTEXT_KEYS]);
    const collector = raw.collector ?? new InMemoryCollector();
    if (!isAuditCollector(collector)) {
      throw errors.option('collector', 'an object with emit() and flush() methods', collector);
    }
    const previewMarker = raw.previewMarker ?? '';
    if (typeof previewMarker !== 'string') throw errors.option('previewMarker', 'a string', previewMarker);
    (this as { [SETTINGS]: EmitterSettings })[SETTINGS] = {
      collector,
      previewLength: checkInteger('previewLength', raw.previewLength ?? PREVIEW_LENGTH, 0, 2 ** 30),
      previewMarker,
      redactor: compileRedactor(raw.redact),
      toolCallIds: checkBoolean('toolCallIds', raw.toolCallIds ?? false),
    };
    (this as { [CONTEXT]: BoundContext })[CONTEXT] = checkContext('', raw, NO_CONTEXT);
  }

  get collector(): AuditCollector {
    return this[SETTINGS].collector;
  }

  get sessionId(): string | null {
    return this[CONTEXT].sessionId;
  }

  /** What this emitter stamps on its events (a copy): plain data to send to a worker. */
  get context(): EmitterContext {
    const { agentId, turnId, sessionId, metadata } = this[CONTEXT];
    return { agentId, turnId, sessionId, metadata: metadata === null ? null : { ...metadata } };
  }

  /**
   * An emitter with the same collector and settings whose events also carry `context`
   * (like pino's child loggers): `audit.child({ agentId: 'planner', turnId })`.
   */
  child(context: EmitterContext): AuditEmitter {
    if (typeof context !== 'object' || context === null) throw errors.option('context', 'an object', context);
    const raw = context as Record<string, unknown>;
    checkKnownKeys('context', raw, CONTEXT_KEYS);
    childState = [this[SETTINGS], checkContext('context.', raw, this[CONTEXT])];
    return new AuditEmitter();
  }

  flush(): void {
    this[SETTINGS].collector.flush();
  }

  /**
   * Emits an event built elsewhere (the agent, turn and session it leaves null are filled
   * from this emitter's context), or builds one and emits it: `emit(RetrievalEvent, { query })`.
   */
  emit(event: AuditEvent): void;
  emit<C extends EventClass>(eventClass: C, options?: OptionsOf<C>): EventOf<C>;
  emit(target: AuditEvent | EventClass, options?: object): AuditEvent | undefined {
    const settings = this[SETTINGS];
    if (typeof target === 'function') {
      const event = this.build(target, options as OptionsOf<EventClass>);
      settings.collector.emit(event);
      return event;
    }
    const declaration = declarationOfEvent(target);
    const context = this[CONTEXT];
    if (target.agentId === null) target.agentId = context.agentId;
    if (target.turnId === null) target.turnId = context.turnId;
    if (target.sessionId === null) target.sessionId = context.sessionId;
    settings.collector.emit(
      settings.redactor === null ? target : redactedCopy(target, declaration.spec, settings.redactor),
    );
    return undefined;
  }

  /** Builds an event of `eventClass` with this emitter's context, previews and redaction (checked options). */
  build<C extends EventClass>(eventClass: C, options?: OptionsOf<C>): EventOf<C> {
    const { spec } = declarationOfClass(eventClass);
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw errors.option('options', 'an options object', options);
    }
    const values: Record<string, unknown> = { ...(options as Record<string, unknown> | undefined) };
    const context = this[CONTEXT];
    values.agentId ??= context.agentId;
    values.turnId ??= context.turnId;
    values.sessionId ??= context.sessionId;
    values.metadata = mergeMetadata(context.metadata, values.metadata as Record<string, unknown> | undefined);
    const settings = this[SETTINGS];
    for (const field of spec.fields) {
      const value = values[field.prop];
      if (field.preview && value !== undefined && value !== null) {
        values[field.prop] = preview(value, settings.previewLength, settings.previewMarker);
      }
    }
    settings.redactor?.apply(values, spec);
    return new eventClass(values) as EventOf<C>;
  }
}

installEmitterMethods(AuditEmitter.prototype);

/** A copy of `event` whose values went through the redactor (the caller's event is left as it is). */
function redactedCopy(event: AuditEvent, spec: EventSpec, redactor: Redactor): AuditEvent {
  const source = event as unknown as Record<string, unknown>;
  const values: Record<string, unknown> = {
    agentId: event.agentId,
    turnId: event.turnId,
    sessionId: event.sessionId,
    severity: event.severity,
    metadata: event.metadata,
  };
  for (const field of spec.fields) values[field.prop] = source[field.prop];
  redactor.apply(values, spec);
  const EventConstructor = event.constructor as new (options: unknown, trusted: symbol) => AuditEvent;
  const copy = new EventConstructor(values, TRUSTED);
  copy[MICROS] = event[MICROS];
  copy[STAMP] = event[STAMP];
  return copy;
}
