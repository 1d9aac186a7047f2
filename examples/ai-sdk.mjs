// The Vercel AI SDK, audited: one line registers the integration, and every generateText /
// streamText call is recorded into the offloaded sink. Runs offline with the SDK's mock
// model, scripted to call two tools (one fails) and then answer.
//   node examples/ai-sdk.mjs [audit-file]
import os from 'node:os';
import path from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { generateText, registerTelemetryIntegration, stepCountIs, tool } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { ThreadedJSONLSinkCollector } from 'calute-audit';
import { auditTelemetry } from 'calute-audit/ai-sdk';
import { z } from 'zod';

const file = process.argv[2] ?? path.join(os.tmpdir(), `calute-audit-ai-sdk-${process.pid}.jsonl`);
const sink = new ThreadedJSONLSinkCollector(file);

// The one line.
registerTelemetryIntegration(
  auditTelemetry({ collector: sink, sessionId: 'demo-ai-sdk', agentId: 'assistant' }),
);

const usage = (input, output) => ({
  inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: undefined },
  outputTokens: { total: output, text: output, reasoning: undefined },
});
const model = new MockLanguageModelV3({
  provider: 'mock',
  modelId: 'mock-model',
  doGenerate: [
    {
      content: [
        { type: 'tool-call', toolCallId: 'call-1', toolName: 'weather', input: '{"city":"Paris"}' },
        { type: 'tool-call', toolCallId: 'call-2', toolName: 'stocks', input: '{"symbol":"ACME"}' },
      ],
      finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
      usage: usage(120, 30),
      warnings: [],
    },
    {
      content: [{ type: 'text', text: 'Sunny in Paris; the stock service is down.' }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: usage(180, 12),
      warnings: [],
    },
  ],
});

const result = await generateText({
  model,
  prompt: 'Weather in Paris, and the ACME share price?',
  stopWhen: stepCountIs(5),
  tools: {
    weather: tool({
      inputSchema: z.object({ city: z.string() }),
      execute: async ({ city }) => ({ city, sky: 'sunny', celsius: 21 }),
    }),
    stocks: tool({
      inputSchema: z.object({ symbol: z.string() }),
      execute: async () => {
        await setTimeout(20); // a slow failure: it ends after the weather tool
        throw new Error('quote service unavailable');
      },
    }),
  },
});

await sink.closeAsync();
console.log(`answer: ${result.text}`);
console.log(`audit trail: ${file}`);
