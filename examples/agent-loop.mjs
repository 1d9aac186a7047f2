// The showcase: an agent loop audited into one JSONL trail.
//
//   npm start                   # writes into a fresh temporary directory, removed at the end
//   npm start -- ./demo.jsonl   # keeps the trail in ./demo.jsonl
//
// Three agents take turns. Each turn asks a scripted model (offline, no API key) which
// tools to call, runs them in a piscina pool with its default settings, and asks the model
// again for the answer. The agent's thread records the turn, the model calls, the tool call
// attempts and the policy's verdicts into ThreadedJSONLSinkCollector; the tools, in the
// pool's threads, record their sandbox decision and outcome into the same ring through
// connectCollector(sink.handle), with the agent's context and the tool call's id. At the
// end it prints where the trail went, one turn as a tree, the records by type, and what
// auditing cost the agent's thread in this run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditEmitter, JSONLSinkCollector, ThreadedJSONLSinkCollector } from 'calute-audit';
import { Piscina } from 'piscina';
import { costMeter, measured, median, timedCollector } from './audit-cost.mjs';
import { countsByType, readTrail, turnTree } from './trail-summary.mjs';

const AGENTS = ['planner', 'analyst', 'reviewer'];
const TURNS_PER_AGENT = 4;
/** The scripted model's latency: a real one takes 0.3-30 s; a few ms keeps the demo quick. */
const MODEL_LATENCY_MS = 5;
/** What the model asks for in every turn; the policy denies read_file, the calculator refuses the last. */
const TOOL_CALLS = [
  { toolName: 'web_search', args: { query: 'quarterly infrastructure cost drivers' } },
  { toolName: 'calculator', args: { expression: '(1200 * 1.18) - 1200' } },
  { toolName: 'read_file', args: { path: '/etc/shadow' } },
  { toolName: 'calculator', args: { expression: 'rm -rf /' } },
];
const DENIED_TOOLS = new Set(['read_file']);

/**
 * The tool worker's file. In a bundled application it is an output file of its own, named
 * the way calute-audit's drain worker is (see "Bundlers" in the README): the bundle's banner
 * puts its path in globalThis.__bundlerPathsOverrides.
 */
function toolWorkerFile() {
  const override = globalThis.__bundlerPathsOverrides?.['calute-audit-demo-tool-worker'];
  return override ?? new URL('./tool-worker.mjs', import.meta.url).href;
}

/** A stand-in for a language model: asks for the tools first, then answers. */
async function scriptedModel(turnAudit, input, toolResults) {
  const started = performance.now();
  await sleep(MODEL_LATENCY_MS);
  const output = toolResults === undefined ? TOOL_CALLS : `Summary from ${toolResults.length} tool calls.`;
  turnAudit.emitModelCall({
    provider: 'scripted',
    model: 'demo-model',
    inputTokens: Math.ceil(JSON.stringify(input).length / 4),
    outputTokens: Math.ceil(JSON.stringify(output).length / 4),
    durationMs: performance.now() - started,
    finishReason: toolResults === undefined ? 'tool_calls' : 'stop',
    toolCallCount: toolResults === undefined ? TOOL_CALLS.length : 0,
    input,
    output,
  });
  return output;
}

async function runToolCall(turnAudit, pool, { toolName, args }) {
  const toolCallId = turnAudit.emitToolCallAttempt({ toolName, args });
  const allowed = !DENIED_TOOLS.has(toolName);
  turnAudit.emitToolPolicyDecision({
    toolName,
    toolCallId,
    action: allowed ? 'allow' : 'deny',
    source: 'demo-policy',
  });
  if (!allowed) {
    turnAudit.emitToolCallFailure({
      toolName,
      toolCallId,
      errorType: 'ToolDenied',
      errorMsg: 'denied by demo-policy',
    });
    return { ok: false, error: 'denied' };
  }
  return pool.run({ context: turnAudit.context, toolCallId, toolName, args });
}

async function agentTurn(audit, pool, agentId, turn) {
  const prompt = `Turn ${turn}: summarize the cost report and check the numbers.`;
  const turnId = audit.emitTurnStart({ agentId, prompt });
  const turnAudit = audit.child({ agentId, turnId });
  const toolCalls = await scriptedModel(turnAudit, prompt);
  const results = await Promise.all(toolCalls.map((call) => runToolCall(turnAudit, pool, call)));
  const answer = await scriptedModel(turnAudit, results, results);
  turnAudit.emitTurnEnd({ content: answer, fcCount: toolCalls.length });
  return turnId;
}

