/**
 * `calute-audit report`: one self-contained HTML file. Nothing in it is loaded from
 * anywhere (no src/href to another file, a CSP that forbids it), the data it embeds is the
 * trail's and reads back as JSON, and text from the trail cannot close the script element.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type ReportData, resolveSources, writeReport } from 'calute-audit/cli';
import { describe, expect, it } from 'vitest';
import { runBin } from './support/cli-run.js';
import { writeAgentTrail } from './support/cli-trails.js';
import { useTempDir } from './support/temp-files.js';

const tempDir = useTempDir('calute-audit-cli-report-');

function embedded(html: string): ReportData {
  const match = /<script type="application\/json" id="trail-data">([^<]*)<\/script>/.exec(html);
  if (match === null) throw new Error('no embedded data');
  return JSON.parse(match[1]) as ReportData;
}

describe('report: the HTML file', () => {
  it('is self-contained: inline script and styles, a CSP that loads nothing, no reference to another file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'audit.jsonl');
    await writeAgentTrail(file);
    const out = path.join(dir, 'run.html');
    const run = await runBin(['report', file, '-o', out]);
    expect(run).toStrictEqual({
      code: 0,
      stdout: '',
      stderr: `calute-audit: wrote ${out}: 2 sessions, 2 turns, 4 tool calls (1 failed), 1 model call\n`,
    });
    const html = fs.readFileSync(out, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">`,
    );
    expect(html).not.toMatch(/\s(src|href)=/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/@import|url\(/);
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html.match(/<svg class="latency-chart"/g)).toHaveLength(1);
  });

  it('embeds the trail: counts, sessions, turns, calls with times from the first moment, failures with their context', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'audit.jsonl');
    await writeAgentTrail(file);
    const out = path.join(dir, 'r.html');
    await writeReport(resolveSources([file]), out);
    const data = embedded(fs.readFileSync(out, 'utf8'));
    expect(data.counts).toStrictEqual({
      sessions: 2,
      turns: 2,
      toolCalls: 4,
      modelCalls: 1,
      failedToolCalls: 1,
      errors: 1,
    });
    expect(data.origin).toBe('2025-06-15T14:30:00.000000+00:00');
    expect(data.agents).toStrictEqual(['coder', 'planner']);
    expect(data.tools).toStrictEqual(['calculator', 'run_tests', 'web_search']);
    const turn = data.sessions[0].turns[1];
    expect(turn).toMatchObject({ id: 't-0002', agent: 'coder', start: 8000, end: 15000, ended: true });
    expect(turn.items.map((item) => [item.kind, item.name, item.start, item.end, item.state])).toStrictEqual([
      ['note', 'tool_policy_decision', 9000, 9000, 'info'],
      ['tool', 'run_tests', 10000, 12000, 'failed'],
      ['tool', 'run_tests', 11000, 13000, 'ok'],
      ['note', 'error', 14000, 14000, 'failed'],
    ]);
    expect(data.problems.map((p) => [p.kind, p.title, p.message, p.context])).toStrictEqual([
      [
        'events_dropped',
        'events_dropped',
        '',
        [
          ['dropped_events', '7'],
          ['dropped_bytes', '2100'],
        ],
      ],
      [
        'tool_call_failure',
        'run_tests failed: TimeoutError',
        'took too long',
        [
          ['arguments', 'npm test'],
          ['turn prompt', 'Write the script'],
        ],
      ],
      [
        'error',
        'error: ValueError',
        'bad plan',
        [
          ['context', 'step 3'],
          ['turn prompt', 'Write the script'],
        ],
      ],
    ]);
    expect(
      data.latency.map((tool) => [tool.tool, tool.calls, tool.failed, tool.p50, tool.p95]),
    ).toStrictEqual([
      ['run_tests', 2, 1, 900, 1500],
      ['web_search', 1, 0, 120, 120],
      ['calculator', 1, 0, 1.5, 1.5],
    ]);
  });

  it('text from the trail cannot end the data element or inject markup', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'audit.jsonl');
    const hostile = '</script><script>alert(1)</script><!--';
    fs.writeFileSync(
      file,
      `${JSON.stringify({ event_type: 'tool_call_attempt', timestamp: '2025-06-15T14:30:00.000000+00:00', agent_id: hostile, turn_id: 't', session_id: 's', severity: 'info', metadata: {}, tool_name: hostile, arguments_preview: hostile })}\n`,
    );
    const out = path.join(dir, 'r.html');
    await writeReport(resolveSources([file]), out, { title: hostile });
    const html = fs.readFileSync(out, 'utf8');
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html).not.toContain('<!--');
    const data = embedded(html);
    expect(data.title).toBe(hostile);
    expect(data.sessions[0].turns[0].items[0].name).toBe(hostile);
  });

  it('usage: -o is required; a file that cannot be written is named (exit 2)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'audit.jsonl');
    await writeAgentTrail(file);
    expect(await runBin(['report', file])).toStrictEqual({
      code: 2,
      stdout: '',
      stderr: 'calute-audit: report: -o FILE is required (where to write the page)\n',
    });
    expect((await runBin(['report', file, '-o', path.join(dir, 'no', 'such', 'dir.html')])).stderr).toBe(
      `calute-audit: cannot write ${path.join(dir, 'no', 'such', 'dir.html')}: its folder does not exist\n`,
    );
  });
});
