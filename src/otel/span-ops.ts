/**
 * What the record → span mapping (record-mapper.ts) asks of a span backend. Two backends
 * implement it: a live tracer (tracer-span-ops.ts, for `OTelCollector`) and spans built
 * from a trail with ids derived from its records (trail-span-ops.ts, for `exportTrail`).
 */
import type { Attributes } from './attributes.js';
import type { HrTime } from './record-time.js';

/** `SpanKind` of `@opentelemetry/api` (the same numbers), without loading it. */
export const SPAN_KIND = { internal: 0, client: 2 } as const;
export type SpanKindValue = (typeof SPAN_KIND)[keyof typeof SPAN_KIND];

export interface SpanStart {
  readonly name: string;
  readonly kind: SpanKindValue;
  readonly attributes: Attributes;
  /** When the span started; undefined lets the backend use "now". */
  readonly time: HrTime | undefined;
  /** Identifies the record that opened the span (exported spans derive their id from it). */
  readonly recordKey: string | undefined;
  /** Groups spans into one trace when they have no parent: the turn id, or the record key. */
  readonly traceKey: string | undefined;
}

export interface SpanOps<S> {
  /** Starts a span under `parent`; without one, under the backend's default (the active context). */
  start(start: SpanStart, parent: S | undefined): S;
  event(span: S, name: string, attributes: Attributes, time: HrTime | undefined): void;
  set(span: S, attributes: Attributes): void;
  /** Marks the span failed (status ERROR) with a short, content-free message. */
  fail(span: S, message: string): void;
  end(span: S, time: HrTime | undefined): void;
}
