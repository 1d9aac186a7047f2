/**
 * calute-audit/openai-agents: real runs of the OpenAI Agents SDK with its own test model
 * (ScriptedModel of @openai/agents/testing). A triage agent, behind an input guardrail,
 * hands off to a weather agent, which calls two tools (one of which throws) and answers.
 * The SDK disables tracing under NODE_ENV=test (vitest sets it); the test turns it on and
 * replaces the SDK's exporting processors with the audit processor alone, so nothing
 * leaves the machine. The processor writes through the offloaded sink; the test reads the
 * file and checks every record, and that the run's result is the same as without it.
 *
 * The SDK asks for Node 22 or later (its `openai` dependency declares it), so this file
 * runs on Node 22 and 24 only.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type * as AgentsModule from '@openai/agents';
import type * as TestingModule from '@openai/agents/testing';
import type * as AdapterModule from 'calute-audit/openai-agents';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DURATION,
  micros,
  openSink,
  SCENARIO_RECORDS,
  ThrowingCollector,
  TIMESTAMP,
  warningsDuring,
} from './support/adapter-kit.js';
import { useTempDir } from './support/temp-files.js';

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
const SUPPORTED = NODE_MAJOR >= 22;
if (!SUPPORTED) {
  console.log(
    `adapter-openai-agents: skipped on Node ${process.versions.node}; @openai/agents asks for Node 22 or later (CI runs it on 22 and 24)`,
  );
}

const tempDir = useTempDir('calute-audit-openai-agents-');
const ANSWER = 'Sunny in Paris; the other lookup failed.';

let agents: typeof AgentsModule;
let testing: typeof TestingModule;
let adapter: typeof AdapterModule;

/** Fresh agents and a fresh scripted model (a script is consumed by one run). */
function buildAgents(options: { tripwire?: boolean } = {}) {
  const { Agent, tool, Usage } = agents;
  const { ScriptedModel, functionCall, assistantMessage } = testing;
  const usage = (input: number, output: number, cached: number) =>
    new Usage({
      requests: 1,
      inputTokens: input,
      outputTokens: output,
      totalTokens: input + output,
      inputTokensDetails: { cached_tokens: cached },
    });
  const model = new ScriptedModel([
    {
      output: [functionCall('transfer_to_weather_agent', {}, { callId: 'call-handoff' })],
      usage: usage(50, 5, 0),
      responseId: 'resp-0',
    },
    {
      output: [
        functionCall('weather', { city: 'Paris' }, { callId: 'call-weather' }),
        functionCall('flaky', { attempt: 1 }, { callId: 'call-flaky' }),
      ],
      usage: usage(120, 30, 20),
      responseId: 'resp-1',
    },
    { output: [assistantMessage(ANSWER)], usage: usage(180, 12, 0), responseId: 'resp-2' },
  ]);
  const weather = tool({
    name: 'weather',
    description: 'Current weather of a city',
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => ({ city, sky: 'sunny', celsius: 21 }),
  });
  const flaky = tool({
    name: 'flaky',
    description: 'Always fails, a little later than weather answers',
    parameters: z.object({ attempt: z.number() }),
    execute: async (): Promise<string> => {
      await sleep(20);
      throw new RangeError('upstream returned 503');
    },
  });
  const weatherAgent = new Agent({
    name: 'weather_agent',
    instructions: 'Answer.',
    model,
    tools: [weather, flaky],
  });
  const triage = new Agent({
    name: 'triage',
    instructions: 'Route.',
    model,
    handoffs: [weatherAgent],
    inputGuardrails: [
      {
        name: 'no_secrets',
        // Before the model call, so that the records' order does not depend on a race.
        runInParallel: false,
        execute: async () => ({
          outputInfo: { checked: true },
          tripwireTriggered: options.tripwire ?? false,
        }),
      },
    ],
  });
  return { triage, model };
}

async function run(processor?: AgentsModule.TracingProcessor, options?: { tripwire?: boolean }) {
  agents.setTraceProcessors(processor ? [processor] : []);
  try {
    const { triage } = buildAgents(options);
    if (processor instanceof adapter.AgentsAudit) processor.observe(triage);
    return await agents.run(triage, 'What is the weather in Paris?');
  } finally {
    agents.setTraceProcessors([]);
  }
}