/** How to write `file` in a command typed where `npm start` was run. */
function shownPath(file) {
  const relative = path.relative(process.env.INIT_CWD ?? process.cwd(), file);
  const shown = relative.startsWith('..') || path.isAbsolute(relative) ? file : `./${relative}`;
  return /^[\w./-]+$/.test(shown) ? shown : `'${shown.replaceAll("'", "'\\''")}'`;
}

async function main() {
  const kept = process.argv[2] === undefined ? null : path.resolve(process.argv[2]);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'calute-audit-demo-'));
  try {
    const file = kept ?? path.join(scratch, 'audit.jsonl');
    const auditErrors = [];
    const sink = new ThreadedJSONLSinkCollector(file, {
      onError: (error) => {
        auditErrors.push(error);
        console.error(`audit: ${error.name}: ${error.message}`);
      },
    });
    const settings = { sessionId: `demo-${process.pid}`, toolCallIds: true };
    // The baseline for the cost figures: the same calls into the synchronous sink.
    const baselineSink = new JSONLSinkCollector(path.join(scratch, 'baseline.jsonl'));
    const meter = costMeter();
    const audit = measured(
      new AuditEmitter({ collector: timedCollector(sink, meter.offloaded.sink), ...settings }),
      new AuditEmitter({ collector: timedCollector(baselineSink, meter.synchronous.sink), ...settings }),
      meter,
    );
    const pool = new Piscina({ filename: toolWorkerFile(), workerData: { audit: sink.handle } });

    const turnIds = [];
    for (const [index, agentId] of AGENTS.entries()) {
      for (let turn = 1; turn <= TURNS_PER_AGENT; turn++)
        turnIds.push(await agentTurn(audit, pool, agentId, turn));
      const next = AGENTS[index + 1];
      if (next) audit.emitAgentSwitch({ agentId, fromAgent: agentId, toAgent: next, reason: 'handoff' });
    }
    await pool.destroy();
    const { drainingInline } = sink.stats();
    await sink.closeAsync();
    baselineSink.close();
    const stats = sink.stats();

    const records = readTrail(file);
    const agentCalls = meter.offloaded.call.length;
    console.log(`Audit trail: ${kept ?? `${file} (a temporary file, removed now)`}`);
    console.log(
      `  ${records.length} records: ${agentCalls} from the agent's thread, ` +
        `${records.length - agentCalls} from tools in the piscina pool`,
    );
    console.log(
      `  sink: ${stats.writtenEvents} written, ${stats.droppedEvents} dropped, ` +
        (drainingInline
          ? "written from the agent's thread (the drain worker could not start)"
          : 'written by the drain worker thread'),
    );
    if (auditErrors.length > 0) console.log(`  ${auditErrors.length} audit error(s), printed above`);

    console.log('\nThe last turn:');
    for (const line of turnTree(records, turnIds.at(-1))) console.log(`  ${line}`);

    console.log('\nRecords by type:');
    for (const [type, count] of countsByType(records)) console.log(`  ${type.padEnd(22)} ${count}`);

    console.log(
      `\nAudit cost on the agent's thread, median per emit call (${agentCalls} calls in this run):`,
    );
    for (const [name, times, sinkDoes] of [
      ['ThreadedJSONLSinkCollector', meter.offloaded, 'serializing, copying into shared memory'],
      ['JSONLSinkCollector', meter.synchronous, 'serializing, writing to the file'],
    ]) {
      console.log(
        `  ${name.padEnd(26)}  ${median(times.call).toFixed(1).padStart(5)} µs, ` +
          `of which ${median(times.sink).toFixed(1)} µs in its emit (${sinkDoes})`,
      );
    }

    if (kept === null) {
      console.log('\nTo keep the trail: npm start -- ./demo.jsonl');
    } else {
      const shown = shownPath(kept);
      console.log('\nLook at it:');
      console.log(`  npx calute-audit pretty ${shown}`);
      console.log(`  npx calute-audit turns ${shown}`);
      console.log(`  npx calute-audit report ${shown} -o run.html`);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
