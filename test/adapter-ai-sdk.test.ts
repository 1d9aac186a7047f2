/**
 * calute-audit/ai-sdk: a real `generateText` run of the AI SDK, with its own test model
 * (MockLanguageModelV3) scripted for two steps: the first calls two tools (one of which
 * throws), the second answers. The integration writes through the offloaded sink; the test
 * reads the file and checks every record, and that the SDK's result is the same as without
 * the integration.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  generateText,
  registerTelemetryIntegration,
  simulateReadableStream,
  stepCountIs,
  streamText,
  tool,
} from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { AuditEmitter } from 'calute-audit';
import { ADAPTER_WARNING_CODE, auditTelemetry } from 'calute-audit/ai-sdk';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DURATION,
  micros,
  openSink,
  SCENARIO_RECORDS,
  ThrowingCollector,
  TIMESTAMP,
  TURN_ID,
  warningsDuring,
} from './support/adapter-kit.js';
import { useTempDir } from './support/temp-files.js';

const tempDir = useTempDir('calute-audit-ai-sdk-');

/** One scripted answer of the mock model (its `doGenerate` takes a list of them). */
type GenerateResult = Extract<
  NonNullable<NonNullable<ConstructorParameters<typeof MockLanguageModelV3>[0]>['doGenerate']>,
  unknown[]
>[number];

/**
 * A fresh model scripted for the two steps (a mock model answers each step once); `tag`
 * marks its ids and answer, to tell concurrent calls apart.
 */