/** The run's result, as plain data. */
function outcome(result: Awaited<ReturnType<typeof run>>) {
  return JSON.parse(
    JSON.stringify({
      finalOutput: result.finalOutput,
      lastAgent: result.lastAgent?.name,
      items: result.newItems.map((item) => [item.type, item.rawItem]),
      usage: result.state.usage,
    }),
  );
}

describe.skipIf(!SUPPORTED)('agentsAudit (OpenAI Agents SDK tracing processor)', () => {
  beforeAll(async () => {
    agents = await import('@openai/agents');
    testing = await import('@openai/agents/testing');
    adapter = await import('calute-audit/openai-agents');
    // Off by default under NODE_ENV=test; on for these runs, exported nowhere.
    agents.setTraceProcessors([]);
    agents.setTracingDisabled(false);
  });

  it('writes a run with a guardrail, a handoff and two tool calls (one failing) as its exact records', async () => {
    const { sink, records } = openSink(tempDir());
    const errors: unknown[] = [];
    const audit = adapter.agentsAudit({
      collector: sink,
      sessionId: 'session-oa',
      onError: (error) => errors.push(error),
    });
    const result = await run(audit);
    const written = await records();
    expect(errors).toEqual([]);

    const turnId = written[0].turn_id as string;
    expect(turnId).toMatch(/^trace_[0-9a-f]{32}$/);
    const envelope = (agentId: string, severity = 'info') => ({
      timestamp: TIMESTAMP,
      agent_id: agentId,
      turn_id: turnId,
      session_id: 'session-oa',
      severity,
      metadata: {},
    });
    const model = { provider: '', model: 'ScriptedModel', operation: 'chat' };
    expect(written).toEqual([
      { event_type: 'turn_start', ...envelope('triage'), prompt_preview: '' },
      {
        event_type: 'tool_policy_decision',
        ...envelope('triage'),
        tool_name: 'no_secrets',
        action: 'allow',
        policy_source: 'guardrail',
      },
      {
        event_type: 'agent_switch',
        ...envelope('triage'),
        from_agent: 'triage',
        to_agent: 'weather_agent',
        reason: 'handoff',
      },
      {
        event_type: 'model_call',
        ...envelope('triage'),
        ...model,
        input_tokens: 50,
        output_tokens: 5,
        duration_ms: DURATION,
        finish_reason: 'tool_calls',
        cached_input_tokens: 0,
        tool_call_count: 1,
      },
      { ...SCENARIO_RECORDS.weatherAttempt, ...envelope('weather_agent') },
      { ...SCENARIO_RECORDS.flakyAttempt, ...envelope('weather_agent') },
      { ...SCENARIO_RECORDS.weatherComplete, ...envelope('weather_agent') },
      {
        event_type: 'tool_call_failure',
        ...envelope('weather_agent', 'error'),
        tool_name: 'flaky',
        error_type: 'ToolError',
        error_message: expect.stringMatching(/^Error running tool/),
        tool_call_id: 'call-flaky',
        duration_ms: DURATION,
      },
      {
        event_type: 'model_call',
        ...envelope('weather_agent'),
        ...model,
        input_tokens: 120,
        output_tokens: 30,
        duration_ms: DURATION,
        finish_reason: 'tool_calls',
        cached_input_tokens: 20,
        tool_call_count: 2,
      },
      {
        event_type: 'model_call',
        ...envelope('weather_agent'),
        ...model,
        input_tokens: 180,
        output_tokens: 12,
        duration_ms: DURATION,
        finish_reason: 'stop',
        cached_input_tokens: 0,
        tool_call_count: 0,
      },
      { event_type: 'turn_end', ...envelope('triage'), content_preview: ANSWER, function_calls_count: 2 },
    ]);

    // The weather agent's first model call is stamped when the model answered: before its
    // first tool started, though written after the tools' records.
    expect(micros(written[8].timestamp)).toBeLessThanOrEqual(micros(written[4].timestamp));
    expect(written[7].duration_ms as number).toBeGreaterThanOrEqual(15);

    expect(outcome(result)).toEqual(outcome(await run()));
  });

  it('without observed agents, records tools from their spans (span ids as call ids)', async () => {
    const { sink, records } = openSink(tempDir());
    agents.setTraceProcessors([adapter.agentsAudit({ collector: sink })]);
    try {
      await agents.run(buildAgents().triage, 'What is the weather in Paris?');
    } finally {
      agents.setTraceProcessors([]);
    }
    const written = await records();
    expect(written.map((record) => record.event_type)).toEqual([
      'turn_start',
      'tool_policy_decision',
      'agent_switch',
      'model_call',
      'tool_call_attempt',
      'tool_call_attempt',
      'tool_call_complete',
      'tool_call_failure',
      'model_call',
      'model_call',
      'turn_end',
    ]);
    const [weatherAttempt, flakyAttempt, weatherDone, flakyFailed] = written.slice(4, 8);
    expect(weatherAttempt.tool_call_id).toMatch(/^span_[0-9a-f]{24}$/);
    expect([weatherAttempt.tool_name, flakyAttempt.tool_name]).toEqual(['weather', 'flaky']);
    expect(weatherDone.tool_call_id).toBe(weatherAttempt.tool_call_id);
    expect(flakyFailed.tool_call_id).toBe(flakyAttempt.tool_call_id);
    expect(weatherDone.result_preview).toBe('{"city":"Paris","sky":"sunny","celsius":21}');
    expect(written[10].content_preview).toBe('');
  });

  it('a tripped guardrail is a deny decision, and the failed run an error record that ends its turn', async () => {
    const { sink, records } = openSink(tempDir());
    await expect(
      run(adapter.agentsAudit({ collector: sink, sessionId: 's' }), { tripwire: true }),
    ).rejects.toThrow(/guardrail/i);
    const written = await records();
    expect(written.map((record) => [record.event_type, record.action ?? record.error_type ?? null])).toEqual([
      ['turn_start', null],
      ['tool_policy_decision', 'deny'],
      ['model_call', null],
      ['error', 'AgentRunError'],
      ['turn_end', null],
    ]);
    expect(written[4]).toMatchObject({ content_preview: '', turn_id: written[0].turn_id });
  });

  it.each(['generation', 'response'] as const)(
    'records a model that traces its own %s span from that span, once per call',
    async (kind) => {
      const { Agent, tool, Usage, withGenerationSpan, withResponseSpan } = agents;
      const { ScriptedModel, functionCall, assistantMessage } = testing;
      const scripted = new ScriptedModel([
        {
          output: [functionCall('weather', { city: 'Paris' }, { callId: 'call-weather' })],
          usage: new Usage({ requests: 1, inputTokens: 1, outputTokens: 1 }),
        },
        {
          output: [assistantMessage(ANSWER)],
          usage: new Usage({ requests: 1, inputTokens: 1, outputTokens: 1 }),
        },
      ]);
      let call = 0;
      // What the SDK's OpenAI models record around each request (openaiChatCompletionsModel,
      // openaiResponsesModel), with usage that differs from the scripted turn usage.
      const model: AgentsModule.Model = {
        getStreamedResponse: (request) => scripted.getStreamedResponse(request),
        getResponse: async (request) => {
          call++;
          const id = `resp-${call}`;
          const asksForTool = call === 1;
          if (kind === 'generation') {
            return withGenerationSpan(
              async (span) => {
                const response = await scripted.getResponse(request);
                span.spanData.output = [
                  {
                    id,
                    model: 'gpt-test-2025-01',
                    choices: [
                      {
                        finish_reason: asksForTool ? 'tool_calls' : 'stop',
                        message: {
                          role: 'assistant',
                          tool_calls: asksForTool ? [{ id: 'call-weather' }] : undefined,
                        },
                      },
                    ],
                    usage: {
                      prompt_tokens: 100 * call,
                      completion_tokens: 10 * call,
                      prompt_tokens_details: { cached_tokens: call },
                    },
                  },
                ];
                return response;
              },
              { data: { model: 'gpt-test', model_config: { base_url: 'https://llm.example.test/v1' } } },
            );
          }
          return withResponseSpan(async (span) => {
            const response = await scripted.getResponse(request);
            span.spanData.response_id = id;
            span.spanData._input = [{ role: 'user', content: 'What is the weather in Paris?' }];
            span.spanData._response = {
              id,
              model: 'gpt-test-2025-01',
              status: 'completed',
              output: asksForTool
                ? [{ type: 'function_call', call_id: 'call-weather' }]
                : [{ type: 'message' }],
              usage: {
                input_tokens: 100 * call,
                output_tokens: 10 * call,
                input_tokens_details: { cached_tokens: call },
                output_tokens_details: { reasoning_tokens: 2 * call },
              },
            };
            return response;
          });
        },
      };
      const weather = tool({
        name: 'weather',
        description: 'Current weather of a city',
        parameters: z.object({ city: z.string() }),
        execute: async ({ city }) => ({ city, sky: 'sunny' }),
      });
      const agent = new Agent({ name: 'solo', instructions: 'Answer.', model, tools: [weather] });
      const { sink, records } = openSink(tempDir());
      agents.setTraceProcessors([adapter.agentsAudit({ collector: sink }).observe(agent)]);
      try {
        await agents.run(agent, 'What is the weather in Paris?');
      } finally {
        agents.setTraceProcessors([]);
      }
      const written = await records();
      expect(written.map((record) => record.event_type)).toEqual([
        'turn_start',
        'model_call',
        'tool_call_attempt',
        'tool_call_complete',
        'model_call',
        'turn_end',
      ]);
      const modelCalls = written.filter((record) => record.event_type === 'model_call');
      const pick = (record: Record<string, unknown>) => {
        const { timestamp, duration_ms, input_preview, output_preview, ...rest } = record;
        return rest;
      };
      const envelope = {
        agent_id: 'solo',
        turn_id: written[0].turn_id,
        session_id: null,
        severity: 'info',
        metadata: {},
      };
      if (kind === 'generation') {
        expect(modelCalls.map(pick)).toEqual(
          [1, 2].map((n) => ({
            event_type: 'model_call',
            ...envelope,
            provider: 'llm.example.test',
            model: 'gpt-test',
            operation: 'chat',
            input_tokens: 100 * n,
            output_tokens: 10 * n,
            finish_reason: n === 1 ? 'tool_calls' : 'stop',
            response_model: 'gpt-test-2025-01',
            response_id: `resp-${n}`,
            cached_input_tokens: n,
            tool_call_count: n === 1 ? 1 : 0,
          })),
        );
      } else {
        expect(modelCalls.map(pick)).toEqual(
          [1, 2].map((n) => ({
            event_type: 'model_call',
            ...envelope,
            provider: 'openai',
            model: 'gpt-test-2025-01',
            operation: 'chat',
            input_tokens: 100 * n,
            output_tokens: 10 * n,
            finish_reason: 'completed',
            response_model: 'gpt-test-2025-01',
            response_id: `resp-${n}`,
            cached_input_tokens: n,
            reasoning_tokens: 2 * n,
            tool_call_count: n === 1 ? 1 : 0,
          })),
        );
        expect(modelCalls[0].input_preview).toBe('{"role":"user","content":"What is the weather in Paris?"}');
      }
      for (const record of modelCalls) expect(record.duration_ms).toEqual(DURATION);
    },
  );

  it('a collector that throws leaves the run unchanged and reports each failure to onError', async () => {
    const collector = new ThrowingCollector();
    const reported: string[] = [];
    const result = await run(
      adapter.agentsAudit({ collector, onError: (error) => reported.push((error as Error).message) }),
    );
    expect(outcome(result)).toEqual(outcome(await run()));
    expect(reported).toEqual([
      'collector down (turn_start)',
      'collector down (tool_policy_decision)',
      'collector down (agent_switch)',
      'collector down (model_call)',
      'collector down (tool_call_attempt)',
      'collector down (tool_call_attempt)',
      'collector down (tool_call_complete)',
      'collector down (tool_call_failure)',
      'collector down (model_call)',
      'collector down (model_call)',
      'collector down (turn_end)',
    ]);
  });

  it('without onError, a failing collector becomes a process warning', async () => {
    const warnings = await warningsDuring(adapter.ADAPTER_WARNING_CODE, async () => {
      const result = await run(adapter.agentsAudit({ collector: new ThrowingCollector() }));
      expect(result.finalOutput).toBe(ANSWER);
    });
    expect(warnings).toHaveLength(11);
    expect(warnings[0].message).toBe(
      'calute-audit/openai-agents: recording onSpanStart failed (the run goes on): Error: collector down (turn_start)',
    );
  });
  it('rejects bad options and non-agents, naming them', () => {
    expect(() =>
      adapter.agentsAudit({ collector: new ThrowingCollector(), agents: 'triage' } as never),
    ).toThrow('Invalid option "agents" of calute-audit/openai-agents: expected an array of agents');
    expect(() => adapter.agentsAudit({ collector: new ThrowingCollector() }).observe({} as never)).toThrow(
      'calute-audit/openai-agents: observe() takes Agent objects; argument 0 is not one',
    );
    expect(() => adapter.agentsAudit({ collector: {} } as never)).toThrow(
      'Invalid option "collector" of calute-audit/openai-agents: expected an object with emit() and flush() methods',
    );
  });
});
