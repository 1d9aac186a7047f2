/**
 * Spans on a live tracer, for `OTelCollector`. A span without a parent starts under the
 * context active when the record is emitted, so a turn span joins the application's own
 * trace (its HTTP request span, say); children start under their parent span.
 */
import type { Span, Tracer } from '@opentelemetry/api';
import type { Attributes } from './attributes.js';
import type { OtelApiModule } from './otel-api.js';
import type { HrTime } from './record-time.js';
import type { SpanOps, SpanStart } from './span-ops.js';

export class TracerSpanOps implements SpanOps<Span> {
  readonly #api: OtelApiModule;
  readonly #tracer: Tracer;

  constructor(api: OtelApiModule, tracer: Tracer) {
    this.#api = api;
    this.#tracer = tracer;
  }

  start(start: SpanStart, parent: Span | undefined): Span {
    const { context, trace } = this.#api;
    const active = context.active();
    return this.#tracer.startSpan(
      start.name,
      { kind: start.kind, attributes: start.attributes, startTime: start.time },
      parent === undefined ? active : trace.setSpan(active, parent),
    );
  }

  event(span: Span, name: string, attributes: Attributes, time: HrTime | undefined): void {
    span.addEvent(name, attributes, time);
  }

  set(span: Span, attributes: Attributes): void {
    span.setAttributes(attributes);
  }

  fail(span: Span, message: string): void {
    span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message });
  }

  end(span: Span, time: HrTime | undefined): void {
    span.end(time);
  }
}
