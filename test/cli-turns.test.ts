/**
 * `calute-audit turns`: each session as a tree of turns and their calls, exact text; tool
 * calls paired by tool_call_id (answered out of order) and by order where there is none;
 * model calls with their tokens; --all; --json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readRuns, resolveSources } from 'calute-audit/cli';
import { describe, expect, it } from 'vitest';
import { runBin } from './support/cli-run.js';
import { ORIGIN, writeAgentTrail } from './support/cli-trails.js';
import { useTempDir } from './support/temp-files.js';

const tempDir = useTempDir('calute-audit-cli-turns-');

const TEXT = `session s-1  2025-06-15 14:30:00.000 → 14:30:16.000  16.00 s  2 turns  agents: planner, coder
  turn t-0001  planner  14:30:00.000  6.00 s  2 tool calls  1 model call  "Plan the trip to Lisbon"
    ├─  +200.0 ms  model openai/gpt-4o  800.0 ms  1,200 in / 300 out tokens (100 cached)  tool_calls
    ├─    +2.00 s  tool web_search  120.0 ms  success
    └─    +3.00 s  tool calculator  1.5 ms  success
  turn t-0002  coder  14:30:08.000  7.00 s  2 tool calls (1 failed)  "Write the script"
    ├─    +1.00 s  tool_policy_decision shell  action="deny" policy_source="org-policy"
    ├─    +2.00 s  tool run_tests  1.50 s  failed TimeoutError: took too long
    ├─    +3.00 s  tool run_tests  900.0 ms  success
    └─    +6.00 s  error  error_type="ValueError" error_message="bad plan" error_context="step 3"
  (no turn)  planner  14:30:16.000
session (no session)  2025-06-15 14:30:07.000 → 14:30:07.000  0.00 ms  0 turns
  (no turn)  14:30:07.000
    └─   +0.00 ms  events_dropped  dropped_events=7 dropped_bytes=2100
`;

describe('turns', () => {
  it('text: sessions, turns with duration and counts, calls in time order with duration and outcome', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    await writeAgentTrail(file);
    expect(await runBin(['turns', file])).toStrictEqual({ code: 0, stdout: TEXT, stderr: '' });
  });

  it('--all adds the records that are neither calls nor notable (the agent switch outside any turn)', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    await writeAgentTrail(file);
    const lines = (await runBin(['turns', '--all', file])).stdout.split('\n');
    expect(lines[10]).toBe('  (no turn)  planner  14:30:16.000');
    expect(lines[11]).toBe(
      '    └─   +0.00 ms  agent_switch  from_agent="planner" to_agent="coder" reason="handoff"',
    );
    expect(lines).toHaveLength(TEXT.split('\n').length + 1);
  });

  it('pairing: by id when the outcomes come in another order, by order per tool without ids; unanswered and unasked calls stand alone', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    await writeAgentTrail(file);
    const extra = [
      {
        event_type: 'tool_call_attempt',
        timestamp: '2025-06-15T14:30:20.000000+00:00',
        agent_id: 'x',
        turn_id: 't-9',
        session_id: 's-1',
        severity: 'info',
        metadata: {},
        tool_name: 'slow',
        arguments_preview: 'never answered',
      },
      {
        event_type: 'tool_call_complete',
        timestamp: '2025-06-15T14:30:21.000000+00:00',
        agent_id: 'x',
        turn_id: 't-9',
        session_id: 's-1',
        severity: 'info',
        metadata: {},
        tool_name: 'other',
        status: 'partial',
        duration_ms: 250,
        result_preview: 'half',
      },
    ];
    fs.appendFileSync(file, extra.map((record) => `${JSON.stringify(record)}\n`).join(''));
    const model = await readRuns(resolveSources([file]));
    const [first, second, third] = model.sessions[0].turns;
    expect(
      first.toolCalls.map((call) => [call.toolName, call.toolCallId, call.pairedBy, call.resultPreview]),
    ).toStrictEqual([
      ['web_search', 'call-1', 'id', 'found 3 flights'],
      ['calculator', 'call-2', 'id', '4'],
    ]);
    expect(first.toolCalls[0]).toMatchObject({
      start: ORIGIN + 2_000_000,
      end: ORIGIN + 5_000_000,
      durationMs: 120,
      outcome: 'complete',
      attemptAt: `${file}:3`,
      outcomeAt: `${file}:6`,
    });
    expect(
      second.toolCalls.map((call) => [call.argumentsPreview, call.outcome, call.pairedBy, call.durationMs]),
    ).toStrictEqual([
      ['npm test', 'failure', 'order', 1500],
      ['npm test -- --watch', 'complete', 'order', 900],
    ]);
    expect(second.toolCalls[0]).toMatchObject({ errorType: 'TimeoutError', errorMessage: 'took too long' });
    expect(first.modelCalls[0]).toMatchObject({
      model: 'gpt-4o',
      start: ORIGIN + 200_000,
      end: ORIGIN + 1_000_000,
      inputTokens: 1200,
      outputTokens: 300,
      cachedInputTokens: 100,
      reasoningTokens: null,
    });
    expect(
      third.toolCalls.map((call) => [call.toolName, call.outcome, call.pairedBy, call.status]),
    ).toStrictEqual([
      ['slow', 'pending', 'none', null],
      ['other', 'complete', 'none', 'partial'],
    ]);
    // An outcome with no attempt starts its duration before its record.
    expect(third.toolCalls[1].start).toBe(ORIGIN + 21_000_000 - 250_000);
    const text = (await runBin(['turns', file])).stdout.split('\n');
    const at = text.indexOf('  turn t-9  x  14:30:20.000  no turn_end  2 tool calls');
    expect(text.slice(at + 1, at + 4)).toStrictEqual([
      '    ├─   +0.00 ms  tool slow  no outcome',
      '    └─  +750.0 ms  tool other  250.0 ms  partial  (no attempt)',
      '  (no turn)  planner  14:30:16.000',
    ]);
  });

  it('--json: the run model', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    await writeAgentTrail(file);
    const model = JSON.parse((await runBin(['turns', '--json', file])).stdout);
    expect(model.records).toBe(17);
    expect(model.sessions.map((s: { sessionId: string | null }) => s.sessionId)).toStrictEqual(['s-1', null]);
    expect(model.sessions[0].turns.map((t: { turnId: string }) => t.turnId)).toStrictEqual([
      't-0001',
      't-0002',
    ]);
    expect(model.sessions[0].turns[1].notes.map((n: { type: string }) => n.type)).toStrictEqual([
      'tool_policy_decision',
      'error',
    ]);
  });
});
