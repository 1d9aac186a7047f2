/**
 * Question: what does each framework adapter add to one run of its framework? tinybench
 * times whole runs, each framework with its own mock model (the test scenario: two tools
 * and an answer, no network), without the adapter and with it writing into
 * ThreadedJSONLSinkCollector, in this one run. The difference of the medians (p50) is the
 * adapter's cost per run (medians, because a framework run's mean swings with garbage
 * collection by more than the adapter costs); divided by the records a run writes, its cost
 * per record. The adapter's cost includes what the framework itself does for a listener
 * (LangChain makes a run manager per callback and awaits each). The OpenAI Agents
 * SDK runs on Node 22 and later only (it asks for them); on older Node its rows are left out.
 *
 * Run: node .bench-dist/bench/adapters.bench.js [--quick] [--json out.json]
 */
import path from 'node:path';
import { AIMessage, type BaseMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { RunnableLambda } from '@langchain/core/runnables';
import { fakeModel } from '@langchain/core/testing';
import { tool as langchainTool } from '@langchain/core/tools';
import { tool as aiTool, generateText, stepCountIs } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { type AuditCollector, ThreadedJSONLSinkCollector } from 'calute-audit';
import { auditTelemetry } from 'calute-audit/ai-sdk';
import { AuditCallbackHandler } from 'calute-audit/langchain';
import { Bench } from 'tinybench';
import { z } from 'zod';
import {
  countLines,
  formatNs,
  isMain,
  makeTempDir,
  markdownTable,
  readArgs,
  removeDir,
  writeJson,
} from './util.js';

export interface AdapterRow {
  framework: string;
  recordsPerRun: number;
  withoutMeanNs: number;
  withoutP50Ns: number;
  withMeanNs: number;
  withP50Ns: number;
  withP99Ns: number;
  runs: number;
}

export interface AdaptersResult {
  timeMs: number;
  rows: AdapterRow[];
  skipped: string[];
}

/** One framework's scenario: a run, with the adapter writing to `collector` or without it. */
interface Scenario {
  framework: string;
  recordsPerRun: number;
  run(collector: AuditCollector | null): Promise<void>;
}

const aiSdk: Scenario = {
  framework: 'Vercel AI SDK (generateText)',
  recordsPerRun: 8,
  async run(collector) {
    const usage = {
      inputTokens: { total: 100, noCache: 100, cacheRead: 0, cacheWrite: undefined },
      outputTokens: { total: 10, text: 10, reasoning: undefined },
    };
    const model = new MockLanguageModelV3({
      doGenerate: [
        {
          content: [
            { type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: '{"city":"Paris"}' },
            { type: 'tool-call', toolCallId: 'c2', toolName: 'stocks', input: '{"symbol":"ACME"}' },
          ],
          finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
          usage,
          warnings: [],
        },
        {
          content: [{ type: 'text', text: 'Sunny.' }],
          finishReason: { unified: 'stop', raw: 'stop' },
          usage,
          warnings: [],
        },
      ],
    });
    await generateText({
      model,
      prompt: 'Weather in Paris, and the ACME share price?',
      stopWhen: stepCountIs(5),
      tools: {
        weather: aiTool({
          inputSchema: z.object({ city: z.string() }),
          execute: async ({ city }) => ({ city }),
        }),
        stocks: aiTool({
          inputSchema: z.object({ symbol: z.string() }),
          execute: async (): Promise<string> => {
            throw new Error('down');
          },
        }),
      },
      experimental_telemetry: collector ? { integrations: auditTelemetry({ collector }) } : undefined,
    });
  },
};

const langchainTools = {
  weather: langchainTool(async ({ city }) => ({ city }), {
    name: 'weather',
    description: 'weather',
    schema: z.object({ city: z.string() }),
  }),
  stocks: langchainTool(
    async (): Promise<string> => {
      throw new Error('down');
    },
    { name: 'stocks', description: 'stocks', schema: z.object({ symbol: z.string() }) },
  ),
} as unknown as Record<string, { invoke(call: unknown, config: unknown): Promise<BaseMessage> }>;

const langchain: Scenario = {
  framework: 'LangChain.js (agent loop)',
  recordsPerRun: 8,
  async run(collector) {
    const model = fakeModel()
      .respondWithTools([
        { name: 'weather', args: { city: 'Paris' }, id: 'c1' },
        { name: 'stocks', args: { symbol: 'ACME' }, id: 'c2' },
      ])
      .respond(new AIMessage('Sunny.'))
      .bindTools(Object.values(langchainTools) as never);
    const agent = RunnableLambda.from(async (question: string, config) => {
      const messages: BaseMessage[] = [new HumanMessage(question)];
      for (;;) {
        const reply = await model.invoke(messages, config);
        messages.push(reply);
        if (!reply.tool_calls?.length) return reply.content;
        for (const call of reply.tool_calls) {
          try {
            messages.push(await langchainTools[call.name].invoke(call, config));
          } catch (error) {
            messages.push(
              new ToolMessage({ tool_call_id: call.id!, content: String(error), status: 'error' }),
            );
          }
        }
      }
    });
    await agent.invoke('Weather in Paris?', {
      callbacks: collector ? [new AuditCallbackHandler({ collector })] : [],
    });
  },
};

/** The Agents SDK scenario, loaded only on Node 22 and later. */
async function openAiAgents(): Promise<Scenario> {
  const agents = await import('@openai/agents');
  const { ScriptedModel, functionCall, assistantMessage } = await import('@openai/agents/testing');
  const { agentsAudit } = await import('calute-audit/openai-agents');
  agents.setTracingDisabled(false);
  const usage = () => new agents.Usage({ requests: 1, inputTokens: 100, outputTokens: 10 });
  const weather = agents.tool({
    name: 'weather',
    description: 'weather',
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => ({ city }),
  });
  const stocks = agents.tool({
    name: 'stocks',
    description: 'stocks',
    parameters: z.object({ symbol: z.string() }),
    execute: async (): Promise<string> => {
      throw new Error('down');
    },
  });
  return {
    framework: 'OpenAI Agents SDK (run, tracing on)',
    recordsPerRun: 8,
    async run(collector) {
      const model = new ScriptedModel([
        {
          output: [
            functionCall('weather', { city: 'Paris' }, { callId: 'c1' }),
            functionCall('stocks', { symbol: 'ACME' }, { callId: 'c2' }),
          ],
          usage: usage(),
        },
        { output: [assistantMessage('Sunny.')], usage: usage() },
      ]);
      const agent = new agents.Agent({
        name: 'assistant',
        instructions: 'Answer.',
        model,
        tools: [weather, stocks],
      });
      // Tracing on in both rows (exported nowhere): the difference is the processor alone.
      agents.setTraceProcessors(collector ? [agentsAudit({ collector }).observe(agent)] : []);
      await agents.run(agent, 'Weather in Paris?');
    },
  };
}

export async function runAdapters(quick: boolean): Promise<AdaptersResult> {
  const timeMs = quick ? 300 : 2000;
  const scenarios = [aiSdk, langchain];
  const skipped: string[] = [];
  if (Number(process.versions.node.split('.')[0]) >= 22) scenarios.push(await openAiAgents());
  else skipped.push(`OpenAI Agents SDK: needs Node 22 or later, this is ${process.version}`);
  const bench = new Bench({ time: timeMs, warmupTime: quick ? 50 : 300 });
  const dir = makeTempDir();
  const sinks: { file: string; sink: ThreadedJSONLSinkCollector | null }[] = [];
  try {
    for (const scenario of scenarios) {
      for (const withAdapter of [false, true]) {
        const slot = {
          file: path.join(dir, `${sinks.length}.jsonl`),
          sink: null as ThreadedJSONLSinkCollector | null,
        };
        sinks.push(slot);
        bench.add(
          `${scenario.framework}, ${withAdapter ? 'with the adapter' : 'without'}`,
          () => scenario.run(slot.sink),
          {
            beforeAll: () => {
              if (withAdapter) slot.sink = new ThreadedJSONLSinkCollector(slot.file);
            },
          },
        );
      }
    }
    await bench.run();
    const rows: AdapterRow[] = [];
    for (const [index, scenario] of scenarios.entries()) {
      const without = bench.tasks[2 * index].result;
      const withIt = bench.tasks[2 * index + 1].result;
      if (without.state !== 'completed' || withIt.state !== 'completed') {
        throw new Error(`${scenario.framework}: ${without.state}/${withIt.state}`);
      }
      // Every run the bench made (warmup included) wrote its records: the file must say so.
      const slot = sinks[2 * index + 1];
      await slot.sink!.closeAsync();
      const lines = countLines(slot.file);
      if (lines % scenario.recordsPerRun !== 0) {
        throw new Error(
          `${scenario.framework}: ${lines} records, not a multiple of ${scenario.recordsPerRun}`,
        );
      }
      rows.push({
        framework: scenario.framework,
        recordsPerRun: scenario.recordsPerRun,
        withoutMeanNs: without.latency.mean * 1e6,
        withoutP50Ns: without.latency.p50 * 1e6,
        withMeanNs: withIt.latency.mean * 1e6,
        withP50Ns: withIt.latency.p50 * 1e6,
        withP99Ns: withIt.latency.p99 * 1e6,
        runs: withIt.latency.samplesCount,
      });
    }
    return { timeMs, rows, skipped };
  } finally {
    for (const { sink } of sinks) sink?.close();
    removeDir(dir);
  }
}

/** A difference of times: within the noise it can come out negative. */
const signedNs = (ns: number): string => (ns < 0 ? `-${formatNs(-ns)}` : formatNs(ns));

export function adaptersTable(result: AdaptersResult): string {
  const table = markdownTable(
    [
      'framework run',
      'without: mean / p50',
      'with: mean / p50 / p99',
      'added per run',
      'added per record',
      'runs',
    ],
    result.rows.map((row) => {
      const added = row.withP50Ns - row.withoutP50Ns;
      return [
        row.framework,
        `${formatNs(row.withoutMeanNs)} / ${formatNs(row.withoutP50Ns)}`,
        `${formatNs(row.withMeanNs)} / ${formatNs(row.withP50Ns)} / ${formatNs(row.withP99Ns)}`,
        signedNs(added),
        `${signedNs(added / row.recordsPerRun)} (${row.recordsPerRun} records)`,
        row.runs.toLocaleString('en-US'),
      ];
    }),
  );
  return [table, ...result.skipped.map((reason) => `\nNot run: ${reason}.`)].join('\n');
}

if (isMain(import.meta.url)) {
  const args = readArgs();
  const result = await runAdapters(args.quick);
  console.log(adaptersTable(result));
  writeJson(args.json, result);
}
