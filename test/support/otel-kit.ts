/**
 * The OpenTelemetry tests' shared parts: a scripted two-turn agent run with fixed
 * timestamps (the same events checked live and exported from a file), the real SDK
 * (`BasicTracerProvider` + `InMemorySpanExporter`), an OTLP/HTTP receiver on
 * 127.0.0.1:0 that decodes what arrives, and one normalized form of a span, so that a
 * span from the SDK and one decoded from OTLP JSON compare against the same expectations.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  AgentSwitchEvent,
  type AuditEvent,
  ErrorEvent,
  ModelCallEvent,
  SkillUsedEvent,
  ToolCallAttemptEvent,
  ToolCallCompleteEvent,
  ToolCallFailureEvent,
  TurnEndEvent,
  TurnStartEvent,
} from 'calute-audit';
import { afterEach } from 'vitest';

/** The run starts at 2025-06-15T14:30:00.000000Z. */
export const T0_SECONDS = Date.UTC(2025, 5, 15, 14, 30, 0) / 1000;

/** The timestamp `ms` milliseconds (with microseconds) after the start, in the record format. */
export function at(ms: number): string {
  const micros = T0_SECONDS * 1_000_000 + Math.round(ms * 1000);
  const second = Math.floor(micros / 1_000_000);
  const fraction = String(micros - second * 1_000_000).padStart(6, '0');
  return `${new Date(second * 1000).toISOString().slice(0, 19)}.${fraction}+00:00`;
}

export const SESSION = 'sess-1';
export const TURN_1 = 'a1a1a1a1a1a1';
export const TURN_2 = 'b2b2b2b2b2b2';

/**
 * Turn 1 (agent "planner"): a model call, two tool calls (one paired by id and failing,
 * one paired by order, completing first), a skill, an error, an agent switch. Turn 2
 * (agent "booker"): one tool call. Built as the emitter builds them, timestamps fixed.
 */
export function twoTurnRun(): AuditEvent[] {
  const t1 = { sessionId: SESSION, turnId: TURN_1, agentId: 'planner' };
  const t2 = { sessionId: SESSION, turnId: TURN_2, agentId: 'booker' };
  return [
    new TurnStartEvent({ ...t1, timestamp: at(0), promptPreview: 'Plan a trip to Paris' }),
    new ModelCallEvent({
      ...t1,
      timestamp: at(10),
      provider: 'openai',
      model: 'gpt-4o',
      inputTokens: 120,
      outputTokens: 30,
      durationMs: 8,
      finishReason: 'tool_calls',
      responseModel: 'gpt-4o-2024-08-06',
      responseId: 'chatcmpl-1',
      cachedInputTokens: 100,
      toolCallCount: 2,
      inputPreview: 'Plan a trip to Paris',
      outputPreview: 'calling search and weather',
    }),
    new ToolCallAttemptEvent({
      ...t1,
      timestamp: at(20),
      toolName: 'search',
      argumentsPreview: '{"q":"flights"}',
      toolCallId: 'call-1',
    }),
    new ToolCallAttemptEvent({
      ...t1,
      timestamp: at(21),
      toolName: 'weather',
      argumentsPreview: '{"city":"Paris"}',
    }),
    new ToolCallCompleteEvent({
      ...t1,
      timestamp: at(30),
      toolName: 'weather',
      durationMs: 9,
      resultPreview: 'sunny',
    }),
    new ToolCallFailureEvent({
      ...t1,
      timestamp: at(40),
      toolName: 'search',
      errorType: 'TimeoutError',
      errorMessage: 'no answer in 10 s',
      toolCallId: 'call-1',
      durationMs: 20,
    }),
    new SkillUsedEvent({
      ...t1,
      timestamp: at(45),
      skillName: 'itinerary',
      version: '2',
      outcome: 'success',
      durationMs: 3,
    }),
    new ErrorEvent({
      ...t1,
      timestamp: at(50),
      errorType: 'RateLimit',
      errorMessage: 'slow down',
      errorContext: 'retry',
    }),
    new AgentSwitchEvent({
      ...t1,
      timestamp: at(55),
      fromAgent: 'planner',
      toAgent: 'booker',
      reason: 'booking',
    }),
    new TurnEndEvent({
      ...t1,
      timestamp: at(60),
      contentPreview: 'Handing over to booking',
      functionCallsCount: 2,
    }),
    new TurnStartEvent({ ...t2, timestamp: at(100), promptPreview: 'Book it' }),
    new ToolCallAttemptEvent({
      ...t2,
      timestamp: at(110),
      toolName: 'book',
      argumentsPreview: '{"flight":"AF1"}',
    }),
    new ToolCallCompleteEvent({
      ...t2,
      timestamp: at(150),
      toolName: 'book',
      durationMs: 40,
      resultPreview: 'booked',
    }),
    new TurnEndEvent({ ...t2, timestamp: at(160), contentPreview: 'Booked AF1', functionCallsCount: 1 }),
  ];
}

