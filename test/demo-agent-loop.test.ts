/**
 * The demo `npm start` runs (examples/agent-loop.mjs), as a child process: the trail it
 * writes (every record, the pool's paired with the agent's by tool_call_id), what it prints,
 * and that it leaves nothing in the temporary directory unless given a path to keep.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { killChildrenAfterEach, startNode } from './support/child-process.js';
import { DEMO_COUNTS, DEMO_POOL_RECORDS, DEMO_RECORDS, expectDemoTrail } from './support/demo-trail.js';
import { useTempDir } from './support/temp-files.js';

const DEMO = fileURLToPath(new URL('../examples/agent-loop.mjs', import.meta.url));

killChildrenAfterEach();
const tempDir = useTempDir('calute-audit-demo-test-');

/** Runs the demo with its temporary directory inside `tmp`; returns its output. */
async function runDemo(tmp: string, args: string[]) {
  const ended = await startNode([DEMO, ...args], { env: { TMPDIR: tmp }, timeoutMs: 45_000 }).ended;
  expect(ended.stderr).toBe('');
  expect(ended.code).toBe(0);
  return ended.stdout;
}

/** Checks the summary every run prints: counts by type, the tree of the last turn, the cost figures. */
function expectSummary(stdout: string) {
  expect(stdout).toContain(
    `${DEMO_RECORDS} records: ${DEMO_RECORDS - DEMO_POOL_RECORDS} from the agent's thread, ${DEMO_POOL_RECORDS} from tools in the piscina pool`,
  );
  expect(stdout).toContain(`sink: ${DEMO_RECORDS} written, 0 dropped, written by the drain worker thread`);
  for (const [type, count] of Object.entries(DEMO_COUNTS)) {
    expect(stdout).toMatch(new RegExp(`^ {2}${type} +${count}$`, 'm'));
  }
  const tree = stdout.slice(stdout.indexOf('The last turn:')).split('\n').slice(1, 8);
  expect(tree[0]).toMatch(/^ {2}turn [0-9a-f]{12} {2}reviewer {2}\d+\.\d\d ms {2}"Turn 4: /);
  expect(tree.slice(1).map((line) => line.replace(/\s+/g, ' ').trim())).toStrictEqual([
    expect.stringMatching(/^├─ chat demo-model \d+\.\d\d ms tool_calls, 4 tool calls$/),
    expect.stringMatching(/^├─ web_search \d+\.\d\d ms success: Found 10 results for quarterly/),
    expect.stringMatching(/^├─ calculator \d+\.\d\d ms success: 216$/),
    '├─ read_file failure: ToolDenied: denied by demo-policy',
    expect.stringMatching(
      /^├─ calculator \d+\.\d\d ms failure: TypeError: not an arithmetic expression: rm -rf \/$/,
    ),
    expect.stringMatching(/^└─ chat demo-model \d+\.\d\d ms stop$/),
  ]);
  const calls = DEMO_RECORDS - DEMO_POOL_RECORDS;
  expect(stdout).toContain(
    `Audit cost on the agent's thread, median per emit call (${calls} calls in this run):`,
  );
  expect(stdout).toMatch(/ThreadedJSONLSinkCollector +\d+\.\d µs, of which \d+\.\d µs in its emit/);
  expect(stdout).toMatch(/JSONLSinkCollector +\d+\.\d µs, of which \d+\.\d µs in its emit/);
}

describe('the demo (examples/agent-loop.mjs)', () => {
  it('with a path: keeps the trail there, every record paired by tool_call_id, prints the commands to look at it', async () => {
    const dir = tempDir();
    const tmp = path.join(dir, 'tmp');
    fs.mkdirSync(tmp);
    const file = path.join(dir, 'demo.jsonl');
    const stdout = await runDemo(tmp, [file]);

    expectDemoTrail(file);
    expect(stdout.split('\n')[0]).toBe(`Audit trail: ${file}`);
    expectSummary(stdout);
    expect(stdout).toContain(
      [
        'Look at it:',
        `  npx calute-audit pretty ${file}`,
        `  npx calute-audit turns ${file}`,
        `  npx calute-audit report ${file} -o run.html`,
      ].join('\n'),
    );
    expect(stdout).not.toContain('To keep the trail');
    // The baseline file and the scratch directory are gone.
    expect(fs.readdirSync(tmp)).toStrictEqual([]);
    expect(fs.readdirSync(dir).sort()).toStrictEqual(['demo.jsonl', 'tmp']);
  });

  it('without a path: writes into a fresh temporary directory, removes it, and says how to keep the file', async () => {
    const tmp = tempDir();
    const stdout = await runDemo(tmp, []);

    const first = stdout.split('\n')[0];
    expect(first).toMatch(
      new RegExp(
        `^Audit trail: ${tmp}/calute-audit-demo-\\w+/audit\\.jsonl \\(a temporary file, removed now\\)$`,
      ),
    );
    expectSummary(stdout);
    expect(stdout).toContain('To keep the trail: npm start -- ./demo.jsonl');
    expect(stdout).not.toContain('npx calute-audit');
    expect(fs.readdirSync(tmp)).toStrictEqual([]);
  });
});
