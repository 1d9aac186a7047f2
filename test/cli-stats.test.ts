/**
 * `calute-audit stats`: exact text and JSON on the two-producer trail (drop mark, model
 * call, failures); a rotated set and a torn line; and the figures read from the bytes
 * equal the figures of a full JSON.parse of every line, on generated trails.
 * Reproduce a failure of the property with CLI_STATS_SEED=<the printed seed>.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EVENT_CLASSES } from 'calute-audit';
import { compileFieldReader, resolveSources, trailStats } from 'calute-audit/cli';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runBin } from './support/cli-run.js';
import { writeAgentTrail, writeRotatedSet } from './support/cli-trails.js';
import { useTempDir } from './support/temp-files.js';
import { seedFrom } from './support/threaded-sink-kit.js';

const tempDir = useTempDir('calute-audit-cli-stats-');

const TEXT = `1 source, 17 records, 4.20 KB, 2025-06-15T14:30:00.000000+00:00 → 2025-06-15T14:30:16.000000+00:00
sessions 1  turns 2 started, 2 ended  dropped 7 events (1 mark)  torn lines 0
dropped: 7 events (2.10 KB) were lost in 'drop' mode

type                  records
tool_call_attempt           4
tool_call_complete          3
turn_end                    2
turn_start                  2
agent_switch                1
error                       1
events_dropped              1
model_call                  1
tool_call_failure           1
tool_policy_decision        1

severity  records
info           14
error           2
warning         1

agent    records
coder          8
planner        8
(none)         1

session  records  turns
s-1           16      2
(none)         1      0

tool        records  attempts  completed  failed  failure rate       p50       p95       p99       max
run_tests         4         2          1       1         50.0%  900.0 ms    1.50 s    1.50 s    1.50 s
calculator        2         1          1       0          0.0%    1.5 ms    1.5 ms    1.5 ms    1.5 ms
web_search        2         1          1       0          0.0%  120.0 ms  120.0 ms  120.0 ms  120.0 ms
shell             1         0          0       0             -         -         -         -         -

model          calls  input tokens  output tokens       p50       p95       p99
openai/gpt-4o      1         1,200            300  800.0 ms  800.0 ms  800.0 ms
`;

describe('stats', () => {
  it('text: counts by type, severity, agent, session; tools with failure rates and percentiles; models; the drop mark', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    await writeAgentTrail(file);
    expect(await runBin(['stats', file])).toStrictEqual({ code: 0, stdout: TEXT, stderr: '' });
  });

  it('--json: the same figures for machines', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    await writeAgentTrail(file);
    const stats = JSON.parse((await runBin(['stats', '--json', file])).stdout);
    expect(stats).toMatchObject({
      sources: [file],
      bytes: fs.statSync(file).size,
      records: 17,
      blankLines: 0,
      tornLines: [],
      turns: { started: 2, ended: 2 },
      dropped: { marks: 1, events: 7, bytes: 2100 },
      sessions: [
        { session: 's-1', records: 16, turns: 2 },
        { session: null, records: 1, turns: 0 },
      ],
      agents: [
        { agent: 'coder', records: 8 },
        { agent: 'planner', records: 8 },
        { agent: null, records: 1 },
      ],
    });
    expect(stats.tools[0]).toStrictEqual({
      tool: 'run_tests',
      records: 4,
      attempts: 2,
      completed: 1,
      failed: 1,
      failureRate: 0.5,
      durationMs: {
        count: 2,
        min: 900,
        max: 1500,
        mean: 1200,
        p50: 900,
        p95: 1500,
        p99: 1500,
        approximate: false,
      },
    });
    expect(stats.models).toStrictEqual([
      {
        model: 'gpt-4o',
        provider: 'openai',
        calls: 1,
        inputTokens: 1200,
        outputTokens: 300,
        durationMs: {
          count: 1,
          min: 800,
          max: 800,
          mean: 800,
          p50: 800,
          p95: 800,
          p99: 800,
          approximate: false,
        },
      },
    ]);
  });

  it('a rotated, gzipped set with a torn line at the end of its active file: the same counts, the torn line named', async () => {
    const dir = tempDir();
    const whole = path.join(dir, 'whole.jsonl');
    await writeAgentTrail(whole);
    const lines = fs.readFileSync(whole, 'utf8').trimEnd().split('\n');
    const base = path.join(dir, 'audit.jsonl');
    writeRotatedSet(lines, base, 4, 9);
    fs.appendFileSync(base, '{"event_type":"tool_call_att');
    const run = await runBin(['stats', base]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      `calute-audit: warning: ${base}:9: torn last line (28 bytes with no newline, a write cut short), skipped\n`,
    );
    const [first, second, ...rest] = run.stdout.split('\n');
    expect(first).toBe(
      '3 sources, 17 records, 4.23 KB, 2025-06-15T14:30:00.000000+00:00 → 2025-06-15T14:30:16.000000+00:00',
    );
    expect(second).toBe('sessions 1  turns 2 started, 2 ended  dropped 7 events (1 mark)  torn lines 1');
    expect(rest[0]).toBe(
      `torn: ${base}:9: torn last line (28 bytes with no newline, a write cut short), skipped`,
    );
    expect(rest.slice(1).join('\n')).toBe(TEXT.split('\n').slice(2).join('\n'));
  });

  it('figures read from the bytes equal those of a full JSON.parse of every line (generated trails)', async () => {
    const seed = seedFrom('CLI_STATS_SEED', 'cli-stats-property');
    const dir = tempDir();
    const compactFile = path.join(dir, 'compact.jsonl');
    const spacedFile = path.join(dir, 'spaced.jsonl');
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.constantFrom('"', '\\', 'é😀', ''),
    );
    const types = Object.keys(EVENT_CLASSES).concat(['custom_type']);
    const record = fc
      .record({
        type: fc.constantFrom(...types),
        agent: fc.option(fc.oneof(fc.constantFrom('a1', 'ä2'), text)),
        session: fc.option(fc.constantFrom('s1', 's2')),
        severity: fc.constantFrom('info', 'warning', 'error'),
        tool: fc.oneof(fc.constantFrom('search', 'sh"ell', 'wé'), text),
        duration: fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 10_000 })),
        tokens: fc.integer({ min: 0, max: 100_000 }),
        metadata: fc.dictionary(fc.string(), text, { maxKeys: 2 }),
        id: fc.option(text),
      })
      .map((r) => {
        // The record as the package writes it: envelope, then the type's fields in table order.
        const out: Record<string, unknown> = {
          event_type: r.type,
          timestamp: '2025-06-15T14:30:00.000000+00:00',
          agent_id: r.agent,
          turn_id: null,
          session_id: r.session,
          severity: r.severity,
          metadata: r.metadata,
        };
        const Class = (
          EVENT_CLASSES as Record<
            string,
            { fields: readonly { key: string; kind: string; optional: boolean }[] }
          >
        )[r.type];
        for (const field of Class?.fields ?? [{ key: 'tool_name', kind: 'string', optional: false }]) {
          if (field.optional && r.id === null) continue;
          if (field.key === 'tool_name') out[field.key] = r.tool;
          else if (field.key.endsWith('_ms')) out[field.key] = r.duration;
          else if (field.kind === 'number') out[field.key] = r.tokens;
          else if (field.kind === 'string') out[field.key] = r.id ?? '';
          else if (field.kind === 'boolean') out[field.key] = true;
          else out[field.key] = [];
        }
        return out;
      });
    await fc.assert(
      fc.asyncProperty(fc.array(record, { maxLength: 40 }), async (records) => {
        fs.writeFileSync(compactFile, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
        // A space after `{` takes every line off the fast path: JSON.parse reads them all.
        fs.writeFileSync(spacedFile, records.map((r) => `{ ${JSON.stringify(r).slice(1)}\n`).join(''));
        // Every compact line is read from its bytes (else this test would compare JSON.parse with itself).
        const reader = compileFieldReader(['event_type', 'agent_id', 'tool_name', 'duration_ms']);
        for (const r of records) {
          const bytes = Buffer.from(JSON.stringify(r));
          expect(reader.read(bytes, bytes.toString('latin1'), 0, bytes.length, {}), JSON.stringify(r)).toBe(
            EVENT_CLASSES[r.event_type as keyof typeof EVENT_CLASSES] !== undefined,
          );
        }
        const fast = await trailStats(resolveSources([compactFile]));
        const parsed = await trailStats(resolveSources([spacedFile]));
        expect({ ...fast, sources: [], bytes: 0 }).toStrictEqual({ ...parsed, sources: [], bytes: 0 });
        // And both equal counts made here from the records themselves.
        const byAgent = new Map<unknown, number>();
        const byTool = new Map<unknown, number>();
        for (const r of records) {
          byAgent.set(r.agent_id, (byAgent.get(r.agent_id) ?? 0) + 1);
          if (typeof r.tool_name === 'string') byTool.set(r.tool_name, (byTool.get(r.tool_name) ?? 0) + 1);
        }
        expect(new Map(fast.agents.map((a) => [a.agent, a.records]))).toStrictEqual(byAgent);
        expect(new Map(fast.tools.map((t) => [t.tool, t.records]))).toStrictEqual(byTool);
      }),
      { seed, numRuns: 200 },
    );
  });
});
