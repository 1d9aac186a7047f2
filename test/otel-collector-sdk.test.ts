/**
 * OTelCollector with the real OpenTelemetry SDK (BasicTracerProvider, SimpleSpanProcessor,
 * InMemorySpanExporter) and the real async-hooks context manager: the spans a scripted
 * two-turn run becomes, their parents, attributes, events, status and times; flush();
 * the reference's span events and standalone spans.
 */
import { context, type Span, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  defineEvent,
  SkillUsedEvent,
  ToolCallAttemptEvent,
  ToolCallCompleteEvent,
  ToolCallFailureEvent,
  ToolPolicyDecisionEvent,
  TurnEndEvent,
  TurnStartEvent,
} from 'calute-audit';
import { OTelCollector } from 'calute-audit/otel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRunSpans, END_ORDER, SERVICE } from './support/otel-expected.js';
import { at, fromSdkSpan, type NormalSpan, twoTurnRun } from './support/otel-kit.js';

const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
});
afterAll(() => {
  context.disable();
});

function sdk() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('otel-collector-sdk.test');
  const finished = (): NormalSpan[] => exporter.getFinishedSpans().map(fromSdkSpan);
  return { tracer, finished };
}

describe('OTelCollector with the SDK: a two-turn run', () => {
  it('becomes invoke_agent, execute_tool and chat spans: names, parents, attributes, events, status, times', () => {
    const { tracer, finished } = sdk();
    const otel = new OTelCollector({ tracer, serviceName: SERVICE });
    const [turnStart, ...rest] = twoTurnRun();
    // The application's own span is active when the first turn starts: the turn joins its trace.
    const request: Span = tracer.startSpan('POST /trip');
    context.with(trace.setSpan(context.active(), request), () => otel.emit(turnStart));
    for (const event of rest) otel.emit(event);
    expect(otel.hasOtel).toBe(true);
    expect(otel.openTurns).toBe(0);
    expect(otel.failures).toBe(0);

    const spans = finished();
    expect(spans.map((span) => span.name)).toStrictEqual(END_ORDER);
    const { spanId, traceId } = request.spanContext();
    checkRunSpans(spans, false, { 'invoke_agent planner': spanId, 'invoke_agent booker': null });
    const planner = spans.find((span) => span.name === 'invoke_agent planner')!;
    expect(planner.traceId).toBe(traceId);
    // Timing: every child lies within its turn, and the turn's events are in time order.
    for (const span of spans.filter((s) => s.parentSpanId === planner.spanId)) {
      expect(span.start).toBeGreaterThanOrEqual(planner.start);
      expect(span.end).toBeLessThanOrEqual(planner.end);
      expect(span.start).toBeLessThanOrEqual(span.end);
    }
    const times = planner.events.map((event) => event.at);
    expect(times).toStrictEqual([...times].sort((a, b) => a - b));
    request.end();
  });

  it('leaves content out by default: no preview, message or content attribute on any span or event', () => {
    const { tracer, finished } = sdk();
    const otel = new OTelCollector({ tracer });
    for (const event of twoTurnRun()) otel.emit(event);
    const keys = finished().flatMap((span) => [
      ...Object.keys(span.attributes),
      ...span.events.flatMap((event) => Object.keys(event.attributes)),
    ]);
    expect(keys.length).toBeGreaterThan(100);
    const content = keys.filter((key) =>
      /preview|error_message|error_context|messages|call\.arguments|call\.result/.test(key),
    );
    expect(content).toStrictEqual([]);
  });

  it('captureContent: true puts previews, messages and error messages on spans and events', () => {
    const { tracer, finished } = sdk();
    const otel = new OTelCollector({ tracer, serviceName: SERVICE, captureContent: true });
    for (const event of twoTurnRun()) otel.emit(event);
    checkRunSpans(finished(), true);
    const planner = finished().find((span) => span.name === 'invoke_agent planner')!;
    expect(planner.events.find((event) => event.name === 'error:RateLimit')?.attributes).toMatchObject({
      error_message: 'slow down',
      error_context: 'retry',
    });
  });
});

