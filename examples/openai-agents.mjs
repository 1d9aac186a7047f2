// The OpenAI Agents SDK, audited: one line adds the tracing processor, and every run is
// recorded into the offloaded sink. Runs offline with the SDK's scripted test model: a
// triage agent hands off to a weather agent, which calls two tools (one fails) and answers.
// The SDK asks for Node 22 or later.
//   node examples/openai-agents.mjs [audit-file]
import os from 'node:os';
import path from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { Agent, run, setTraceProcessors, setTracingDisabled, tool, Usage } from '@openai/agents';
import { assistantMessage, functionCall, ScriptedModel } from '@openai/agents/testing';
import { ThreadedJSONLSinkCollector } from 'calute-audit';
import { agentsAudit } from 'calute-audit/openai-agents';
import { z } from 'zod';

const file = process.argv[2] ?? path.join(os.tmpdir(), `calute-audit-openai-agents-${process.pid}.jsonl`);
const sink = new ThreadedJSONLSinkCollector(file);

const usage = (input, output) => new Usage({ requests: 1, inputTokens: input, outputTokens: output });
const model = new ScriptedModel([
  { output: [functionCall('transfer_to_weather_agent', {}, { callId: 'call-0' })], usage: usage(50, 5) },
  {
    output: [
      functionCall('weather', { city: 'Paris' }, { callId: 'call-1' }),
      functionCall('stocks', { symbol: 'ACME' }, { callId: 'call-2' }),
    ],
    usage: usage(120, 30),
  },
  { output: [assistantMessage('Sunny in Paris; the stock service is down.')], usage: usage(180, 12) },
]);
const weatherAgent = new Agent({
  name: 'weather_agent',
  instructions: 'Answer with the tools.',
  model,
  tools: [
    tool({
      name: 'weather',
      description: 'Current weather of a city',
      parameters: z.object({ city: z.string() }),
      execute: async ({ city }) => ({ city, sky: 'sunny', celsius: 21 }),
    }),
    tool({
      name: 'stocks',
      description: 'Share price',
      parameters: z.object({ symbol: z.string() }),
      execute: async () => {
        await setTimeout(20); // a slow failure: it ends after the weather tool
        throw new Error('quote service unavailable');
      },
    }),
  ],
});
const triage = new Agent({ name: 'triage', instructions: 'Route.', model, handoffs: [weatherAgent] });

// Offline: tracing on (NODE_ENV=test turns it off) and the audit processor instead of the
// SDK's exporter. In an application, addTraceProcessor(...) keeps the exporter as well.
setTracingDisabled(false);
// The one line (observe() adds the tools' call ids and arguments, and the final answer).
setTraceProcessors([agentsAudit({ collector: sink, sessionId: 'demo-openai-agents' }).observe(triage)]);

const result = await run(triage, 'Weather in Paris, and the ACME share price?');

await sink.closeAsync();
console.log(`answer: ${result.finalOutput}`);
console.log(`audit trail: ${file}`);
