/**
 * OTelCollector beside other collectors (a CompositeCollector behind an AuditEmitter), its
 * promise never to throw from emit (failures go to onError, else once per kind to
 * OpenTelemetry's diag logger, and are counted), and its option errors.
 */
import { DiagLogLevel, diag, type Tracer } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  AuditEmitter,
  AuditOptionError,
  CompositeCollector,
  InMemoryCollector,
  TurnStartEvent,
} from 'calute-audit';
import { OTelCollector } from 'calute-audit/otel';
import { afterEach, describe, expect, it } from 'vitest';
import { thrownBy } from './support/assertions.js';

function sdk() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, tracer: provider.getTracer('otel-collector-composite.test') };
}

afterEach(() => {
  diag.disable();
});

describe('OTelCollector in a CompositeCollector', () => {
  it('the emitter delivers every event to both the in-memory collector and OpenTelemetry', () => {
    const { exporter, tracer } = sdk();
    const memory = new InMemoryCollector();
    const otel = new OTelCollector({ tracer });
    const audit = new AuditEmitter({
      collector: new CompositeCollector([memory, otel]),
      sessionId: 's-comp',
      toolCallIds: true,
    });
    const turnId = audit.emitTurnStart({ agentId: 'a', prompt: 'go' });
    const toolCallId = audit.emitToolCallAttempt({ agentId: 'a', turnId, toolName: 'calc', args: { x: 1 } });
    audit.emitToolCallComplete({
      agentId: 'a',
      turnId,
      toolName: 'calc',
      durationMs: 2,
      result: 2,
      toolCallId,
    });
    audit.emitTurnEnd({ agentId: 'a', turnId, content: 'two', fcCount: 1 });

    expect(memory.getEvents().map((event) => event.eventType)).toStrictEqual([
      'turn_start',
      'tool_call_attempt',
      'tool_call_complete',
      'turn_end',
    ]);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => span.name)).toStrictEqual(['execute_tool calc', 'invoke_agent a']);
    expect(spans[0].attributes['gen_ai.tool.call.id']).toBe(toolCallId);
    expect(spans[0].parentSpanContext?.spanId).toBe(spans[1].spanContext().spanId);
    expect(spans[1].attributes).toMatchObject({
      'xerxes.turn_id': turnId,
      'gen_ai.conversation.id': 's-comp',
    });
    expect(spans[1].events.map((event) => event.name)).toStrictEqual([
      'tool.attempt:calc',
      'tool.complete:calc',
    ]);
  });
});

describe('OTelCollector.emit never throws', () => {
  it('a failure goes to onError with the event type, is counted, and later events are still mapped', () => {
    const { exporter, tracer } = sdk();
    let calls = 0;
    const flaky: Tracer = {
      startSpan: (...args: Parameters<Tracer['startSpan']>) => {
        calls++;
        if (calls === 1) throw new RangeError('tracer down');
        return tracer.startSpan(...args);
      },
      startActiveSpan: tracer.startActiveSpan.bind(tracer) as Tracer['startActiveSpan'],
    };
    const reported: [string, string][] = [];
    const otel = new OTelCollector({
      tracer: flaky,
      onError: (error, eventType) => reported.push([eventType, (error as Error).message]),
    });
    otel.emit(new TurnStartEvent({ turnId: 't-1', agentId: 'x' }));
    otel.emit(null as never);
    otel.emit(new TurnStartEvent({ turnId: 't-2', agentId: 'y' }));
    otel.flush();
    expect(reported).toStrictEqual([
      ['turn_start', 'tracer down'],
      ['unknown', "Cannot read properties of null (reading 'toDict')"],
    ]);
    expect(otel.failures).toBe(2);
    expect(exporter.getFinishedSpans().map((span) => span.name)).toStrictEqual(['invoke_agent y']);
  });

  it('without onError, the first failure of each kind goes to the diag logger, once', () => {
    const warnings: string[] = [];
    const logger = {
      error: () => {},
      warn: (message: string) => warnings.push(message),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    };
    diag.setLogger(logger, DiagLogLevel.WARN);
    const throwing = {
      startSpan: () => {
        throw new TypeError('no spans today');
      },
    } as unknown as Tracer;
    const otel = new OTelCollector({ tracer: throwing });
    otel.emit(new TurnStartEvent({ turnId: 't-1' }));
    otel.emit(new TurnStartEvent({ turnId: 't-2' }));
    otel.emit(undefined as never);
    expect(otel.failures).toBe(3);
    expect(warnings).toStrictEqual([
      'OTelCollector could not map a "turn_start" event (TypeError: no spans today); it was skipped. Later failures of this kind are counted, not repeated.',
      `OTelCollector could not map a "unknown" event (TypeError: Cannot read properties of undefined (reading 'toDict')); it was skipped. Later failures of this kind are counted, not repeated.`,
    ]);
  });
});

describe('new OTelCollector(options): bad options throw, naming the option', () => {
  const cases: [string, unknown, string][] = [
    [
      'unknown key',
      { servicename: 'x' },
      'Invalid option "options.servicename": expected one of serviceName',
    ],
    ['serviceName', { serviceName: '' }, 'Invalid option "serviceName": expected a non-empty string, got ""'],
    [
      'captureContent',
      { captureContent: 'yes' },
      'Invalid option "captureContent": expected a boolean, got "yes"',
    ],
    [
      'tracer',
      { tracer: {} },
      'Invalid option "tracer": expected an OpenTelemetry Tracer (with startSpan), got an object',
    ],
    ['onError', { onError: 1 }, 'Invalid option "onError": expected a function, got 1'],
    [
      'fallbackLogLimit',
      { fallbackLogLimit: -1 },
      'Invalid option "fallbackLogLimit": expected an integer from 0',
    ],
    [
      'eventClasses',
      { eventClasses: [{}] },
      'Invalid option "eventClasses": expected an array of event classes',
    ],
    ['options', 'x', 'Invalid option "options": expected an options object, got "x"'],
  ];
  for (const [label, options, message] of cases) {
    it(`${label}`, () => {
      const error = thrownBy(() => new OTelCollector(options as never));
      expect(error).toBeInstanceOf(AuditOptionError);
      expect((error as AuditOptionError).code).toBe('ERR_AUDIT_OPTION');
      expect((error as Error).message).toContain(message);
    });
  }
});
