/**
 * `calute-audit export otlp`: the command sends a trail through the real OTLP/HTTP exporter
 * to a receiver on 127.0.0.1; exporting it again sends the same spans; a refused request
 * and a bad command line get their exit statuses.
 */
import path from 'node:path';
import { AuditEmitter, JSONLSinkCollector } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { runBin } from './support/cli-run.js';
import { useOtlpReceiver } from './support/otel-kit.js';
import { useTempDir } from './support/temp-files.js';

function writeTrail(file: string): void {
  const sink = new JSONLSinkCollector(file);
  const audit = new AuditEmitter({ collector: sink, sessionId: 'sess-1', toolCallIds: true });
  const turnId = audit.emitTurnStart({ agentId: 'planner', prompt: 'find the cost drivers' });
  audit.emitModelCall({
    agentId: 'planner',
    turnId,
    provider: 'openai',
    model: 'gpt-x',
    inputTokens: 120,
    outputTokens: 30,
    durationMs: 850,
    finishReason: 'tool_calls',
  });
  const callId = audit.emitToolCallAttempt({
    agentId: 'planner',
    turnId,
    toolName: 'web_search',
    args: { q: 'costs' },
  });
  audit.emitToolCallComplete({
    agentId: 'planner',
    turnId,
    toolName: 'web_search',
    toolCallId: callId,
    durationMs: 142.5,
  });
  audit.emitTurnEnd({ agentId: 'planner', turnId, content: 'done', fcCount: 1 });
  sink.close();
}

describe('calute-audit export otlp', () => {
  const tempDir = useTempDir('calute-audit-cli-export-');
  const receiver = useOtlpReceiver();

  it('sends the turn, the model call and the tool call as spans; a second export sends the same ids', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    writeTrail(file);
    const otlp = await receiver();
    const first = await runBin(['export', 'otlp', file, '--url', otlp.url]);
    expect(first).toStrictEqual({
      code: 0,
      stdout: 'export otlp: 3 spans from 5 records in 1 file, 1 request\n',
      stderr: '',
    });
    const names = otlp
      .spans()
      .map((span) => span.name)
      .sort();
    expect(names).toStrictEqual(['chat gpt-x', 'execute_tool web_search', 'invoke_agent planner']);
    const turn = otlp.spans().find((span) => span.name === 'invoke_agent planner')!;
    for (const child of otlp.spans().filter((span) => span !== turn))
      expect(child.parentSpanId).toBe(turn.spanId);
    const ids = otlp
      .spans()
      .map((span) => `${span.traceId}/${span.spanId}`)
      .sort();
    expect((await runBin(['export', 'otlp', file, '--url', otlp.url])).code).toBe(0);
    expect(
      otlp
        .spans()
        .slice(3)
        .map((span) => `${span.traceId}/${span.spanId}`)
        .sort(),
    ).toStrictEqual(ids);
  });

  it('a refused request: exit 1 naming the URL; a bad command line or a missing input: exit 2', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    writeTrail(file);
    const otlp = await receiver();
    otlp.failWith(400);
    const refused = await runBin(['export', 'otlp', file, '--url', otlp.url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(otlp.url);
    expect(await runBin(['export', 'zipkin', file])).toMatchObject({ code: 2, stdout: '' });
    expect((await runBin(['export', 'otlp', file, '--header', 'no-equals'])).stderr).toBe(
      'calute-audit: --header "no-equals": expected Name=value\n',
    );
    const missing = await runBin(['export', 'otlp', path.join(tempDir(), 'none.jsonl'), '--url', otlp.url]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('none.jsonl');
  });
});
