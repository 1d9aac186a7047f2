/**
 * calute-audit/langchain: a real LangChain.js agent loop (a RunnableLambda that calls a chat
 * model with tools bound, runs the tools it asks for and answers), with LangChain's own
 * test model (`fakeModel()` of @langchain/core/testing): the first call asks for two tools,
 * one of which throws; the second answers with token usage. The handler writes through
 * the offloaded sink; the test reads the file and checks every record, and that the loop's
 * result is the same as without the handler.
 */
import { awaitAllCallbacks } from '@langchain/core/callbacks/promises';
import { AIMessage, type BaseMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { RunnableLambda } from '@langchain/core/runnables';
import { fakeModel } from '@langchain/core/testing';
import { tool } from '@langchain/core/tools';
import { ADAPTER_WARNING_CODE, AuditCallbackHandler } from 'calute-audit/langchain';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DURATION,
  openSink,
  SCENARIO_RECORDS,
  ThrowingCollector,
  TIMESTAMP,
  warningsDuring,
} from './support/adapter-kit.js';
import { useTempDir } from './support/temp-files.js';

const tempDir = useTempDir('calute-audit-langchain-');

const ANSWER = 'Sunny in Paris; the other lookup failed.';

const weather = tool(async ({ city }) => ({ city, sky: 'sunny', celsius: 21 }), {
  name: 'weather',
  description: 'Current weather of a city',
  schema: z.object({ city: z.string() }),
});
const flaky = tool(
  async (): Promise<string> => {
    throw new RangeError('upstream returned 503');
  },
  { name: 'flaky', description: 'Always fails', schema: z.object({ attempt: z.number() }) },
);
/** The tools by name; invoked with the model's tool call, each returns a ToolMessage. */
const TOOLS = { weather, flaky } as unknown as Record<
  string,
  { invoke(call: unknown, config: unknown): Promise<BaseMessage> }
>;

/** The loop: model, tools, model; a tool that throws becomes an error ToolMessage. */
function agentLoop() {
  const model = fakeModel()
    .respondWithTools([
      { name: 'weather', args: { city: 'Paris' }, id: 'call-weather' },
      { name: 'flaky', args: { attempt: 1 }, id: 'call-flaky' },
    ])
    .respond(
      new AIMessage({
        id: 'resp-2',
        content: ANSWER,
        usage_metadata: {
          input_tokens: 180,
          output_tokens: 12,
          total_tokens: 192,
          input_token_details: { cache_read: 40 },
          output_token_details: { reasoning: 4 },
        },
        response_metadata: { finish_reason: 'stop', model_name: 'fake-model-2025-01' },
      }),
    );
  const bound = model.bindTools([weather, flaky]);
  return RunnableLambda.from(async (question: string, config) => {
    const messages: BaseMessage[] = [new HumanMessage(question)];
    for (;;) {
      const reply = await bound.invoke(messages, config);
      messages.push(reply);
      if (!reply.tool_calls?.length) return { answer: reply.content, messages };
      for (const call of reply.tool_calls) {
        try {
          messages.push(await TOOLS[call.name].invoke(call, config));
        } catch (error) {
          messages.push(new ToolMessage({ tool_call_id: call.id!, content: String(error), status: 'error' }));
        }
      }
    }
  }).withConfig({ runName: 'weather_agent' });
}

async function run(handler?: AuditCallbackHandler) {
  const result = await agentLoop().invoke('What is the weather in Paris?', {
    callbacks: handler ? [handler] : [],
  });
  await awaitAllCallbacks();
  return result;
}

/** The loop's result, as plain data. */
function outcome(result: Awaited<ReturnType<typeof run>>) {
  return {
    answer: result.answer,
    messages: result.messages.map((message) => [
      message.getType(),
      message.content,
      (message as AIMessage).tool_calls ?? null,
    ]),
  };
}

