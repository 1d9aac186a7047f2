/**
 * Tool call ids across a piscina pool: the main thread records three attempts of the same
 * tool in one turn (ids made by the emitter), the tools run concurrently in a real piscina
 * pool and report their outcomes, in another order than the attempts, through
 * `connectCollector(handle)` with the id passed in the task. On disk each attempt pairs
 * with its own outcome by `tool_call_id`, where pairing by order would mismatch them, and
 * the trail reader of `calute-audit/cli` pairs them the same way.
 */
import path from 'node:path';
import { AuditEmitter, ThreadedJSONLSinkCollector } from 'calute-audit';
import { readRuns, resolveSources } from 'calute-audit/cli';
import { Piscina } from 'piscina';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-files.js';
import { parseLines, readLines } from './support/threaded-sink-kit.js';

const CALLS = [
  { query: 'first', order: 1, fail: false },
  { query: 'second', order: 0, fail: false },
  { query: 'third', order: 2, fail: true },
];

describe('tool call ids: attempts on the main thread, outcomes from a piscina pool', () => {
  const tempDir = useTempDir();

  it('three concurrent calls of one tool in one turn, finished out of order: each pairs with its own outcome by id', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file);
    const audit = new AuditEmitter({ collector: sink, sessionId: 'sess-1', toolCallIds: true });
    const turnId = audit.emitTurnStart({ agentId: 'planner', prompt: 'find the costs' });
    const turn = audit.child({ agentId: 'planner', turnId, metadata: { run: 7 } });
    const ids = CALLS.map((call) =>
      turn.emitToolCallAttempt({ toolName: 'search', args: { q: call.query } }),
    );
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{12}$/);

    const pool = new Piscina({
      filename: new URL('./fixtures/piscina-tool-call.mjs', import.meta.url).href,
      minThreads: 3,
      maxThreads: 3,
      atomics: 'disabled',
    });
    const sequence = new SharedArrayBuffer(4);
    let results: { toolCallId: string; threadId: number }[];
    try {
      // Each task waits for the ones ordered before it: all three must run at once to finish.
      results = await Promise.all(
        CALLS.map((call, index) =>
          pool.run({
            handle: sink.handle,
            context: turn.context,
            toolCallId: ids[index],
            toolName: 'search',
            query: call.query,
            order: call.order,
            sequence,
            fail: call.fail,
          }),
        ),
      );
    } finally {
      await pool.close();
    }
    turn.emitTurnEnd({ content: 'done', fcCount: 3 });
    sink.close();
    expect(results.map((result) => result.toolCallId)).toStrictEqual(ids);
    expect(results.every((result) => result.threadId !== 0)).toBe(true);

    const records = parseLines(readLines(file));
    expect(records.map((record) => [record.event_type, record.tool_call_id])).toStrictEqual([
      ['turn_start', undefined],
      ['tool_call_attempt', ids[0]],
      ['tool_call_attempt', ids[1]],
      ['tool_call_attempt', ids[2]],
      ['tool_call_complete', ids[1]],
      ['tool_call_complete', ids[0]],
      ['tool_call_failure', ids[2]],
      ['turn_end', undefined],
    ]);
    // The workers' records carry the turn's context, passed as plain data in the task.
    for (const record of records.slice(4, 7)) {
      expect(record).toMatchObject({
        agent_id: 'planner',
        turn_id: turnId,
        session_id: 'sess-1',
        metadata: { run: 7 },
      });
    }

    const attempts = records.filter((record) => record.event_type === 'tool_call_attempt');
    const outcomes = records.filter((record) => record.event_type !== 'tool_call_attempt').slice(1, 4);
    const byId = (attempt: Record<string, any>) =>
      outcomes.find((outcome) => outcome.tool_call_id === attempt.tool_call_id)!;
    expect(
      attempts.map((attempt) => [
        attempt.arguments_preview,
        byId(attempt).result_preview ?? byId(attempt).error_message,
      ]),
    ).toStrictEqual([
      ['{"q":"first"}', '{"hits":["first-1"]}'],
      ['{"q":"second"}', '{"hits":["second-1"]}'],
      ['{"q":"third"}', 'no answer for third'],
    ]);
    // Without ids, first in first out would give the first attempt the second call's result.
    expect(outcomes[0].result_preview).toBe('{"hits":["second-1"]}');

    const model = await readRuns(resolveSources([file]));
    const [read] = model.sessions[0].turns;
    expect(
      read.toolCalls.map((call) => [
        call.toolCallId,
        call.pairedBy,
        call.outcome,
        call.argumentsPreview,
        call.resultPreview ?? call.errorMessage,
      ]),
    ).toStrictEqual([
      [ids[0], 'id', 'complete', '{"q":"first"}', '{"hits":["first-1"]}'],
      [ids[1], 'id', 'complete', '{"q":"second"}', '{"hits":["second-1"]}'],
      [ids[2], 'id', 'failure', '{"q":"third"}', 'no answer for third'],
    ]);
  });
});