describe('OTelCollector with the SDK: flush and unfinished work', () => {
  it('flush() ends a turn whose end never comes and its tool call in flight, both marked incomplete', () => {
    const { tracer, finished } = sdk();
    const otel = new OTelCollector({ tracer });
    const turn = { turnId: 'c3c3c3c3c3c3', agentId: 'solo', sessionId: 's' };
    otel.emit(new TurnStartEvent({ ...turn, timestamp: at(0) }));
    otel.emit(new ToolCallAttemptEvent({ ...turn, timestamp: at(5), toolName: 'slow' }));
    expect(otel.openTurns).toBe(1);
    expect(finished()).toStrictEqual([]);

    otel.flush();
    expect(otel.openTurns).toBe(0);
    const spans = finished();
    expect(spans.map((span) => [span.name, span.attributes['calute.audit.incomplete']])).toStrictEqual([
      ['execute_tool slow', true],
      ['invoke_agent solo', true],
    ]);
    expect(spans[0].parentSpanId).toBe(spans[1].spanId);
    expect(spans[1].attributes['xerxes.function_calls_count']).toBeUndefined();

    // Its turn_end, arriving after the flush, finds no open turn: a standalone span, as the reference's other events.
    otel.emit(new TurnEndEvent({ ...turn, timestamp: at(9), functionCallsCount: 1 }));
    const late = finished()[2];
    expect([late.name, late.parentSpanId, late.start, late.end]).toStrictEqual(['turn_end', null, 9, 9]);
    expect(late.attributes).toMatchObject({
      event_type: 'turn_end',
      turn_id: 'c3c3c3c3c3c3',
      function_calls_count: 1,
    });
  });

  it('a turn_start for a turn already open ends the earlier span, marked incomplete, and opens a new one', () => {
    const { tracer, finished } = sdk();
    const otel = new OTelCollector({ tracer });
    const turn = { turnId: 'd4d4d4d4d4d4', agentId: 'again' };
    otel.emit(new TurnStartEvent({ ...turn, timestamp: at(0) }));
    otel.emit(new TurnStartEvent({ ...turn, timestamp: at(3) }));
    expect(otel.openTurns).toBe(1);
    otel.emit(new TurnEndEvent({ ...turn, timestamp: at(7) }));
    expect(
      finished().map((span) => [span.start, span.end, span.attributes['calute.audit.incomplete'] ?? false]),
    ).toStrictEqual([
      [0, 3, true],
      [3, 7, false],
    ]);
  });
});

describe('OTelCollector with the SDK: tool call pairing', () => {
  it('without ids, outcomes pair with attempts first-in first-out per turn and tool name', () => {
    const { tracer, finished } = sdk();
    const otel = new OTelCollector({ tracer });
    const turn = { turnId: 'e5e5e5e5e5e5', agentId: 'pair' };
    otel.emit(new TurnStartEvent({ ...turn, timestamp: at(0) }));
    otel.emit(new ToolCallAttemptEvent({ ...turn, timestamp: at(1), toolName: 'fetch' }));
    otel.emit(new ToolCallAttemptEvent({ ...turn, timestamp: at(2), toolName: 'fetch' }));
    otel.emit(new ToolCallAttemptEvent({ ...turn, timestamp: at(3), toolName: 'parse' }));
    otel.emit(new ToolCallCompleteEvent({ ...turn, timestamp: at(4), toolName: 'parse', durationMs: 1 }));
    otel.emit(new ToolCallFailureEvent({ ...turn, timestamp: at(5), toolName: 'fetch', errorType: 'E1' }));
    otel.emit(new ToolCallCompleteEvent({ ...turn, timestamp: at(6), toolName: 'fetch', durationMs: 4 }));
    otel.emit(new TurnEndEvent({ ...turn, timestamp: at(7) }));
    expect(finished().map((span) => [span.name, span.start, span.end, span.status.code])).toStrictEqual([
      ['execute_tool parse', 3, 4, 0],
      ['execute_tool fetch', 1, 5, 2],
      ['execute_tool fetch', 2, 6, 0],
      ['invoke_agent pair', 0, 7, 0],
    ]);
  });

  it('an outcome without its attempt (emitted elsewhere) makes its span from duration_ms', () => {
    const { tracer, finished } = sdk();
    const otel = new OTelCollector({ tracer });
    otel.emit(
      new ToolCallCompleteEvent({ timestamp: at(50), toolName: 'late', durationMs: 12.5, toolCallId: 'x-1' }),
    );
    const [span] = finished();
    expect([span.name, span.parentSpanId, span.start, span.end]).toStrictEqual([
      'execute_tool late',
      null,
      37.5,
      50,
    ]);
    expect(span.attributes).toStrictEqual({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'late',
      'gen_ai.tool.call.id': 'x-1',
    });
    // Outside an open turn the reference's event rides on the tool span itself.
    expect(span.events.map((event) => [event.name, event.at])).toStrictEqual([['tool.complete:late', 50]]);
    // A duration reaching back before 1970 is no duration: the span is the record's instant.
    otel.emit(new ToolCallCompleteEvent({ timestamp: at(60), toolName: 'odd', durationMs: 1e300 }));
    const odd = finished()[1];
    expect([odd.name, odd.start, odd.end]).toStrictEqual(['execute_tool odd', 60, 60]);
  });
});

