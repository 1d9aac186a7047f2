// A piscina worker that runs an agent's tools. It audits its own decisions straight into
// the main thread's sink: connectCollector(handle) writes into the shared ring, with no
// message to the main thread.
import { workerData } from 'node:worker_threads';
import { AuditEmitter, connectCollector } from 'calute-audit';

const audit = new AuditEmitter({
  collector: connectCollector(workerData.audit),
  sessionId: workerData.sessionId,
});

const tools = {
  web_search: ({ query }) => `Found 10 results for ${query}`,
  calculator: ({ expression }) => {
    if (!/^[\d\s+*/().-]+$/.test(expression))
      throw new TypeError(`not an arithmetic expression: ${expression}`);
    return String(Function(`"use strict"; return (${expression});`)());
  },
  read_file: ({ path }) => {
    throw new Error(`permission denied: ${path}`);
  },
};

export default function runTool({ agentId, turnId, toolName, args }) {
  audit.emitSandboxDecision({
    agentId,
    turnId,
    toolName,
    context: 'tool-pool',
    reason: 'tools run outside the agent thread',
    backendType: 'piscina',
  });
  const started = performance.now();
  try {
    const result = tools[toolName](args);
    const durationMs = performance.now() - started;
    audit.emitSkillUsed({ agentId, turnId, skillName: toolName, outcome: 'success', durationMs });
    return { ok: true, result, durationMs };
  } catch (error) {
    audit.emitSkillUsed({ agentId, turnId, skillName: toolName, outcome: 'failure' });
    return { ok: false, errorType: error.constructor.name, message: error.message };
  }
}