export type Attrs = Record<string, unknown>;

/** A span in one form for both sources: times in ms after T0, the parent by name. */
export interface NormalSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  kind: 'internal' | 'client' | 'other';
  start: number;
  end: number;
  status: { code: number; message?: string };
  attributes: Attrs;
  events: { name: string; at: number; attributes: Attrs }[];
}

const msAfterT0 = (seconds: number, nanos: number): number => (seconds - T0_SECONDS) * 1000 + nanos / 1e6;

export function fromSdkSpan(span: ReadableSpan): NormalSpan {
  const context = span.spanContext();
  return {
    name: span.name,
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? null,
    kind: span.kind === 0 ? 'internal' : span.kind === 2 ? 'client' : 'other',
    start: msAfterT0(span.startTime[0], span.startTime[1]),
    end: msAfterT0(span.endTime[0], span.endTime[1]),
    status: span.status.message === undefined ? { code: span.status.code } : { ...span.status },
    attributes: { ...span.attributes },
    events: span.events.map((event) => ({
      name: event.name,
      at: msAfterT0(event.time[0], event.time[1]),
      attributes: { ...event.attributes },
    })),
  };
}

// ---- OTLP/HTTP JSON ---------------------------------------------------------------------

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpKeyValue {
  key: string;
  value: OtlpValue;
}
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  events: { name: string; timeUnixNano: string; attributes: OtlpKeyValue[] }[];
  status: { code?: number; message?: string };
}
export interface OtlpRequest {
  resourceSpans: {
    resource: { attributes: OtlpKeyValue[] };
    scopeSpans: { scope: { name: string; version?: string }; spans: OtlpSpan[] }[];
  }[];
}

function value(v: OtlpValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(value);
  return undefined;
}

export const otlpAttributes = (list: OtlpKeyValue[] = []): Attrs =>
  Object.fromEntries(list.map((entry) => [entry.key, value(entry.value)]));

/** Nanoseconds since the epoch (a decimal string) as ms after T0, exactly to the microsecond. */
function nanosAfterT0(text: string): number {
  const nanos = BigInt(text) - BigInt(T0_SECONDS) * 1_000_000_000n;
  return Number(nanos / 1000n) / 1000;
}

export function fromOtlpSpan(span: OtlpSpan): NormalSpan {
  // OTLP kinds are the API's plus one (0 is "unspecified").
  const kind = span.kind - 1;
  const status: { code: number; message?: string } = { code: span.status?.code ?? 0 };
  if (span.status?.message) status.message = span.status.message;
  return {
    name: span.name,
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId ? span.parentSpanId : null,
    kind: kind === 0 ? 'internal' : kind === 2 ? 'client' : 'other',
    start: nanosAfterT0(span.startTimeUnixNano),
    end: nanosAfterT0(span.endTimeUnixNano),
    status,
    attributes: otlpAttributes(span.attributes),
    events: (span.events ?? []).map((event) => ({
      name: event.name,
      at: nanosAfterT0(event.timeUnixNano),
      attributes: otlpAttributes(event.attributes),
    })),
  };
}

export interface OtlpReceiver {
  /** The traces endpoint: http://127.0.0.1:<port>/v1/traces */
  readonly url: string;
  /** Every request body, decoded, in arrival order. */
  readonly requests: OtlpRequest[];
  /** Every span received, in arrival order. */
  spans(): OtlpSpan[];
  /** Answer requests with this status instead of 200, once `after` requests were taken. */
  failWith(status: number | null, after?: number): void;
}

/** A node:http server that takes OTLP/HTTP JSON posts; closed after the test. */
export function useOtlpReceiver(): () => Promise<OtlpReceiver> {
  const servers: http.Server[] = [];
  afterEach(async () => {
    await Promise.all(
      servers.splice(0).map(
        (server) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      ),
    );
  });
  return async () => {
    const requests: OtlpRequest[] = [];
    let failure: number | null = null;
    let failAfter = 0;
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (failure !== null && requests.length >= failAfter) {
          response.writeHead(failure, { 'content-type': 'application/json' }).end('{}');
          return;
        }
        if (request.url !== '/v1/traces' || request.headers['content-type'] !== 'application/json') {
          response.writeHead(404).end();
          return;
        }
        requests.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpRequest);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/v1/traces`,
      requests,
      spans: () =>
        requests.flatMap((body) => body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))),
      failWith: (status, after = 0) => {
        failure = status;
        failAfter = after;
      },
    };
  };
}

/** Spans by name (the scripted run's names are unique). */
export function byName(spans: readonly NormalSpan[]): Record<string, NormalSpan> {
  const map: Record<string, NormalSpan> = {};
  for (const span of spans) {
    if (map[span.name] !== undefined) throw new Error(`two spans named ${span.name}`);
    map[span.name] = span;
  }
  return map;
}
