/**
 * `OTelCollector`: the reference's OpenTelemetry bridge as a collector, on the GenAI
 * conventions (record-mapper.ts says what each record becomes). It sees the events of the
 * thread it is on: events emitted in tool workers through `connectCollector` go to the
 * ring and the file, and reach OpenTelemetry through `exportTrail`.
 *
 * Without `@opentelemetry/api` (and no tracer given) it keeps `{ name, attributes }` entries
 * instead, as the reference does: `fallbackLog`.
 */
import type { Span, Tracer } from '@opentelemetry/api';
import type { AuditCollector, AuditEvent, AuditRecord } from 'calute-audit';
import { type Attributes, ContentKeys, type EventClassLike, recordAttributes } from './attributes.js';
import { MappingDiagnostics, type MappingErrorHandler } from './diagnostics.js';
import { INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION } from './instrumentation.js';
import {
  optionalBoolean,
  optionalEventClasses,
  optionalFunction,
  optionalInteger,
  optionalString,
  optionError,
  optionsObject,
} from './options.js';
import { loadOtelApi } from './otel-api.js';
import { RecordSpanMapper } from './record-mapper.js';
import { parseRecordTime } from './record-time.js';
import { REFERENCE, referenceEventName } from './reference-names.js';
import { TracerSpanOps } from './tracer-span-ops.js';

export interface OTelCollectorOptions {
  /** The `service.name` attribute the reference puts on turn spans. @default "calute-audit" */
  serviceName?: string;
  /** @default the global tracer provider's tracer named "calute-audit" */
  tracer?: Tracer;
  /**
   * Put content on spans: prompt, answer, tool arguments and results, model input and output
   * previews, error messages. Off by default, as the GenAI conventions require. @default false
   */
  captureContent?: boolean;
  /** Custom event classes (from `defineEvent`) whose content fields to know before their first event. */
  eventClasses?: readonly EventClassLike[];
  /**
   * Receives every event that could not be mapped (`emit` never throws). Without it, the
   * first failure of each kind goes to OpenTelemetry's `diag` logger, or to a process
   * warning when the API is not installed.
   */
  onError?: MappingErrorHandler;
  /** Entries the fallback log keeps; older ones are dropped and counted. @default 1000 */
  fallbackLogLimit?: number;
}

export interface FallbackEntry {
  name: string;
  attributes: Attributes;
}

const OPTION_KEYS = [
  'serviceName',
  'tracer',
  'captureContent',
  'eventClasses',
  'onError',
  'fallbackLogLimit',
];

/**
 * The fallback log is a debugging aid, not a store (the JSONL trail is the record): 1000
 * entries, a few hundred kilobytes, bound it in a long-lived process without OpenTelemetry.
 */
const DEFAULT_FALLBACK_LIMIT = 1000;

export class OTelCollector implements AuditCollector {
  readonly serviceName: string;
  readonly #withContent: boolean;
  readonly #contentKeys: ContentKeys;
  readonly #mapper: RecordSpanMapper<Span> | null;
  readonly #diagnostics: MappingDiagnostics;
  readonly #fallback: FallbackEntry[] = [];
  readonly #fallbackLimit: number;
  #fallbackDropped = 0;

  constructor(options?: OTelCollectorOptions) {
    const raw = optionsObject('options', options, OPTION_KEYS);
    this.serviceName = optionalString('serviceName', raw.serviceName, INSTRUMENTATION_NAME);
    this.#withContent = optionalBoolean('captureContent', raw.captureContent, false);
    this.#contentKeys = new ContentKeys(optionalEventClasses('eventClasses', raw.eventClasses));
    this.#fallbackLimit = optionalInteger(
      'fallbackLogLimit',
      raw.fallbackLogLimit,
      DEFAULT_FALLBACK_LIMIT,
      0,
      2 ** 31,
    );
    const onError = optionalFunction<MappingErrorHandler>('onError', raw.onError);
    const tracer = raw.tracer as Tracer | undefined;
    if (
      tracer !== undefined &&
      (typeof tracer !== 'object' || tracer === null || typeof tracer.startSpan !== 'function')
    ) {
      throw optionError('tracer', 'an OpenTelemetry Tracer (with startSpan)', tracer);
    }
    const api = loadOtelApi();
    this.#diagnostics = new MappingDiagnostics(api, onError);
    if (api === null) {
      // A tracer without the API to go with it cannot be given parents; say so rather than guess.
      if (tracer !== undefined)
        throw optionError('tracer', 'a tracer with @opentelemetry/api installed', 'a tracer');
      this.#mapper = null;
      return;
    }
    const ops = new TracerSpanOps(
      api,
      tracer ?? api.trace.getTracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION),
    );
    this.#mapper = new RecordSpanMapper(ops, {
      serviceName: this.serviceName,
      withContent: this.#withContent,
      contentKeys: this.#contentKeys,
    });
  }

  /** Whether spans are made (`@opentelemetry/api` loaded); false: entries go to `fallbackLog`. */
  get hasOtel(): boolean {
    return this.#mapper !== null;
  }

  /** The fallback entries, oldest first (copies). */
  get fallbackLog(): FallbackEntry[] {
    return this.#fallback.map((entry) => ({ name: entry.name, attributes: { ...entry.attributes } }));
  }

  /** Fallback entries dropped past `fallbackLogLimit`. */
  get fallbackDropped(): number {
    return this.#fallbackDropped;
  }

  /** Turn spans open (started, not yet ended by their turn_end or `flush()`). */
  get openTurns(): number {
    return this.#mapper?.openTurns ?? 0;
  }

  /** Events that could not be mapped (each was skipped and reported). */
  get failures(): number {
    return this.#diagnostics.failures;
  }

  /** Maps the event to spans now, on the calling thread. Never throws. */
  emit(event: AuditEvent): void {
    let eventType = 'unknown';
    try {
      const record = event.toDict();
      eventType = record.event_type;
      this.#learn(event, eventType);
      if (this.#mapper !== null) this.#mapper.map(record, parseRecordTime(record.timestamp));
      else this.#log(record);
    } catch (error) {
      this.#diagnostics.report(error, eventType);
    }
  }

  /** Ends every open turn span (and tool span), as the reference does. Never throws. */
  flush(): void {
    try {
      this.#mapper?.endAll(false);
    } catch (error) {
      this.#diagnostics.report(error, 'flush');
    }
  }

  /** A custom event's content fields are learnt from its class on its first event. */
  #learn(event: AuditEvent, eventType: string): void {
    if (this.#contentKeys.has(eventType)) return;
    const Class = event.constructor as Partial<EventClassLike>;
    if (Class.eventType === eventType && Array.isArray(Class.fields))
      this.#contentKeys.add(Class as EventClassLike);
  }

  #log(record: AuditRecord): void {
    const name = record.event_type === 'turn_start' ? REFERENCE.turnFallback : referenceEventName(record);
    this.#fallback.push({ name, attributes: recordAttributes(record, this.#contentKeys, this.#withContent) });
    if (this.#fallback.length > this.#fallbackLimit) {
      this.#fallback.shift();
      this.#fallbackDropped++;
    }
  }
}
