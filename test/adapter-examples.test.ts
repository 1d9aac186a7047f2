/**
 * The examples of the three framework adapters (examples/ai-sdk.mjs, langchain.mjs,
 * openai-agents.mjs), each run as a user would run it (`node examples/<name>.mjs <file>`,
 * offline with the framework's mock model): it prints the answer, and its audit file holds
 * the run's records in order. The OpenAI Agents example runs on Node 22 and later only.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { killChildrenAfterEach, startNode } from './support/child-process.js';
import { readRecords, useTempDir } from './support/temp-files.js';

const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url));
const tempDir = useTempDir('calute-audit-examples-');
killChildrenAfterEach();

const ANSWER = 'answer: Sunny in Paris; the stock service is down.';
const SUPPORTED_BY_AGENTS = Number(process.versions.node.split('.')[0]) >= 22;

async function runExample(name: string): Promise<Record<string, unknown>[]> {
  const file = path.join(tempDir(), 'audit.jsonl');
  const ended = await startNode([path.join(EXAMPLES, name), file], { timeoutMs: 30_000 }).ended;
  expect(ended.stderr).toBe('');
  expect({ code: ended.code, stdout: ended.stdout }).toEqual({
    code: 0,
    stdout: `${ANSWER}\naudit trail: ${file}\n`,
  });
  return readRecords(file);
}

/** Each record's type, and the tool and call id of tool records. */
const summary = (records: Record<string, unknown>[]) =>
  records.map((record) =>
    record.tool_name === undefined
      ? record.event_type
      : `${record.event_type} ${record.tool_name} ${record.tool_call_id}`,
  );

describe('adapter examples', () => {
  it('examples/ai-sdk.mjs', async () => {
    const records = await runExample('ai-sdk.mjs');
    expect(summary(records)).toEqual([
      'turn_start',
      'tool_call_attempt weather call-1',
      'tool_call_attempt stocks call-2',
      'tool_call_complete weather call-1',
      'tool_call_failure stocks call-2',
      'model_call',
      'model_call',
      'turn_end',
    ]);
    expect(new Set(records.map((record) => record.session_id))).toEqual(new Set(['demo-ai-sdk']));
  });

  it('examples/langchain.mjs', async () => {
    const records = await runExample('langchain.mjs');
    expect(summary(records)).toEqual([
      'turn_start',
      'model_call',
      'tool_call_attempt weather call-1',
      'tool_call_complete weather call-1',
      'tool_call_attempt stocks call-2',
      'tool_call_failure stocks call-2',
      'model_call',
      'turn_end',
    ]);
    expect(new Set(records.map((record) => record.session_id))).toEqual(new Set(['demo-langchain']));
  });

  it.skipIf(!SUPPORTED_BY_AGENTS)('examples/openai-agents.mjs (Node 22 and later)', async () => {
    const records = await runExample('openai-agents.mjs');
    expect(summary(records)).toEqual([
      'turn_start',
      'agent_switch',
      'model_call',
      'tool_call_attempt weather call-1',
      'tool_call_attempt stocks call-2',
      'tool_call_complete weather call-1',
      'tool_call_failure stocks call-2',
      'model_call',
      'model_call',
      'turn_end',
    ]);
    expect(new Set(records.map((record) => record.session_id))).toEqual(new Set(['demo-openai-agents']));
  });
});
