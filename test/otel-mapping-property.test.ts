/**
 * The record → span mapping on arbitrary input (fast-check; the seed is printed, replay a
 * failure with FC_SEED=<seed>):
 * - exportTrail on arbitrary lines (records of every type with arbitrary values, bad
 *   timestamps, garbage lines): it resolves, counts records and invalid lines exactly, every
 *   span has a unique id, a non-negative duration and, if it has a parent, a parent that was
 *   exported in the same trace; a second export gives the same spans.
 * - OTelCollector on arbitrary events (every built-in type, turn and tool ids from small
 *   pools): emit never fails, and after flush() no turn is open and every parent was ended.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { type AuditEvent, BUILTIN_EVENTS, EVENT_CLASSES, type EventType } from 'calute-audit';
import { exportTrail, OTelCollector } from 'calute-audit/otel';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { at } from './support/otel-kit.js';
import { useTempDir } from './support/temp-files.js';
import { seedFrom } from './support/threaded-sink-kit.js';

const tempDir = useTempDir('calute-audit-otel-property-');
const RUNS = 100;
const TYPES = Object.keys(BUILTIN_EVENTS) as EventType[];

const turnIds = fc.constantFrom<string | null>('t-1', 't-2', 't-3', null);
const toolNames = fc.constantFrom('a', 'b');
const callIds = fc.constantFrom<string | undefined>(undefined, undefined, 'c-1', 'c-2');

/** A record: a real type's keys with values of the right kind, or of any JSON kind. */
const record = fc.record({
  event_type: fc.oneof(fc.constantFrom(...TYPES), fc.constantFrom('custom_thing', '')),
  timestamp: fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0, max: 10_000 }).map((ms) => at(ms)) },
    { weight: 1, arbitrary: fc.constantFrom('not a time', '2025-13-45T99:99:99') },
    { weight: 1, arbitrary: fc.jsonValue() },
  ),
  agent_id: fc.option(fc.constantFrom('x', 'y')),
  turn_id: turnIds,
  session_id: fc.option(fc.string()),
  severity: fc.constantFrom('info', 'warning', 'error'),
  metadata: fc.oneof(fc.constant({}), fc.jsonValue()),
  tool_name: fc.oneof({ weight: 4, arbitrary: toolNames }, { weight: 1, arbitrary: fc.jsonValue() }),
  tool_call_id: callIds,
  duration_ms: fc.oneof(fc.double({ min: -5, max: 1e6, noNaN: true }), fc.jsonValue()),
  model: fc.oneof(fc.string(), fc.jsonValue()),
  input_tokens: fc.oneof(fc.nat(), fc.constant(null)),
  finish_reason: fc.string(),
  function_calls_count: fc.nat(),
});

const line = fc.oneof(
  { weight: 9, arbitrary: record.map((r) => JSON.stringify(r)) },
  { weight: 1, arbitrary: fc.string().filter((text) => !text.includes('\n')) },
);

function exported(exporter: InMemorySpanExporter) {
  return exporter.getFinishedSpans().map((span) => ({
    name: span.name,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parent: span.parentSpanContext?.spanId,
    start: span.startTime,
    end: span.endTime,
    duration: span.duration,
    attributes: span.attributes,
    events: span.events,
    status: span.status,
  }));
}

function checkParents(spans: readonly ReadableSpan[]): void {
  const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
  for (const span of spans) {
    const parentId = span.parentSpanContext?.spanId;
    if (parentId === undefined) continue;
    const parent = byId.get(parentId);
    expect(parent, `${span.name}: parent ${parentId}`).toBeDefined();
    expect(parent!.spanContext().traceId).toBe(span.spanContext().traceId);
  }
}

describe('record → span mapping on arbitrary input', () => {
  it('exportTrail: exact counts, unique ids, exported parents, non-negative durations, the same spans twice', async () => {
    const seed = seedFrom('FC_SEED', 'otel-mapping-property (exportTrail)');
    const dir = tempDir();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 60 }), async (lines) => {
        const file = path.join(dir, `trail-${run++}.jsonl`);
        fs.writeFileSync(file, lines.map((text) => `${text}\n`).join(''));
        const first = new InMemorySpanExporter();
        const result = await exportTrail(file, { exporter: first, batchSize: 7 });
        const isRecord = (text: string) => {
          try {
            const value = JSON.parse(text);
            return (
              typeof value === 'object' &&
              value !== null &&
              !Array.isArray(value) &&
              typeof value.event_type === 'string'
            );
          } catch {
            return false;
          }
        };
        const records = lines.filter(
          (text) => text.replace(/\r$/, '') !== '' && isRecord(text.replace(/\r$/, '')),
        ).length;
        expect(result.records).toBe(records);
        expect(result.invalidLines).toBe(lines.length - records);
        const spans = first.getFinishedSpans();
        expect(result.spans).toBe(spans.length);
        expect(new Set(spans.map((span) => span.spanContext().spanId)).size).toBe(spans.length);
        for (const span of spans) expect(span.duration[0] >= 0 && span.duration[1] >= 0).toBe(true);
        checkParents(spans);
        const second = new InMemorySpanExporter();
        await exportTrail(file, { exporter: second, batchSize: 3 });
        expect(exported(second)).toStrictEqual(exported(first));
      }),
      { seed, numRuns: RUNS },
    );
  });

  it('OTelCollector: emit never fails, flush() leaves no open turn, every parent span was ended', () => {
    const seed = seedFrom('FC_SEED', 'otel-mapping-property (OTelCollector)');
    const event = fc
      .record({
        type: fc.constantFrom(...TYPES),
        turnId: turnIds,
        toolName: toolNames,
        toolCallId: callIds,
        durationMs: fc.double({ min: 0, max: 1e5, noNaN: true }),
        text: fc.string(),
        metadata: fc.dictionary(fc.string(), fc.jsonValue()),
      })
      .map(({ type, turnId, toolName, toolCallId, durationMs, text, metadata }): AuditEvent => {
        const Class = EVENT_CLASSES[type] as unknown as new (options: Record<string, unknown>) => AuditEvent;
        const fields = new Set<string>(EVENT_CLASSES[type].fields.map((field) => field.prop));
        const options: Record<string, unknown> = { turnId, metadata, agentId: 'p' };
        const candidates: Record<string, unknown> = {
          toolName,
          toolCallId,
          durationMs,
          model: text,
          skillName: text,
          errorType: text,
          promptPreview: text,
          fromAgent: 'p',
          toAgent: 'q',
          hookName: 'h',
        };
        for (const [key, value] of Object.entries(candidates)) if (fields.has(key)) options[key] = value;
        return new Class(options);
      });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (events) => {
        const exporter = new InMemorySpanExporter();
        const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
        const otel = new OTelCollector({ tracer: provider.getTracer('property'), captureContent: true });
        for (const item of events) otel.emit(item);
        otel.flush();
        expect(otel.failures).toBe(0);
        expect(otel.openTurns).toBe(0);
        checkParents(exporter.getFinishedSpans());
      }),
      { seed, numRuns: RUNS },
    );
  });
});
