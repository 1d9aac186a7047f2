// A piscina worker that runs the agent's tools. It audits into the agent's own trail:
// connectCollector(handle) writes straight into the sink's shared ring (no message to the
// main thread), and each task brings the agent's context and the tool call's id, so these
// records carry the same agent, turn, session and tool_call_id as the agent's own.
import { workerData } from 'node:worker_threads';
import { AuditEmitter, connectCollector } from 'calute-audit';

const audit = new AuditEmitter({ collector: connectCollector(workerData.audit) });

const tools = {
  web_search: ({ query }) => `Found 10 results for ${query}`,
  calculator: ({ expression }) => {
    if (!/^[\d\s+*/().-]+$/.test(expression))
      throw new TypeError(`not an arithmetic expression: ${expression}`);
    return String(Function(`"use strict"; return (${expression});`)());
  },
  read_file: ({ path }) => `contents of ${path}`,
};

export default function runTool({ context, toolCallId, toolName, args }) {
  const tool = audit.child(context);
  tool.emitSandboxDecision({
    toolName,
    toolCallId,
    context: 'tool-pool',
    reason: 'tools run outside the agent thread',
    backendType: 'piscina',
  });
  const started = performance.now();
  try {
    const result = tools[toolName](args);
    const durationMs = performance.now() - started;
    tool.emitToolCallComplete({ toolName, toolCallId, durationMs, result });
    return { ok: true, result };
  } catch (error) {
    const durationMs = performance.now() - started;
    tool.emitToolCallFailure({
      toolName,
      toolCallId,
      durationMs,
      errorType: error.constructor.name,
      errorMsg: error.message,
    });
    return { ok: false, error: `${error.constructor.name}: ${error.message}` };
  }
}