describe('OTelCollector with the SDK: tool calls in flight are bounded', () => {
  it('outside any turn, past 4096 calls the oldest ends, marked incomplete; a repeated tool_call_id ends the earlier call', () => {
    const { tracer, finished } = sdk();
    const otel = new OTelCollector({ tracer });
    for (let n = 0; n <= 4096; n++) {
      otel.emit(new ToolCallAttemptEvent({ timestamp: at(n), toolName: `t${n}`, toolCallId: `id-${n}` }));
    }
    expect(
      finished().map((span) => [span.name, span.start, span.end, span.attributes['calute.audit.incomplete']]),
    ).toStrictEqual([['execute_tool t0', 0, 4096, true]]);
    otel.emit(new ToolCallAttemptEvent({ timestamp: at(5000), toolName: 'again', toolCallId: 'id-7' }));
    expect(finished()[1].name).toBe('execute_tool t7');
    expect(finished()[1].attributes['calute.audit.incomplete']).toBe(true);
    otel.emit(new ToolCallCompleteEvent({ timestamp: at(5001), toolName: 'again', toolCallId: 'id-7' }));
    expect(
      finished()
        .map((span) => [span.name, span.start, span.end])
        .slice(2),
    ).toStrictEqual([['execute_tool again', 5000, 5001]]);
  });
});

describe('OTelCollector with the SDK: the reference', () => {
  it('other events of an open turn are span events named by type; outside a turn each is a standalone span', () => {
    const { tracer, finished } = sdk();
    const otel = new OTelCollector({ tracer });
    const RetrievalEvent = defineEvent({
      type: 'retrieval',
      fields: { query: { kind: 'string', content: true }, hits: { kind: 'number' } },
    });
    const turn = { turnId: 'f6f6f6f6f6f6', agentId: 'ref', sessionId: 's-ref' };
    otel.emit(new TurnStartEvent({ ...turn, timestamp: at(0) }));
    otel.emit(
      new ToolPolicyDecisionEvent({
        ...turn,
        timestamp: at(1),
        toolName: 'rm',
        action: 'deny',
        policySource: 'rules',
      }),
    );
    otel.emit(new RetrievalEvent({ ...turn, timestamp: at(2), query: 'secret question', hits: 3 }));
    otel.emit(new TurnEndEvent({ ...turn, timestamp: at(3) }));
    otel.emit(new SkillUsedEvent({ timestamp: at(4), skillName: 'loose', metadata: { k: [1, 2] } }));

    const [turnSpan, standalone] = finished();
    expect(turnSpan.events.map((event) => [event.name, event.at])).toStrictEqual([
      ['tool_policy_decision', 1],
      ['retrieval', 2],
    ]);
    // The custom type's content field (query) is left out, learnt from its class.
    expect(turnSpan.events[1].attributes).toStrictEqual({
      event_type: 'retrieval',
      timestamp: at(2),
      agent_id: 'ref',
      turn_id: 'f6f6f6f6f6f6',
      session_id: 's-ref',
      severity: 'info',
      metadata: '{}',
      hits: 3,
    });
    expect([standalone.name, standalone.parentSpanId, standalone.start, standalone.end]).toStrictEqual([
      'skill.used:loose',
      null,
      4,
      4,
    ]);
    // Nulls left out; an object as its JSON text.
    expect(standalone.attributes).toStrictEqual({
      event_type: 'skill_used',
      timestamp: at(4),
      severity: 'info',
      metadata: '{"k":[1,2]}',
      skill_name: 'loose',
      version: '',
      outcome: 'unknown',
      duration_ms: 0,
      triggered_automatically: true,
    });
  });
});