describe('AuditCallbackHandler (LangChain.js callbacks)', () => {
  it('writes an agent loop with two tool calls, one failing, as its exact records', async () => {
    const { sink, records } = openSink(tempDir());
    const errors: unknown[] = [];
    const handler = new AuditCallbackHandler({
      collector: sink,
      sessionId: 'session-lc',
      agentId: 'weather-agent',
      onError: (error) => errors.push(error),
    });
    const result = await run(handler);
    const written = await records();
    expect(errors).toEqual([]);

    // The turn id is the outermost run's id (a UUID).
    const turnId = written[0].turn_id as string;
    expect(turnId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const envelope = (severity: string) => ({
      timestamp: TIMESTAMP,
      agent_id: 'weather-agent',
      turn_id: turnId,
      session_id: 'session-lc',
      severity,
      metadata: {},
    });
    const model = { provider: 'FakeBuiltModel', model: 'FakeBuiltModel', operation: 'chat' };
    expect(written).toEqual([
      { event_type: 'turn_start', ...envelope('info'), prompt_preview: 'What is the weather in Paris?' },
      {
        event_type: 'model_call',
        ...envelope('info'),
        ...model,
        // fakeModel's tool-call answers carry no usage.
        input_tokens: null,
        output_tokens: null,
        duration_ms: DURATION,
        finish_reason: '',
        response_id: '0',
        tool_call_count: 2,
        input_preview: 'What is the weather in Paris?',
        output_preview: expect.stringContaining('"name":"weather","args":{"city":"Paris"}'),
      },
      { ...SCENARIO_RECORDS.weatherAttempt, ...envelope('info') },
      { ...SCENARIO_RECORDS.weatherComplete, ...envelope('info') },
      { ...SCENARIO_RECORDS.flakyAttempt, ...envelope('info') },
      {
        event_type: 'tool_call_failure',
        ...envelope('error'),
        tool_name: 'flaky',
        error_type: 'RangeError',
        error_message: 'upstream returned 503',
        tool_call_id: 'call-flaky',
        duration_ms: DURATION,
      },
      {
        event_type: 'model_call',
        ...envelope('info'),
        ...model,
        input_tokens: 180,
        output_tokens: 12,
        duration_ms: DURATION,
        finish_reason: 'stop',
        response_model: 'fake-model-2025-01',
        response_id: 'resp-2',
        cached_input_tokens: 40,
        reasoning_tokens: 4,
        tool_call_count: 0,
        input_preview: 'RangeError: upstream returned 503',
        output_preview: ANSWER,
      },
      { event_type: 'turn_end', ...envelope('info'), content_preview: ANSWER, function_calls_count: 2 },
    ]);

    expect(outcome(result)).toEqual(outcome(await run()));
  });

  it('takes the session from a LangGraph thread id when no sessionId is given', async () => {
    const { sink, records } = openSink(tempDir());
    const handler = new AuditCallbackHandler({ collector: sink });
    await agentLoop().invoke('What is the weather in Paris?', {
      callbacks: [handler],
      metadata: { thread_id: 'thread-42' },
    });
    await awaitAllCallbacks();
    const written = await records();
    expect(written).toHaveLength(8);
    expect(new Set(written.map((record) => record.session_id))).toEqual(new Set(['thread-42']));
    // No agentId given: the outermost run's name.
    expect(new Set(written.map((record) => record.agent_id))).toEqual(new Set(['weather_agent']));
  });

  it('records a failing run as an error event of its turn, then ends the turn', async () => {
    const { sink, records } = openSink(tempDir());
    const failing = RunnableLambda.from(async (_question: string, config) => {
      await fakeModel()
        .respond(new Error('rate limited'))
        .invoke([new HumanMessage('hi')], config);
    }).withConfig({ runName: 'failing_agent' });
    await expect(
      failing.invoke('hi', { callbacks: [new AuditCallbackHandler({ collector: sink, sessionId: 's' })] }),
    ).rejects.toThrow('rate limited');
    await awaitAllCallbacks();
    const written = await records();
    expect(
      written.map((record) => [
        record.event_type,
        record.error_message ?? null,
        record.error_context ?? null,
      ]),
    ).toEqual([
      ['turn_start', null, null],
      ['error', 'rate limited', 'model FakeBuiltModel'],
      ['error', 'rate limited', 'chain failing_agent'],
      ['turn_end', null, null],
    ]);
    expect(written[3]).toMatchObject({ content_preview: '', function_calls_count: 0 });
    expect(new Set(written.map((record) => record.turn_id)).size).toBe(1);
  });

  it('a collector that throws leaves the run unchanged and reports each failure to onError', async () => {
    const collector = new ThrowingCollector();
    const reported: [string, string][] = [];
    const result = await run(
      new AuditCallbackHandler({
        collector,
        onError: (error, callback) => reported.push([callback, (error as Error).message]),
      }),
    );
    expect(outcome(result)).toEqual(outcome(await run()));
    expect(reported).toEqual([
      ['handleChainStart', 'collector down (turn_start)'],
      ['handleLLMEnd', 'collector down (model_call)'],
      ['handleToolStart', 'collector down (tool_call_attempt)'],
      ['handleToolEnd', 'collector down (tool_call_complete)'],
      ['handleToolStart', 'collector down (tool_call_attempt)'],
      ['handleToolError', 'collector down (tool_call_failure)'],
      ['handleLLMEnd', 'collector down (model_call)'],
      ['handleChainEnd', 'collector down (turn_end)'],
    ]);
  });

  it('without onError, a failing collector becomes a process warning', async () => {
    const warnings = await warningsDuring(ADAPTER_WARNING_CODE, async () => {
      const result = await run(new AuditCallbackHandler({ collector: new ThrowingCollector() }));
      expect(result.answer).toBe(ANSWER);
    });
    expect(warnings).toHaveLength(8);
    expect(warnings[0].message).toBe(
      'calute-audit/langchain: recording handleChainStart failed (the run goes on): Error: collector down (turn_start)',
    );
  });
  it('rejects bad options, naming them', () => {
    expect(() => new AuditCallbackHandler({ emitter: {} } as never)).toThrow(
      'Invalid option "emitter" of calute-audit/langchain: expected an AuditEmitter, got object',
    );
    expect(
      () => new AuditCallbackHandler({ collector: new ThrowingCollector(), onError: 1 } as never),
    ).toThrow('Invalid option "onError" of calute-audit/langchain: expected a function, got number');
  });
});
