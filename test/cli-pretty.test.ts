/**
 * `calute-audit pretty`: one line per record, exact text, indented under its turn; the same
 * output from a rotated, partly gzipped set as from one file; colors only when wanted; a
 * torn last line is skipped with a warning naming it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makePalette, prettyTrail, resolveSources } from 'calute-audit/cli';
import { describe, expect, it } from 'vitest';
import { runBin } from './support/cli-run.js';
import { writeAgentTrail, writeRotatedSet } from './support/cli-trails.js';
import { useTempDir } from './support/temp-files.js';

const tempDir = useTempDir('calute-audit-cli-pretty-');

const EXPECTED = `14:30:00.000  turn_start              planner   t-0001        prompt_preview="Plan the trip to Lisbon"
14:30:01.000    model_call            planner   t-0001        provider="openai"  gpt-4o  operation="chat"  input_tokens=1200  output_tokens=300  800.0 ms  finish_reason="tool_calls"  response_model="gpt-4o-2024-08-06"  cached_input_tokens=100
14:30:02.000    tool_call_attempt     planner   t-0001        web_search  arguments_preview="{\\"q\\":\\"flights\\"}"  tool_call_id="call-1"
14:30:03.000    tool_call_attempt     planner   t-0001        calculator  arguments_preview="2+2"  tool_call_id="call-2"
14:30:04.000    tool_call_complete    planner   t-0001        calculator  status="success"  1.5 ms  result_preview="4"  tool_call_id="call-2"
14:30:05.000    tool_call_complete    planner   t-0001        web_search  status="success"  120.0 ms  result_preview="found 3 flights"  tool_call_id="call-1"
14:30:06.000  turn_end                planner   t-0001        content_preview="Booked TAP 123"  function_calls_count=2
14:30:07.000  events_dropped          -         -             dropped_events=7  dropped_bytes=2100
14:30:08.000  turn_start              coder     t-0002        prompt_preview="Write the script"
14:30:09.000    tool_policy_decision  coder     t-0002        shell  action="deny"  policy_source="org-policy"
14:30:10.000    tool_call_attempt     coder     t-0002        run_tests  arguments_preview="npm test"
14:30:11.000    tool_call_attempt     coder     t-0002        run_tests  arguments_preview="npm test -- --watch"
14:30:12.000    tool_call_failure     coder     t-0002        run_tests  error_type="TimeoutError"  error_message="took too long"  1.50 s
14:30:13.000    tool_call_complete    coder     t-0002        run_tests  status="success"  900.0 ms  result_preview="ok"
14:30:14.000    error                 coder     t-0002        error_type="ValueError"  error_message="bad plan"  error_context="step 3"
14:30:15.000  turn_end                coder     t-0002        content_preview="Done"  function_calls_count=2
14:30:16.000  agent_switch            planner   -             from_agent="planner"  to_agent="coder"  reason="handoff"
`;

async function pretty(inputs: string[], color = false): Promise<string> {
  const chunks: Buffer[] = [];
  const { Writable } = await import('node:stream');
  const out = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  await prettyTrail(resolveSources(inputs), out, { palette: makePalette(color) });
  return Buffer.concat(chunks).toString('utf8');
}

describe('pretty', () => {
  it('a trail from two producers (main thread and a worker): one line per record, in order, records of a turn indented', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    await writeAgentTrail(file);
    expect(await pretty([file])).toBe(EXPECTED);
  });

  it('a rotated set (gzipped, plain, active) read from its base path prints the same lines', async () => {
    const dir = tempDir();
    const whole = path.join(dir, 'whole.jsonl');
    await writeAgentTrail(whole);
    const lines = fs.readFileSync(whole, 'utf8').trimEnd().split('\n');
    const base = path.join(dir, 'audit.jsonl');
    const files = writeRotatedSet(lines, base, 5, 11);
    expect(resolveSources([base]).map((source) => source.path)).toStrictEqual(files);
    expect(await pretty([base])).toBe(EXPECTED);
  });

  it('colors: the failure and the error in red, warnings in yellow, only when asked', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    await writeAgentTrail(file);
    const colored = (await pretty([file], true)).split('\n');
    expect(colored[12]).toContain('\x1b[31mtool_call_failure\x1b[39m');
    expect(colored[14]).toContain('\x1b[31merror');
    expect(colored[7]).toContain('\x1b[33mevents_dropped');
    // Without escape codes it is the plain text.
    expect(colored.join('\n').replace(/\x1b\[\d+m/g, '')).toBe(EXPECTED);
    // The command: a pipe is not a terminal, and NO_COLOR / --no-color win over --color.
    expect((await runBin(['pretty', file])).stdout).toBe(EXPECTED);
    expect((await runBin(['pretty', '--color', file])).stdout).toContain('\x1b[31m');
    expect((await runBin(['pretty', '--no-color', file], { env: { FORCE_COLOR: '1' } })).stdout).toBe(
      EXPECTED,
    );
    expect((await runBin(['pretty', file], { env: { NO_COLOR: '1', FORCE_COLOR: '1' } })).stdout).toBe(
      EXPECTED,
    );
  });

  it('a torn last line is skipped and named on stderr; exit 0', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    await writeAgentTrail(file);
    fs.appendFileSync(file, '{"event_type":"turn_start","timestamp":"2025-06-15T14:30:1');
    const run = await runBin(['pretty', file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(EXPECTED);
    expect(run.stderr).toBe(
      `calute-audit: warning: ${file}:18: torn last line (58 bytes with no newline, a write cut short), skipped\n`,
    );
  });

  it('stdin: records piped in, gzipped or not', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    await writeAgentTrail(file);
    const bytes = fs.readFileSync(file);
    expect((await runBin(['pretty'], { input: bytes })).stdout).toBe(EXPECTED);
    const { gzipSync } = await import('node:zlib');
    expect((await runBin(['pretty', '-'], { input: gzipSync(bytes) })).stdout).toBe(EXPECTED);
  });
});
