// The showcase: an agent loop audited through the offloaded sink. The loop's own events go
// to an in-memory collector (for snapshots) and the offloaded JSONL sink; its tools run in
// a piscina pool and emit into the same sink from there.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AuditEmitter,
  CompositeCollector,
  InMemoryCollector,
  ThreadedJSONLSinkCollector,
} from 'calute-audit';
import { Piscina } from 'piscina';

const file = process.argv[2] ?? path.join(os.tmpdir(), `calute-audit-demo-${process.pid}.jsonl`);
const sessionId = 'demo-session';

const sink = new ThreadedJSONLSinkCollector(file);
const snapshots = new InMemoryCollector();
const audit = new AuditEmitter({ collector: new CompositeCollector([snapshots, sink]), sessionId });

const pool = new Piscina({
  filename: new URL('./tool-worker.mjs', import.meta.url).href,
  workerData: { audit: sink.handle, sessionId },
  maxThreads: 2,
  // Idle workers parked in Atomics.wait would freeze their pending work; plain message waits instead.
  atomics: 'disabled',
});

const plans = [
  { toolName: 'web_search', args: { query: 'quarterly infrastructure cost drivers' } },
  { toolName: 'calculator', args: { expression: '(1200 * 1.18) - 1200' } },
  { toolName: 'read_file', args: { path: '/etc/shadow' } },
  { toolName: 'calculator', args: { expression: 'rm -rf /' } },
];

async function agentTurn(agentId, turn) {
  const turnId = audit.emitTurnStart({
    agentId,
    prompt: `Turn ${turn}: summarize the cost report and check the numbers.`,
  });
  const calls = await Promise.all(
    plans.map(async ({ toolName, args }) => {
      const allowed = toolName !== 'read_file';
      audit.emitToolPolicyDecision({
        agentId,
        turnId,
        toolName,
        action: allowed ? 'allow' : 'deny',
        source: 'demo-policy',
      });
      if (!allowed) return null;
      audit.emitToolCallAttempt({ agentId, turnId, toolName, args: JSON.stringify(args) });
      const outcome = await pool.run({ agentId, turnId, toolName, args });
      if (outcome.ok) {
        audit.emitToolCallComplete({
          agentId,
          turnId,
          toolName,
          durationMs: outcome.durationMs,
          result: outcome.result,
        });
      } else {
        audit.emitToolCallFailure({
          agentId,
          turnId,
          toolName,
          errorType: outcome.errorType,
          errorMsg: outcome.message,
        });
      }
      return outcome;
    }),
  );
  audit.emitTurnEnd({
    agentId,
    turnId,
    content: `Turn ${turn} done.`,
    fcCount: calls.filter(Boolean).length,
  });
}

const started = performance.now();
for (const agentId of ['planner', 'analyst', 'reviewer']) {
  for (let turn = 1; turn <= 5; turn++) await agentTurn(agentId, turn);
  if (agentId !== 'reviewer')
    audit.emitAgentSwitch({ agentId, fromAgent: agentId, toAgent: 'next', reason: 'handoff' });
}
await pool.close();
await sink.flushAsync();
const stats = sink.stats();
sink.close();
const elapsed = performance.now() - started;

const byType = new Map();
const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
for (const line of lines) {
  const type = JSON.parse(line).event_type;
  byType.set(type, (byType.get(type) ?? 0) + 1);
}
console.log(`Audit log: ${file}`);
console.log(
  `${lines.length} records in ${elapsed.toFixed(0)} ms (${snapshots.length} from the agent loop, the rest from tools in the piscina pool)`,
);
for (const [type, count] of [...byType].sort()) console.log(`  ${type.padEnd(22)} ${count}`);
console.log(
  `sink: ${stats.enqueuedEvents} enqueued, ${stats.writtenEvents} written, ${stats.droppedEvents} dropped, ` +
    `ring high-water ${stats.highWaterBytes} of ${stats.ringSize} bytes`,
);

// What to do with the file next: the calute-audit command reads it.
const shellWord = (text) => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);
const page = `${file.replace(/\.jsonl$/, '')}.html`;
console.log('\nLook at it with the calute-audit command:');
console.log(`  npx calute-audit pretty ${shellWord(file)}    (one line per record)`);
console.log(`  npx calute-audit turns ${shellWord(file)}     (each turn with its tool calls)`);
console.log(`  npx calute-audit report ${shellWord(file)} -o ${shellWord(page)}    (a page for a browser)`);