function scriptedModel(tag = ''): MockLanguageModelV3 {
  const usage = (input: number, output: number, cached: number, reasoning?: number) => ({
    inputTokens: { total: input, noCache: input - cached, cacheRead: cached, cacheWrite: undefined },
    outputTokens: { total: output, text: output - (reasoning ?? 0), reasoning },
  });
  const answers: GenerateResult[] = [
    {
      content: [
        {
          type: 'tool-call',
          toolCallId: `call-weather${tag}`,
          toolName: 'weather',
          input: '{"city":"Paris"}',
        },
        { type: 'tool-call', toolCallId: `call-flaky${tag}`, toolName: 'flaky', input: '{"attempt":1}' },
      ],
      finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
      usage: usage(120, 30, 20),
      warnings: [],
      response: { id: `resp-1${tag}`, modelId: 'mock-model-2025-01', timestamp: new Date(0) },
    },
    {
      content: [{ type: 'text', text: `Sunny in Paris; the other lookup failed.${tag}` }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: usage(180, 12, 0, 4),
      warnings: [],
      response: { id: `resp-2${tag}`, modelId: 'mock-model-2025-01', timestamp: new Date(0) },
    },
  ];
  return new MockLanguageModelV3({ provider: 'mock-provider', modelId: 'mock-model', doGenerate: answers });
}

const tools = {
  weather: tool({
    description: 'Current weather of a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => ({ city, sky: 'sunny', celsius: 21 }),
  }),
  flaky: tool({
    description: 'Always fails, a little later than weather answers',
    inputSchema: z.object({ attempt: z.number() }),
    execute: async (): Promise<string> => {
      await sleep(20);
      throw new RangeError('upstream returned 503');
    },
  }),
};

function run(integrations?: Parameters<typeof generateText>[0]['experimental_telemetry']) {
  return generateText({
    model: scriptedModel(),
    tools,
    prompt: 'What is the weather in Paris?',
    stopWhen: stepCountIs(5),
    experimental_telemetry: integrations,
  });
}

/** What a run returns that does not depend on the clock. */
function outcome(result: Awaited<ReturnType<typeof run>>) {
  return JSON.parse(
    JSON.stringify({
      text: result.text,
      finishReason: result.finishReason,
      totalUsage: result.totalUsage,
      steps: result.steps.map((step) => ({
        content: step.content,
        finishReason: step.finishReason,
        usage: step.usage,
        responseId: step.response.id,
        messages: step.response.messages,
      })),
    }),
  );
}

describe('auditTelemetry (AI SDK telemetry integration)', () => {
  it('writes a two-step run with two tool calls, one failing, as its exact records', async () => {
    const { sink, records } = openSink(tempDir());
    const errors: unknown[] = [];
    const result = await run({
      integrations: auditTelemetry({
        collector: sink,
        sessionId: 'session-ai',
        agentId: 'weather-agent',
        onError: (error) => errors.push(error),
      }),
    });
    const written = await records();
    expect(errors).toEqual([]);

    const turnId = written[0].turn_id as string;
    expect(turnId).toMatch(TURN_ID);
    const envelope = (severity: string) => ({
      timestamp: TIMESTAMP,
      agent_id: 'weather-agent',
      turn_id: turnId,
      session_id: 'session-ai',
      severity,
      metadata: {},
    });
    expect(written).toEqual([
      { event_type: 'turn_start', ...envelope('info'), prompt_preview: 'What is the weather in Paris?' },
      { ...SCENARIO_RECORDS.weatherAttempt, ...envelope('info') },
      { ...SCENARIO_RECORDS.flakyAttempt, ...envelope('info') },
      { ...SCENARIO_RECORDS.weatherComplete, ...envelope('info') },
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
        provider: 'mock-provider',
        model: 'mock-model',
        operation: 'chat',
        input_tokens: 120,
        output_tokens: 30,
        duration_ms: DURATION,
        finish_reason: 'tool-calls',
        response_model: 'mock-model-2025-01',
        response_id: 'resp-1',
        cached_input_tokens: 20,
        tool_call_count: 2,
        input_preview: 'What is the weather in Paris?',
        output_preview:
          '[{"toolName":"weather","input":{"city":"Paris"}},{"toolName":"flaky","input":{"attempt":1}}]',
      },
      {
        event_type: 'model_call',
        ...envelope('info'),
        provider: 'mock-provider',
        model: 'mock-model',
        operation: 'chat',
        input_tokens: 180,
        output_tokens: 12,
        duration_ms: DURATION,
        finish_reason: 'stop',
        response_model: 'mock-model-2025-01',
        response_id: 'resp-2',
        cached_input_tokens: 0,
        reasoning_tokens: 4,
        tool_call_count: 0,
        input_preview: expect.stringContaining('"toolCallId":"call-weather"'),
        output_preview: 'Sunny in Paris; the other lookup failed.',
      },
      {
        event_type: 'turn_end',
        ...envelope('info'),
        content_preview: 'Sunny in Paris; the other lookup failed.',
        function_calls_count: 2,
      },
    ]);

    // The first model call is stamped when the model answered (before the first tool
    // started), though written after its step's tools: its start is timestamp - duration.
    const [start, firstAttempt, , , failure, firstModel] = written;
    expect(micros(firstModel.timestamp)).toBeLessThanOrEqual(micros(firstAttempt.timestamp));
    expect(micros(firstModel.timestamp) - (firstModel.duration_ms as number) * 1000).toBeGreaterThanOrEqual(
      micros(start.timestamp) - 1,
    );
    // The flaky tool waits 20 ms before it throws.
    expect(failure.duration_ms as number).toBeGreaterThanOrEqual(15);

    // The SDK's result is the one it gives without the integration.
    expect(outcome(result)).toEqual(outcome(await run()));
  });

  it('records a streamText run the same way', async () => {
    const streamUsage = (input: number, output: number) => ({
      inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: undefined },
      outputTokens: { total: output, text: output, reasoning: undefined },
    });
    const steps = [
      [
        { type: 'response-metadata', id: 'resp-s1', modelId: 'mock-stream-2025', timestamp: new Date(0) },
        { type: 'tool-call', toolCallId: 'call-s1', toolName: 'weather', input: '{"city":"Oslo"}' },
        {
          type: 'finish',
          finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
          usage: streamUsage(11, 3),
        },
      ],
      [
        { type: 'response-metadata', id: 'resp-s2', modelId: 'mock-stream-2025', timestamp: new Date(0) },
        { type: 'text-start', id: 't' },
        { type: 'text-delta', id: 't', delta: 'Cold in Oslo.' },
        { type: 'text-end', id: 't' },
        { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: streamUsage(25, 4) },
      ],
    ] as const;
    let step = 0;
    const model = new MockLanguageModelV3({
      provider: 'mock-provider',
      modelId: 'mock-stream',
      doStream: async () => ({
        stream: simulateReadableStream({ chunks: [...steps[step++]], chunkDelayInMs: 5 }),
      }),
    });
    const { sink, records } = openSink(tempDir());
    const result = streamText({
      model,
      tools: { weather: tools.weather },
      prompt: 'And in Oslo?',
      stopWhen: stepCountIs(5),
      experimental_telemetry: { integrations: auditTelemetry({ collector: sink, sessionId: 's' }) },
    });
    expect(await result.text).toBe('Cold in Oslo.');
    const written = await records();
    expect(
      written.map((record) => [
        record.event_type,
        record.tool_call_id ?? record.response_id ?? null,
        record.input_tokens ?? null,
        record.output_tokens ?? null,
        record.finish_reason ?? null,
      ]),
    ).toEqual([
      ['turn_start', null, null, null, null],
      ['tool_call_attempt', 'call-s1', null, null, null],
      ['tool_call_complete', 'call-s1', null, null, null],
      ['model_call', 'resp-s1', 11, 3, 'tool-calls'],
      ['model_call', 'resp-s2', 25, 4, 'stop'],
      ['turn_end', null, null, null, null],
    ]);
    expect(written[5].content_preview).toBe('Cold in Oslo.');
    expect(new Set(written.map((record) => record.turn_id)).size).toBe(1);
  });

  it('records no prompts, arguments or results with captureContent: false', async () => {
    const { sink, records } = openSink(tempDir());
    await run({ integrations: auditTelemetry({ collector: sink, captureContent: false }) });
    const written = await records();
    expect(written.map((record) => record.event_type)).toEqual([
      'turn_start',
      'tool_call_attempt',
      'tool_call_attempt',
      'tool_call_complete',
      'tool_call_failure',
      'model_call',
      'model_call',
      'turn_end',
    ]);
    expect(written.map((record) => record.prompt_preview ?? record.arguments_preview ?? null)).toEqual([
      '',
      '',
      '',
      null,
      null,
      null,
      null,
      null,
    ]);
    expect(written[3].result_preview).toBe('');
    expect(written[4].error_message).toBe('');
    expect(written[5]).not.toHaveProperty('input_preview');
    expect(written[5]).not.toHaveProperty('output_preview');
    expect(written[7].content_preview).toBe('');
    expect(written[5].input_tokens).toBe(120);
  });

  it('applies the emitter’s redaction and context when given an emitter', async () => {
    const { sink, records } = openSink(tempDir());
    const emitter = new AuditEmitter({
      collector: sink,
      sessionId: 'from-emitter',
      agentId: 'bound-agent',
      metadata: { tenant: 't-1' },
      redact: { paths: ['arguments_preview', 'input_preview'] },
    });
    await run({ integrations: auditTelemetry({ emitter }) });
    const written = await records();
    expect(written).toHaveLength(8);
    for (const record of written) {
      expect([record.session_id, record.agent_id, record.metadata]).toEqual([
        'from-emitter',
        'bound-agent',
        { tenant: 't-1' },
      ]);
    }
    expect(written[1].arguments_preview).toBe('[REDACTED]');
    expect(written[2].arguments_preview).toBe('[REDACTED]');
    // The model calls, stamped with the time the model answered, are redacted too.
    expect([written[5].input_preview, written[6].input_preview]).toEqual(['[REDACTED]', '[REDACTED]']);
    expect(written[6].output_preview).toBe('Sunny in Paris; the other lookup failed.');
  });

  it('a collector that throws leaves the run unchanged and reports each failure to onError', async () => {
    const collector = new ThrowingCollector();
    const reported: [string, string][] = [];
    const result = await run({
      integrations: auditTelemetry({
        collector,
        onError: (error, callback) => reported.push([callback, (error as Error).message]),
      }),
    });
    expect(outcome(result)).toEqual(outcome(await run()));
    // Every record was tried, and each failure reported once, in the run's order.
    expect(reported).toEqual([
      ['onStart', 'collector down (turn_start)'],
      ['onToolCallStart', 'collector down (tool_call_attempt)'],
      ['onToolCallStart', 'collector down (tool_call_attempt)'],
      ['onToolCallFinish', 'collector down (tool_call_complete)'],
      ['onToolCallFinish', 'collector down (tool_call_failure)'],
      ['onStepFinish', 'collector down (model_call)'],
      ['onStepFinish', 'collector down (model_call)'],
      ['onFinish', 'collector down (turn_end)'],
    ]);
    expect(collector.calls).toBe(8);
  });

  it('without onError, a failing collector becomes a process warning', async () => {
    const collector = new ThrowingCollector();
    let result: Awaited<ReturnType<typeof run>> | undefined;
    const warnings = await warningsDuring(ADAPTER_WARNING_CODE, async () => {
      result = await run({ integrations: auditTelemetry({ collector }) });
    });
    expect(result?.text).toBe('Sunny in Paris; the other lookup failed.');
    expect(warnings).toHaveLength(8);
    expect(warnings[0].message).toBe(
      'calute-audit/ai-sdk: recording onStart failed (the run goes on): Error: collector down (turn_start)',
    );
    expect(warnings[7].message).toBe(
      'calute-audit/ai-sdk: recording onFinish failed (the run goes on): Error: collector down (turn_end)',
    );
  });

  it('recordError records a failed call as an error of its turn, and ends the turn', async () => {
    const { sink, records } = openSink(tempDir());
    const audit = auditTelemetry({ collector: sink, sessionId: 's' });
    const failing = new MockLanguageModelV3({
      doGenerate: async () => {
        throw new TypeError('provider unreachable');
      },
    });
    try {
      await generateText({
        model: failing,
        prompt: 'hi',
        maxRetries: 0,
        experimental_telemetry: { integrations: audit },
      });
      expect.unreachable('the call should fail');
    } catch (error) {
      audit.recordError(error);
    }
    const written = await records();
    expect(
      written.map((record) => [record.event_type, record.error_type ?? null, record.error_context ?? null]),
    ).toEqual([
      ['turn_start', null, null],
      ['error', 'TypeError', 'AI SDK call'],
      ['turn_end', null, null],
    ]);
    expect(written[1].error_message).toBe('provider unreachable');
    expect(written[1].turn_id).toBe(written[0].turn_id);
    expect(written[2]).toMatchObject({
      turn_id: written[0].turn_id,
      content_preview: '',
      function_calls_count: 0,
    });
  });

  it('registered once for every call, calls that overlap each get their own turn, complete', async () => {
    const { sink, records } = openSink(tempDir());
    registerTelemetryIntegration(auditTelemetry({ collector: sink, sessionId: 's' }));
    const tags = [' (a)', ' (b)', ' (c)'];
    try {
      const results = await Promise.all(
        tags.map((tag) =>
          generateText({
            model: scriptedModel(tag),
            tools,
            prompt: `weather${tag}`,
            stopWhen: stepCountIs(5),
          }),
        ),
      );
      expect(results.map((result) => result.text)).toStrictEqual(
        tags.map((tag) => `Sunny in Paris; the other lookup failed.${tag}`),
      );
    } finally {
      (globalThis as { AI_SDK_TELEMETRY_INTEGRATIONS?: unknown[] }).AI_SDK_TELEMETRY_INTEGRATIONS = [];
    }
    const written = await records();
    expect(written).toHaveLength(tags.length * 8);
    for (const tag of tags) {
      const start = written.find(
        (record) => record.event_type === 'turn_start' && record.prompt_preview === `weather${tag}`,
      );
      const turn = written.filter((record) => record.turn_id === start?.turn_id);
      expect(
        turn.map((record) => record.event_type),
        tag,
      ).toStrictEqual([
        'turn_start',
        'tool_call_attempt',
        'tool_call_attempt',
        'tool_call_complete',
        'tool_call_failure',
        'model_call',
        'model_call',
        'turn_end',
      ]);
      expect(turn.filter((record) => record.tool_call_id).map((record) => record.tool_call_id)).toStrictEqual(
        [`call-weather${tag}`, `call-flaky${tag}`, `call-weather${tag}`, `call-flaky${tag}`],
      );
      expect(
        turn.filter((record) => record.event_type === 'model_call').map((record) => record.response_id),
      ).toStrictEqual([`resp-1${tag}`, `resp-2${tag}`]);
      expect(turn.at(-1)).toMatchObject({
        content_preview: `Sunny in Paris; the other lookup failed.${tag}`,
        function_calls_count: 2,
      });
    }
  });

  it('overlapping streamText calls: exact with an integration each; under one, the overlap is reported once', async () => {
    const textModel = (tag: string, delayMs: number) =>
      new MockLanguageModelV3({
        provider: 'mock-provider',
        modelId: 'mock-stream',
        doStream: async () => ({
          stream: simulateReadableStream({
            chunks: [
              { type: 'response-metadata', id: `resp${tag}`, modelId: 'mock-stream', timestamp: new Date(0) },
              { type: 'text-start', id: 't' },
              { type: 'text-delta', id: 't', delta: `answer${tag}` },
              { type: 'text-end', id: 't' },
              {
                type: 'finish',
                finishReason: { unified: 'stop', raw: 'stop' },
                usage: {
                  inputTokens: { total: 3, noCache: 3, cacheRead: 0, cacheWrite: undefined },
                  outputTokens: { total: 2, text: 2, reasoning: undefined },
                },
              },
            ],
            chunkDelayInMs: delayMs,
          }),
        }),
      });
    const tags = [' (a)', ' (b)'];
    const turnsOf = (written: Record<string, unknown>[]) =>
      tags.map((tag) => {
        const start = written.find((record) => record.prompt_preview === `question${tag}`);
        return written
          .filter((record) => record.turn_id === start?.turn_id)
          .map(
            (record) =>
              `${record.event_type}:${record.response_id ?? record.content_preview ?? record.prompt_preview}`,
          );
      });

    // An integration each: every record in its own turn.
    const each = openSink(tempDir());
    await Promise.all(
      tags.map(async (tag, index) => {
        const integration = auditTelemetry({ collector: each.sink, sessionId: 's' });
        const result = streamText({
          model: textModel(tag, 10 - 5 * index),
          prompt: `question${tag}`,
          experimental_telemetry: { integrations: integration },
        });
        return result.text;
      }),
    );
    expect(turnsOf(await each.records())).toStrictEqual(
      tags.map((tag) => [`turn_start:question${tag}`, `model_call:resp${tag}`, `turn_end:answer${tag}`]),
    );

    // One integration for both: nothing tells the finishes apart, which is reported once.
    const one = openSink(tempDir());
    const reported: string[] = [];
    const shared = auditTelemetry({
      collector: one.sink,
      sessionId: 's',
      onError: (error) => reported.push((error as Error).message),
    });
    await Promise.all(
      tags.map(async (tag, index) => {
        const result = streamText({
          model: textModel(tag, 10 - 5 * index),
          prompt: `question${tag}`,
          experimental_telemetry: { integrations: shared },
        });
        return result.text;
      }),
    );
    const written = await one.records();
    expect(written.map((record) => record.event_type).sort()).toStrictEqual([
      'model_call',
      'model_call',
      'turn_end',
      'turn_end',
      'turn_start',
      'turn_start',
    ]);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toContain('streamText calls overlapped under one integration');
  });

  it('rejects bad options, naming them', () => {
    expect(() => auditTelemetry({} as never)).toThrow(
      'Invalid option "emitter" of calute-audit/ai-sdk: expected exactly one of "emitter" and "collector"',
    );
    expect(() =>
      auditTelemetry({ collector: new ThrowingCollector(), captureContent: 'yes' } as never),
    ).toThrow('Invalid option "captureContent" of calute-audit/ai-sdk: expected a boolean, got "yes"');
    expect(() => auditTelemetry({ collector: new ThrowingCollector(), session: 's' } as never)).toThrow(
      'Unknown option "session" of calute-audit/ai-sdk',
    );
  });
});
