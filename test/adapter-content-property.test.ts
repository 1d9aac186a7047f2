/**
 * Arbitrary tool arguments and results through two adapters (fast-check; the seed is
 * printed, replay a failure with FC_SEED=<seed>): whatever JSON a model puts in a tool call
 * and a tool returns, the run's result is what the framework gives, and the records hold
 * the package's previews of those values (`preview()`: JSON, cut to 200 code points).
 * InMemoryCollector keeps the events; the offloaded sink's handling of arbitrary content is
 * tested on its own (input-property).
 */
import type { HumanMessage } from '@langchain/core/messages';
import { RunnableLambda } from '@langchain/core/runnables';
import { tool as langchainTool } from '@langchain/core/tools';
import { tool as aiTool, generateText, jsonSchema, stepCountIs } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { type AuditEvent, InMemoryCollector, preview } from 'calute-audit';
import { auditTelemetry } from 'calute-audit/ai-sdk';
import { AuditCallbackHandler } from 'calute-audit/langchain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { seedFrom } from './support/threaded-sink-kit.js';

const RUNS = 60;

/**
 * A tool call's arguments: a JSON object, as models send them. The AI SDK parses them with
 * secure-json-parse, which refuses `__proto__` keys and `constructor.prototype` (the call
 * becomes an invalid one that no tool runs); objects with such keys are left out here.
 */
const toolArguments = fc
  .dictionary(fc.string(), fc.jsonValue(), { maxKeys: 6 })
  .filter((args) => !/"(__proto__|constructor)"/.test(JSON.stringify(args)));
/** A tool's result: any JSON value, strings with any code points included. */
const toolResult = fc.oneof(fc.jsonValue(), fc.string({ unit: 'grapheme', maxLength: 300 }));

const fields = (events: readonly AuditEvent[], type: string, key: string): unknown[] =>
  events.filter((event) => event.eventType === type).map((event) => (event as never)[key]);

describe('adapters with arbitrary tool arguments and results', () => {
  it('AI SDK: previews of the arguments and the result, and the SDK’s own result', async () => {
    const seed = seedFrom('FC_SEED', 'adapter-content-property (AI SDK)');
    await fc.assert(
      fc.asyncProperty(toolArguments, toolResult, async (args, result) => {
        const memory = new InMemoryCollector();
        const model = new MockLanguageModelV3({
          doGenerate: [
            {
              content: [
                { type: 'tool-call', toolCallId: 'c1', toolName: 'echo', input: JSON.stringify(args) },
              ],
              finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
              usage: {
                inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: undefined },
                outputTokens: { total: 1, text: 1, reasoning: undefined },
              },
              warnings: [],
            },
          ],
        });
        const run = await generateText({
          model,
          prompt: 'echo',
          stopWhen: stepCountIs(1),
          tools: {
            echo: aiTool({
              inputSchema: jsonSchema<Record<string, unknown>>({ type: 'object' }),
              execute: async () => result,
            }),
          },
          experimental_telemetry: { integrations: auditTelemetry({ collector: memory }) },
        });
        expect(run.toolResults.map((toolResult) => toolResult.output)).toEqual([result]);
        const events = memory.getEvents();
        expect(fields(events, 'tool_call_attempt', 'argumentsPreview')).toEqual([preview(args)]);
        expect(fields(events, 'tool_call_complete', 'resultPreview')).toEqual([preview(result)]);
        expect(events.map((event) => event.eventType)).toEqual([
          'turn_start',
          'tool_call_attempt',
          'tool_call_complete',
          'model_call',
          'turn_end',
        ]);
      }),
      { seed, numRuns: RUNS },
    );
  });

  it('LangChain: previews of the arguments and the result, and the tool’s own result', async () => {
    const seed = seedFrom('FC_SEED', 'adapter-content-property (LangChain)');
    await fc.assert(
      fc.asyncProperty(toolArguments, toolResult, async (args, result) => {
        const memory = new InMemoryCollector();
        const echo = langchainTool(async () => result, {
          name: 'echo',
          description: 'echo',
          schema: z.record(z.string(), z.unknown()),
        });
        const loop = RunnableLambda.from(async (_input: string, config) =>
          echo.invoke({ type: 'tool_call', id: 'c1', name: 'echo', args } as never, config),
        );
        const message = await loop.invoke('go', {
          callbacks: [new AuditCallbackHandler({ collector: memory })],
        });
        const events = memory.getEvents();
        expect(fields(events, 'tool_call_attempt', 'argumentsPreview')).toEqual([
          preview(JSON.stringify(args)),
        ]);
        // A tool called with a tool call returns a ToolMessage; its content is the result,
        // as a string when the result is not one.
        const content = (message as unknown as HumanMessage).content;
        expect(fields(events, 'tool_call_complete', 'resultPreview')).toEqual([preview(content)]);
        expect(events.map((event) => event.eventType)).toEqual([
          'turn_start',
          'tool_call_attempt',
          'tool_call_complete',
          'turn_end',
        ]);
      }),
      { seed, numRuns: RUNS },
    );
  });
});
