/**
 * `calute-audit filter`: each criterion on the agent trail, the matching lines byte for byte
 * as in the input (non-ASCII and escapes included), --count, a rotated set, and clear
 * errors for bad criteria and for a line that is not a record.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { type FilterCriteria, filterTrail, resolveSources } from 'calute-audit/cli';
import { describe, expect, it } from 'vitest';
import { runBin } from './support/cli-run.js';
import { writeAgentTrail, writeRotatedSet } from './support/cli-trails.js';
import { useTempDir } from './support/temp-files.js';

const tempDir = useTempDir('calute-audit-cli-filter-');

async function trail(): Promise<{ file: string; lines: string[] }> {
  const file = path.join(tempDir(), 'audit.jsonl');
  await writeAgentTrail(file);
  return { file, lines: fs.readFileSync(file, 'utf8').trimEnd().split('\n') };
}

async function filter(inputs: string[], criteria: FilterCriteria): Promise<string> {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  await filterTrail(resolveSources(inputs), criteria, out);
  return Buffer.concat(chunks).toString('utf8');
}

const pick = (lines: string[], ...numbers: number[]) => numbers.map((n) => `${lines[n - 1]}\n`).join('');

describe('filter', () => {
  it('by type, agent, session, turn, tool, severity: the matching lines, unchanged, in order', async () => {
    const { file, lines } = await trail();
    expect(await filter([file], { types: ['tool_call_failure'] })).toBe(pick(lines, 13));
    expect(await filter([file], { types: ['turn_start', 'turn_end'] })).toBe(pick(lines, 1, 7, 9, 16));
    expect(await filter([file], { agents: ['planner'] })).toBe(pick(lines, 1, 2, 3, 4, 5, 6, 7, 17));
    expect(await filter([file], { turns: ['t-0002'], tools: ['run_tests'] })).toBe(
      pick(lines, 11, 12, 13, 14),
    );
    expect(await filter([file], { sessions: ['s-1'], severities: ['error'] })).toBe(pick(lines, 13, 15));
    expect(await filter([file], { severities: ['warning'] })).toBe(pick(lines, 8));
    expect(await filter([file], { types: ['tool_call_complete'], tools: ['web_search', 'calculator'] })).toBe(
      pick(lines, 5, 6),
    );
    expect(await filter([file], { types: ['no_such_type'] })).toBe('');
  });

  it('by time range (since inclusive, until exclusive; microseconds count) and by metadata', async () => {
    const { file, lines } = await trail();
    expect(
      await filter([file], { since: '2025-06-15T14:30:03Z', until: '2025-06-15T14:30:05.000000+00:00' }),
    ).toBe(pick(lines, 4, 5));
    expect(await filter([file], { since: '2025-06-15T16:30:15+02:00' })).toBe(pick(lines, 16, 17));
    expect(await filter([file], { until: '2025-06-15' })).toBe('');

    const dir = tempDir();
    const tagged = path.join(dir, 'tagged.jsonl');
    const records = [
      { event_type: 'custom', metadata: { user: 'ana', seq: 3, ok: true, tags: ['a'], deep: { id: 'x1' } } },
      { event_type: 'custom', metadata: { user: 'bo', seq: '3', 'deep.id': 'x1' } },
      { event_type: 'custom', metadata: { user: 'ana', seq: 4, nothing: null } },
    ];
    const text = records.map((record) => `${JSON.stringify(record)}\n`);
    fs.writeFileSync(tagged, text.join(''));
    expect(await filter([tagged], { metadata: ['user=ana'] })).toBe(text[0] + text[2]);
    expect(await filter([tagged], { metadata: ['seq=3'] })).toBe(text[0] + text[1]);
    expect(await filter([tagged], { metadata: ['user=ana', 'seq=4'] })).toBe(text[2]);
    expect(await filter([tagged], { metadata: ['ok=true'] })).toBe(text[0]);
    expect(await filter([tagged], { metadata: ['tags=["a"]'] })).toBe(text[0]);
    expect(await filter([tagged], { metadata: ['deep.id=x1'] })).toBe(text[0] + text[1]);
    expect(await filter([tagged], { metadata: ['nothing=null'] })).toBe(text[2]);
    expect(await filter([tagged], { metadata: ['user='] })).toBe('');
  });

  it('bytes are kept: escapes, non-ASCII, and a line that spells its type with an escape', async () => {
    const file = path.join(tempDir(), 'odd.jsonl');
    const lines = [
      '{"event_type":"tool_call_failure","timestamp":"2025-06-15T14:30:00.000000+00:00","metadata":{"note":"caf\u00e9 \\u00e9 \\"q\\" 😀"}}',
      '{"event_type":"tool\\u005fcall_failure","metadata":{}}',
      '{ "event_type" : "tool_call_failure" }',
      '{"event_type":"turn_start","metadata":{"x":"\\"event_type\\":\\"tool_call_failure\\""}}',
      '{"event_type":"turn_start","metadata":{},"event_type":"tool_call_failure"}',
      '{"event_type":"tool_call_failure","metadata":{},"event_type":"turn_start"}',
    ];
    fs.writeFileSync(file, lines.map((line) => `${line}\n`).join(''));
    expect(await filter([file], { types: ['tool_call_failure'] })).toBe(pick(lines, 1, 2, 3, 5));
  });

  it('--count, a rotated set from its base path, and stdin', async () => {
    const { file, lines } = await trail();
    const base = path.join(tempDir(), 'audit.jsonl');
    writeRotatedSet(lines, base, 6, 12);
    const count = await runBin(['filter', '--type', 'tool_call_attempt,tool_call_complete', '--count', base]);
    expect(count).toStrictEqual({ code: 0, stdout: '7\n', stderr: '' });
    const run = await runBin(['filter', '--agent', 'coder', '--tool', 'run_tests', base]);
    expect(run.stdout).toBe(pick(lines, 11, 12, 13, 14));
    const piped = await runBin(['filter', '--type=error'], { input: fs.readFileSync(file) });
    expect(piped.stdout).toBe(pick(lines, 15));
  });

  it('errors: a bad criterion names the option; a line that is not a record names its file and line (exit 2)', async () => {
    const { file } = await trail();
    expect(await runBin(['filter', '--severity', 'fatal', file])).toStrictEqual({
      code: 2,
      stdout: '',
      stderr: 'calute-audit: --severity "fatal": expected info, warning, error\n',
    });
    expect((await runBin(['filter', '--since', 'yesterday', file])).stderr).toBe(
      'calute-audit: --since "yesterday": expected an ISO 8601 time such as 2025-06-15T14:30:00Z or 2025-06-15\n',
    );
    expect((await runBin(['filter', '--meta', 'novalue', file])).stderr).toBe(
      'calute-audit: --meta "novalue": expected key=value\n',
    );
    expect((await runBin(['filter', '--colour', file])).stderr).toMatch(
      /^calute-audit: filter: Unknown option '--colour'.*\(calute-audit filter --help\)\n$/,
    );
    const bad = path.join(tempDir(), 'bad.jsonl');
    fs.writeFileSync(bad, `${fs.readFileSync(file, 'utf8')}not json at all\n`);
    const run = await runBin(['filter', '--agent', 'coder', bad]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(`^calute-audit: ${bad}:18: not an audit record: not JSON \\(.+\\)\\n$`),
    );
  });
});
