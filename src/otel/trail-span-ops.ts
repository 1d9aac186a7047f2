/**
 * Spans built from a trail, for an exporter: ids from the records (record-ids.ts), times
 * from their timestamps. A span is handed to `outbox` when it ends, in the shape the
 * OpenTelemetry SDK's exporters read (`ReadableSpan` of sdk-trace-base 2.x), without
 * depending on the SDK.
 */
import type { Attributes } from './attributes.js';
import { spanIdFrom, traceIdFrom } from './record-ids.js';
import type { HrTime } from './record-time.js';
import type { SpanOps, SpanStart } from './span-ops.js';

/** `SpanStatusCode` and `TraceFlags.SAMPLED` of `@opentelemetry/api`. */
const STATUS = { unset: 0, error: 2 } as const;
const SAMPLED = 1;

export interface SpanContextLike {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
}

export interface SpanEventLike {
  readonly name: string;
  readonly time: HrTime;
  readonly attributes?: Record<string, unknown>;
  readonly droppedAttributesCount?: number;
}

/**
 * What an exporter reads of a finished span: the fields of sdk-trace-base's `ReadableSpan`,
 * typed widely enough that an SDK exporter's `export(spans: ReadableSpan[])` is accepted.
 */
export interface ExportedSpan {
  readonly name: string;
  readonly kind: number;
  spanContext(): SpanContextLike;
  readonly parentSpanContext?: SpanContextLike;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly duration: HrTime;
  readonly ended: boolean;
  readonly status: { code: number; message?: string };
  readonly attributes: Record<string, unknown>;
  readonly links: readonly unknown[];
  readonly events: readonly SpanEventLike[];
  readonly resource: { readonly attributes: Record<string, unknown>; readonly schemaUrl?: string };
  readonly instrumentationScope: { readonly name: string; readonly version?: string };
  readonly droppedAttributesCount: number;
  readonly droppedEventsCount: number;
  readonly droppedLinksCount: number;
}

export interface TrailSpan {
  readonly context: SpanContextLike;
  readonly parent: SpanContextLike | undefined;
  readonly start: SpanStart;
  readonly startTime: HrTime;
  readonly attributes: Attributes;
  readonly events: { name: string; attributes: Attributes; time: HrTime; droppedAttributesCount: number }[];
  status: { code: number; message?: string };
  ended: boolean;
}

const ZERO: HrTime = [0, 0];

function duration(start: HrTime, end: HrTime): HrTime {
  let seconds = end[0] - start[0];
  let nanos = end[1] - start[1];
  if (nanos < 0) {
    seconds -= 1;
    nanos += 1e9;
  }
  // A span never ends before it starts (records of one span written out of order).
  return seconds < 0 ? ZERO : [seconds, nanos];
}

export class TrailSpanOps implements SpanOps<TrailSpan> {
  readonly #outbox: ExportedSpan[];
  readonly #resource: ExportedSpan['resource'];
  readonly #scope: ExportedSpan['instrumentationScope'];

  constructor(
    outbox: ExportedSpan[],
    resource: ExportedSpan['resource'],
    scope: ExportedSpan['instrumentationScope'],
  ) {
    this.#outbox = outbox;
    this.#resource = resource;
    this.#scope = scope;
  }

  start(start: SpanStart, parent: TrailSpan | undefined): TrailSpan {
    // The trail export always passes a record key and a time (record-mapper's callers).
    const traceId = parent?.context.traceId ?? traceIdFrom(start.traceKey ?? start.recordKey!);
    return {
      context: { traceId, spanId: spanIdFrom(start.recordKey!), traceFlags: SAMPLED },
      parent: parent?.context,
      start,
      startTime: start.time ?? ZERO,
      attributes: { ...start.attributes },
      events: [],
      status: { code: STATUS.unset },
      ended: false,
    };
  }

  event(span: TrailSpan, name: string, attributes: Attributes, time: HrTime | undefined): void {
    span.events.push({ name, attributes, time: time ?? span.startTime, droppedAttributesCount: 0 });
  }

  set(span: TrailSpan, attributes: Attributes): void {
    Object.assign(span.attributes, attributes);
  }

  fail(span: TrailSpan, message: string): void {
    span.status = { code: STATUS.error, message };
  }

  end(span: TrailSpan, time: HrTime | undefined): void {
    if (span.ended) return;
    span.ended = true;
    const spanDuration = duration(span.startTime, time ?? span.startTime);
    const endTime: HrTime = spanDuration === ZERO ? span.startTime : (time ?? span.startTime);
    const context = span.context;
    this.#outbox.push({
      name: span.start.name,
      kind: span.start.kind,
      spanContext: () => context,
      parentSpanContext: span.parent,
      startTime: span.startTime,
      endTime,
      duration: spanDuration,
      ended: true,
      status: span.status,
      attributes: span.attributes,
      links: [],
      events: span.events,
      resource: this.#resource,
      instrumentationScope: this.#scope,
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    });
  }
}
