// LangChain.js, audited: one callback handler in the outermost invoke's config, and every
// nested model and tool run is recorded into the offloaded sink. Runs offline with
// LangChain's fake chat model, scripted to call two tools (one fails) and then answer.
//   node examples/langchain.mjs [audit-file]
import os from 'node:os';
import path from 'node:path';
import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { RunnableLambda } from '@langchain/core/runnables';
import { fakeModel } from '@langchain/core/testing';
import { tool } from '@langchain/core/tools';
import { ThreadedJSONLSinkCollector } from 'calute-audit';
import { AuditCallbackHandler } from 'calute-audit/langchain';
import { z } from 'zod';

const file = process.argv[2] ?? path.join(os.tmpdir(), `calute-audit-langchain-${process.pid}.jsonl`);
const sink = new ThreadedJSONLSinkCollector(file);

const tools = {
  weather: tool(async ({ city }) => ({ city, sky: 'sunny', celsius: 21 }), {
    name: 'weather',
    description: 'Current weather of a city',
    schema: z.object({ city: z.string() }),
  }),
  stocks: tool(
    async () => {
      throw new Error('quote service unavailable');
    },
    { name: 'stocks', description: 'Share price', schema: z.object({ symbol: z.string() }) },
  ),
};
const model = fakeModel()
  .respondWithTools([
    { name: 'weather', args: { city: 'Paris' }, id: 'call-1' },
    { name: 'stocks', args: { symbol: 'ACME' }, id: 'call-2' },
  ])
  .respond(
    new AIMessage({
      content: 'Sunny in Paris; the stock service is down.',
      usage_metadata: { input_tokens: 180, output_tokens: 12, total_tokens: 192 },
    }),
  )
  .bindTools(Object.values(tools));

// A small agent loop: ask the model, run the tools it asks for, until it answers.
const agent = RunnableLambda.from(async (question, config) => {
  const messages = [new HumanMessage(question)];
  for (;;) {
    const reply = await model.invoke(messages, config);
    messages.push(reply);
    if (!reply.tool_calls?.length) return reply.content;
    for (const call of reply.tool_calls) {
      try {
        messages.push(await tools[call.name].invoke(call, config));
      } catch (error) {
        messages.push(new ToolMessage({ tool_call_id: call.id, content: String(error), status: 'error' }));
      }
    }
  }
}).withConfig({ runName: 'assistant' });

const answer = await agent.invoke('Weather in Paris, and the ACME share price?', {
  // The one line.
  callbacks: [new AuditCallbackHandler({ collector: sink, sessionId: 'demo-langchain' })],
});

await sink.closeAsync();
console.log(`answer: ${answer}`);
console.log(`audit trail: ${file}`);
