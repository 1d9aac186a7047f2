/**
 * What the demo (examples/agent-loop.mjs) must leave in its trail, run as it is or bundled:
 * three agents, four turns each, each turn two model calls and the same four tool calls (one
 * denied by the policy, one refused by the calculator), the tools' records written from the
 * piscina pool's threads and paired with the agent's by tool_call_id.
 */
import { expect } from 'vitest';
import { readRecords } from './temp-files.js';

const AGENTS = ['planner', 'analyst', 'reviewer'];
const TURNS = AGENTS.length * 4;
const TOOLS = ['web_search', 'calculator', 'read_file', 'calculator'];

/** Record counts by type: the agent's thread's and the pool's. */
export const DEMO_COUNTS: Record<string, number> = {
  turn_start: TURNS,
  turn_end: TURNS,
  model_call: 2 * TURNS,
  tool_call_attempt: TOOLS.length * TURNS,
  tool_policy_decision: TOOLS.length * TURNS,
  // Only allowed calls reach the pool.
  sandbox_decision: 3 * TURNS,
  tool_call_complete: 2 * TURNS,
  tool_call_failure: 2 * TURNS,
  agent_switch: AGENTS.length - 1,
};

/** Records the pool's threads write: a sandbox decision and an outcome per allowed call. */
export const DEMO_POOL_RECORDS = 3 * TURNS * 2;
export const DEMO_RECORDS = Object.values(DEMO_COUNTS).reduce((sum, count) => sum + count, 0);

type TrailRecord = Record<string, any>;

/** Checks the demo's trail in `file` record by record; returns its records. */
export function expectDemoTrail(file: string): TrailRecord[] {
  const records = readRecords(file) as TrailRecord[];
  const counts: Record<string, number> = {};
  for (const record of records) counts[record.event_type] = (counts[record.event_type] ?? 0) + 1;
  expect(counts).toStrictEqual(DEMO_COUNTS);

  // One session, stamped by the agent's emitter and by the pool's through the context.
  const sessions = new Set(records.map((record) => record.session_id));
  expect(sessions.size).toBe(1);
  expect([...sessions][0]).toMatch(/^demo-\d+$/);

  const turnStarts = records.filter((record) => record.event_type === 'turn_start');
  expect(turnStarts.map((record) => record.agent_id)).toStrictEqual(
    AGENTS.flatMap((agent) => Array(4).fill(agent)),
  );
  for (const start of turnStarts) {
    const own = records.filter((record) => record.turn_id === start.turn_id);
    expect(own.every((record) => record.agent_id === start.agent_id)).toBe(true);
    const types = own.map((record) => record.event_type);
    expect(types[0]).toBe('turn_start');
    expect(types.at(-1)).toBe('turn_end');
    expect(own.at(-1)!.function_calls_count).toBe(TOOLS.length);
    const models = own.filter((record) => record.event_type === 'model_call');
    expect(models.map((record) => record.finish_reason)).toStrictEqual(['tool_calls', 'stop']);
    expect(models.map((record) => record.tool_call_count)).toStrictEqual([TOOLS.length, 0]);

    const attempts = own.filter((record) => record.event_type === 'tool_call_attempt');
    expect(attempts.map((record) => record.tool_name)).toStrictEqual(TOOLS);
    // Arguments (objects) are written as their JSON.
    expect(JSON.parse(attempts[2].arguments_preview)).toStrictEqual({ path: '/etc/shadow' });
    const ids = attempts.map((record) => record.tool_call_id);
    expect(new Set(ids).size).toBe(TOOLS.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{12}$/);

    const byId = (type: string, id: string) =>
      own.filter((record) => record.event_type === type && record.tool_call_id === id);
    const outcome = (id: string) => [...byId('tool_call_complete', id), ...byId('tool_call_failure', id)];
    for (const [index, id] of ids.entries()) {
      expect(byId('tool_policy_decision', id)).toHaveLength(1);
      expect(outcome(id)).toHaveLength(1);
      expect(outcome(id)[0].tool_name).toBe(TOOLS[index]);
    }
    const [search, sum, shadow, rm] = ids.map((id) => outcome(id)[0]);
    expect(search).toMatchObject({ event_type: 'tool_call_complete', status: 'success' });
    expect(search.result_preview).toBe('Found 10 results for quarterly infrastructure cost drivers');
    expect(sum).toMatchObject({ event_type: 'tool_call_complete', result_preview: '216' });
    expect(shadow).toMatchObject({ event_type: 'tool_call_failure', error_type: 'ToolDenied' });
    expect(byId('tool_policy_decision', ids[2])[0].action).toBe('deny');
    expect(byId('sandbox_decision', ids[2])).toHaveLength(0);
    expect(rm).toMatchObject({
      event_type: 'tool_call_failure',
      error_type: 'TypeError',
      error_message: 'not an arithmetic expression: rm -rf /',
    });
    // The pool's records: the agent's context came with the task.
    for (const id of [ids[0], ids[1], ids[3]]) {
      const [sandbox] = byId('sandbox_decision', id);
      expect(sandbox).toMatchObject({
        backend_type: 'piscina',
        agent_id: start.agent_id,
        turn_id: start.turn_id,
      });
      expect(typeof outcome(id)[0].duration_ms).toBe('number');
    }
  }
  return records;
}
