/**
 * What the scripted run (otel-kit.ts `twoTurnRun`) must become, written out by hand from the
 * GenAI conventions (v1.41.0) and the reference's names: the live collector and the trail
 * export are both checked against it.
 */
import { expect } from 'vitest';
import { type Attrs, at, byName, type NormalSpan, SESSION, TURN_1, TURN_2 } from './otel-kit.js';

export const SERVICE = 'trip-agent';

/** Span name → parent span name (null: no parent from the run itself). */
export const PARENTS: Record<string, string | null> = {
  'invoke_agent planner': null,
  'chat gpt-4o': 'invoke_agent planner',
  'execute_tool search': 'invoke_agent planner',
  'execute_tool weather': 'invoke_agent planner',
  'invoke_agent booker': null,
  'execute_tool book': 'invoke_agent booker',
};

/** The spans in the order they end (times: ms after T0). */
export const END_ORDER = [
  'chat gpt-4o',
  'execute_tool weather',
  'execute_tool search',
  'invoke_agent planner',
  'execute_tool book',
  'invoke_agent booker',
];

type Expected = Omit<NormalSpan, 'traceId' | 'spanId' | 'parentSpanId' | 'events'> & {
  events: { name: string; at: number }[];
};

const turn = (agent: string, turnId: string, calls: number): Attrs => ({
  'gen_ai.operation.name': 'invoke_agent',
  'gen_ai.agent.id': agent,
  'gen_ai.agent.name': agent,
  'gen_ai.conversation.id': SESSION,
  'xerxes.turn_id': turnId,
  'xerxes.agent_id': agent,
  'xerxes.session_id': SESSION,
  'service.name': SERVICE,
  'xerxes.function_calls_count': calls,
});

export function expectedSpans(withContent: boolean): Record<string, Expected> {
  const content = (attributes: Attrs): Attrs => (withContent ? attributes : {});
  const unset = { code: 0 };
  return {
    'invoke_agent planner': {
      name: 'invoke_agent planner',
      kind: 'internal',
      start: 0,
      end: 60,
      status: unset,
      attributes: {
        ...turn('planner', TURN_1, 2),
        'gen_ai.provider.name': 'openai',
        ...content({
          'xerxes.prompt_preview': 'Plan a trip to Paris',
          'gen_ai.input.messages':
            '[{"role":"user","parts":[{"type":"text","content":"Plan a trip to Paris"}]}]',
          'gen_ai.output.messages':
            '[{"role":"assistant","parts":[{"type":"text","content":"Handing over to booking"}],"finish_reason":"stop"}]',
        }),
      },
      events: [
        { name: 'model_call', at: 10 },
        { name: 'tool.attempt:search', at: 20 },
        { name: 'tool.attempt:weather', at: 21 },
        { name: 'tool.complete:weather', at: 30 },
        { name: 'tool.failure:search', at: 40 },
        { name: 'skill.used:itinerary', at: 45 },
        { name: 'error:RateLimit', at: 50 },
        { name: 'agent_switch', at: 55 },
      ],
    },
    'chat gpt-4o': {
      name: 'chat gpt-4o',
      kind: 'client',
      start: 2,
      end: 10,
      status: unset,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.conversation.id': SESSION,
        'gen_ai.response.model': 'gpt-4o-2024-08-06',
        'gen_ai.response.id': 'chatcmpl-1',
        'gen_ai.response.finish_reasons': ['tool_calls'],
        'gen_ai.usage.input_tokens': 120,
        'gen_ai.usage.output_tokens': 30,
        'gen_ai.usage.cache_read.input_tokens': 100,
        ...content({
          'gen_ai.input.messages':
            '[{"role":"user","parts":[{"type":"text","content":"Plan a trip to Paris"}]}]',
          'gen_ai.output.messages':
            '[{"role":"assistant","parts":[{"type":"text","content":"calling search and weather"}],"finish_reason":"tool_calls"}]',
        }),
      },
      events: [],
    },
    'execute_tool search': {
      name: 'execute_tool search',
      kind: 'internal',
      start: 20,
      end: 40,
      status: { code: 2, message: 'TimeoutError' },
      attributes: {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'search',
        'gen_ai.tool.call.id': 'call-1',
        'error.type': 'TimeoutError',
        ...content({ 'gen_ai.tool.call.arguments': '{"q":"flights"}' }),
      },
      events: [],
    },
    'execute_tool weather': {
      name: 'execute_tool weather',
      kind: 'internal',
      start: 21,
      end: 30,
      status: unset,
      attributes: {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'weather',
        ...content({ 'gen_ai.tool.call.arguments': '{"city":"Paris"}', 'gen_ai.tool.call.result': 'sunny' }),
      },
      events: [],
    },
    'invoke_agent booker': {
      name: 'invoke_agent booker',
      kind: 'internal',
      start: 100,
      end: 160,
      status: unset,
      attributes: {
        ...turn('booker', TURN_2, 1),
        ...content({
          'xerxes.prompt_preview': 'Book it',
          'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"Book it"}]}]',
          'gen_ai.output.messages':
            '[{"role":"assistant","parts":[{"type":"text","content":"Booked AF1"}],"finish_reason":"stop"}]',
        }),
      },
      events: [
        { name: 'tool.attempt:book', at: 110 },
        { name: 'tool.complete:book', at: 150 },
      ],
    },
    'execute_tool book': {
      name: 'execute_tool book',
      kind: 'internal',
      start: 110,
      end: 150,
      status: unset,
      attributes: {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'book',
        ...content({ 'gen_ai.tool.call.arguments': '{"flight":"AF1"}', 'gen_ai.tool.call.result': 'booked' }),
      },
      events: [],
    },
  };
}

/** The reference's attributes of the `tool.failure:search` span event: the record's keys. */
export function failureEventAttributes(withContent: boolean): Attrs {
  return {
    event_type: 'tool_call_failure',
    timestamp: at(40),
    agent_id: 'planner',
    turn_id: TURN_1,
    session_id: SESSION,
    severity: 'error',
    metadata: '{}',
    tool_name: 'search',
    error_type: 'TimeoutError',
    ...(withContent ? { error_message: 'no answer in 10 s' } : {}),
    tool_call_id: 'call-1',
    duration_ms: 20,
  };
}

/**
 * Checks spans against the expectations: the same set of names, each span's kind, times,
 * status, attributes and events (names and times, and the failure event's attributes), its
 * parent, and its turn's trace. `rootParents` gives the parent id each turn span must have.
 */
export function checkRunSpans(
  spans: readonly NormalSpan[],
  withContent: boolean,
  rootParents: Record<string, string | null> = { 'invoke_agent planner': null, 'invoke_agent booker': null },
): void {
  const found = byName(spans);
  const expected = expectedSpans(withContent);
  expect(Object.keys(found).sort()).toStrictEqual(Object.keys(expected).sort());
  for (const [name, want] of Object.entries(expected)) {
    const span = found[name];
    const { traceId: _t, spanId: _s, parentSpanId: _p, events, ...rest } = span;
    expect(
      { ...rest, events: events.map((event) => ({ name: event.name, at: event.at })) },
      name,
    ).toStrictEqual(want);
    const parent = PARENTS[name];
    expect(span.parentSpanId, `${name}: parent`).toBe(
      parent === null ? rootParents[name] : found[parent].spanId,
    );
    if (parent !== null) expect(span.traceId, `${name}: trace`).toBe(found[parent].traceId);
  }
  const failure = found['invoke_agent planner'].events.find((event) => event.name === 'tool.failure:search');
  expect(failure?.attributes).toStrictEqual(failureEventAttributes(withContent));
}
