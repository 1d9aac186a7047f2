/**
 * Records built the reference's way are byte-identical to the reference's: for each of its
 * fifteen event types (and the base class), the line a constructor, a sink or the emitter
 * (default options, the reference's arguments) writes is exactly `JSON.stringify` of the
 * record the reference's table describes (test/support/reference-tables.ts, transcribed by
 * hand, not the package's own table). The package's added fields (`tool_call_id`, a
 * failure's `duration_ms`) appear only when given, at their place in the table.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AuditEmitter,
  type AuditEvent,
  EVENT_CLASSES,
  JSONLSinkCollector,
  ThreadedJSONLSinkCollector,
} from 'calute-audit';
import { describe, expect, it } from 'vitest';
import {
  REFERENCE_CLASSES,
  type ReferenceClass,
  referenceKeys,
  TIMESTAMP_FORMAT,
} from './support/reference-tables.js';
import { useTempDir } from './support/temp-files.js';
import { readLines } from './support/threaded-sink-kit.js';

const TIMESTAMP = '2025-06-15T14:30:00.123456+00:00';
/** Text a JSON writer can get wrong: quotes, backslashes, control characters, every UTF-8 width, U+2028. */
const AWKWARD = 'quote " backslash \\ newline \n tab \t nul \u0000 é ß 中文 😀 👩‍👩‍👧 \u2028 end';
const METADATA = { step: 3, tags: ['a', 'é'], nested: { ok: true, ratio: 0.25, none: null, big: 1e21 } };

/** The reference's record, from its table: envelope, then its fields (given or default) in its order. */
function referenceRecord(
  entry: ReferenceClass,
  envelope: { timestamp: string; agentId?: string | null; turnId?: string | null; sessionId?: string | null },
  fields: Record<string, unknown> = {},
  metadata: Record<string, unknown> = {},
): Record<string, unknown> {
  const record: Record<string, unknown> = {
    event_type: entry.eventType,
    timestamp: envelope.timestamp,
    agent_id: envelope.agentId ?? null,
    turn_id: envelope.turnId ?? null,
    session_id: envelope.sessionId ?? null,
    severity: entry.severity,
    metadata,
  };
  for (const field of entry.fields)
    record[field.key] = field.key in fields ? fields[field.key] : field.default;
  return record;
}

/** A value of the field's type other than the default; strings are awkward text. */
function sampleOf(field: ReferenceClass['fields'][number]): unknown {
  return typeof field.sample === 'string' ? `${field.sample} ${AWKWARD}` : field.sample;
}

const ENVELOPE = { timestamp: TIMESTAMP, agentId: 'agent-ü', turnId: '3f9a1c07b2e4', sessionId: 'sess-😀' };

/** Per reference class: the event from the constructor with every field given, and its reference line. */
function everyClassWithSamples(): { event: AuditEvent; line: string }[] {
  return REFERENCE_CLASSES.map((entry) => {
    const options: Record<string, unknown> = { ...ENVELOPE, metadata: structuredClone(METADATA) };
    const fields: Record<string, unknown> = {};
    for (const field of entry.fields) {
      options[field.prop] = sampleOf(field);
      fields[field.key] = sampleOf(field);
    }
    return {
      event: new entry.cls(options),
      line: JSON.stringify(referenceRecord(entry, ENVELOPE, fields, METADATA)),
    };
  });
}

describe('constructors: the reference record, byte for byte', () => {
  for (const entry of REFERENCE_CLASSES) {
    it(`new ${entry.name}({ timestamp }): every default, byte-identical to the reference record`, () => {
      const event = new entry.cls({ timestamp: TIMESTAMP });
      expect(event.serialize()).toBe(JSON.stringify(referenceRecord(entry, { timestamp: TIMESTAMP })));
    });

    it(`new ${entry.name}(every reference option, awkward text): byte-identical to the reference record`, () => {
      const { event, line } = everyClassWithSamples().find(
        ({ event }) => event.eventType === entry.eventType,
      )!;
      expect(event.serialize()).toBe(line);
      expect(Object.keys(JSON.parse(line))).toStrictEqual(referenceKeys(entry));
    });
  }
});

describe('sinks: each file is the reference records, line for line', () => {
  const tempDir = useTempDir();

  it('JSONLSinkCollector and ThreadedJSONLSinkCollector: the 16 reference lines, in order, nothing else', () => {
    const dir = tempDir();
    const cases = everyClassWithSamples();
    const expected = `${cases.map(({ line }) => line).join('\n')}\n`;

    const syncFile = path.join(dir, 'sync.jsonl');
    const sync = new JSONLSinkCollector(syncFile);
    for (const { event } of cases) sync.emit(event);
    sync.close();

    const threadedFile = path.join(dir, 'threaded.jsonl');
    const threaded = new ThreadedJSONLSinkCollector(threadedFile);
    for (const { event } of cases) threaded.emit(event);
    threaded.close();

    expect(cases).toHaveLength(16);
    expect(fs.readFileSync(syncFile, 'utf8')).toBe(expected);
    expect(fs.readFileSync(threadedFile, 'utf8')).toBe(expected);
  });
});

interface EmitterCase {
  method: string;
  eventType: string;
  /** The reference's argument names. */
  args: Record<string, unknown>;
  /** The record's own fields the reference writes for them (by key); the rest are its defaults. */
  fields: Record<string, unknown>;
}

const LONG_PROMPT = `${'Summarize 😀 the report. '.repeat(14)}`;
/** The reference's preview: the first 200 characters (code points), nothing marked. */
const first200 = (text: string) => Array.from(text).slice(0, 200).join('');

const EMITTER_CASES: EmitterCase[] = [
  {
    method: 'emitTurnStart',
    eventType: 'turn_start',
    args: { prompt: LONG_PROMPT },
    fields: { prompt_preview: first200(LONG_PROMPT) },
  },
  {
    method: 'emitTurnEnd',
    eventType: 'turn_end',
    args: { content: AWKWARD, fcCount: 2 },
    fields: { content_preview: AWKWARD, function_calls_count: 2 },
  },
  {
    method: 'emitToolCallAttempt',
    eventType: 'tool_call_attempt',
    args: { toolName: 'web_search', args: '{"query": "costs"}' },
    fields: { tool_name: 'web_search', arguments_preview: '{"query": "costs"}' },
  },
  {
    method: 'emitToolCallComplete',
    eventType: 'tool_call_complete',
    args: { toolName: 'web_search', durationMs: 142.5, result: AWKWARD },
    fields: { tool_name: 'web_search', duration_ms: 142.5, result_preview: AWKWARD },
  },
  {
    method: 'emitToolCallFailure',
    eventType: 'tool_call_failure',
    args: { toolName: 'web_search', errorType: 'TimeoutError', errorMsg: AWKWARD },
    fields: { tool_name: 'web_search', error_type: 'TimeoutError', error_message: AWKWARD },
  },
  {
    method: 'emitToolPolicyDecision',
    eventType: 'tool_policy_decision',
    args: { toolName: 'shell', action: 'deny', source: 'org-policy' },
    fields: { tool_name: 'shell', action: 'deny', policy_source: 'org-policy' },
  },
  {
    method: 'emitSandboxDecision',
    eventType: 'sandbox_decision',
    args: { toolName: 'shell', context: 'untrusted', reason: 'writes files', backendType: 'docker' },
    fields: { tool_name: 'shell', context: 'untrusted', reason: 'writes files', backend_type: 'docker' },
  },
  {
    method: 'emitToolLoopWarning',
    eventType: 'tool_loop_warning',
    args: { toolName: 'search', pattern: 'same-args', severity: 'high', count: 5 },
    fields: { tool_name: 'search', pattern: 'same-args', severity_level: 'high', call_count: 5 },
  },
  {
    method: 'emitToolLoopBlock',
    eventType: 'tool_loop_block',
    args: { toolName: 'search', pattern: 'same-args', count: 9 },
    fields: { tool_name: 'search', pattern: 'same-args', call_count: 9 },
  },
  {
    method: 'emitHookMutation',
    eventType: 'hook_mutation',
    args: { hookName: 'redact', toolName: 'search', field: 'query' },
    fields: { hook_name: 'redact', tool_name: 'search', mutated_field: 'query' },
  },
  {
    method: 'emitError',
    eventType: 'error',
    args: { errorType: 'ValueError', errorMsg: AWKWARD, context: 'parsing' },
    fields: { error_type: 'ValueError', error_message: AWKWARD, error_context: 'parsing' },
  },
  {
    method: 'emitSkillUsed',
    eventType: 'skill_used',
    args: { skillName: 'summarize', version: '1.2.0', outcome: 'success', durationMs: 40.25 },
    fields: { skill_name: 'summarize', version: '1.2.0', outcome: 'success', duration_ms: 40.25 },
  },
  {
    method: 'emitSkillAuthored',
    eventType: 'skill_authored',
    args: { skillName: 'summarize', toolCount: 2, uniqueTools: ['read', 'search'], confirmedByUser: true },
    fields: {
      skill_name: 'summarize',
      tool_count: 2,
      unique_tools: ['read', 'search'],
      confirmed_by_user: true,
    },
  },
  {
    method: 'emitSkillFeedback',
    eventType: 'skill_feedback',
    args: { skillName: 'summarize', rating: 'positive', reason: 'concise' },
    fields: { skill_name: 'summarize', rating: 'positive', reason: 'concise' },
  },
  {
    method: 'emitAgentSwitch',
    eventType: 'agent_switch',
    args: { fromAgent: 'planner', toAgent: 'coder', reason: 'needs code' },
    fields: { from_agent: 'planner', to_agent: 'coder', reason: 'needs code' },
  },
];

type Emit = (args: Record<string, unknown>) => unknown;

describe('AuditEmitter, default options, the reference arguments: the reference records on disk', () => {
  const tempDir = useTempDir();

  it('the fifteen emit methods: each line is the reference record, byte for byte (its own timestamp and turn id)', () => {
    expect(new Set(EMITTER_CASES.map((entry) => entry.eventType)).size).toBe(15);
    const file = path.join(tempDir(), 'emitter.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file);
    const audit = new AuditEmitter({ collector: sink, sessionId: 'sess-01' });
    const turnId = (audit.emitTurnStart as Emit)({ agentId: 'agent-1', ...EMITTER_CASES[0].args }) as string;
    for (const entry of EMITTER_CASES.slice(1)) {
      const method = (audit as unknown as Record<string, Emit>)[entry.method].bind(audit);
      method({ agentId: 'agent-1', turnId, ...entry.args });
    }
    sink.close();

    const lines = readLines(file);
    expect(lines).toHaveLength(15);
    for (const [index, entry] of EMITTER_CASES.entries()) {
      const reference = REFERENCE_CLASSES.find((candidate) => candidate.eventType === entry.eventType)!;
      const { timestamp } = JSON.parse(lines[index]) as { timestamp: string };
      expect(timestamp).toMatch(TIMESTAMP_FORMAT);
      const expected = referenceRecord(
        reference,
        { timestamp, agentId: 'agent-1', turnId, sessionId: 'sess-01' },
        entry.fields,
      );
      expect(lines[index], entry.method).toBe(JSON.stringify(expected));
    }
  });

  it('the reference fixture turn, emitted the reference way through the offloaded sink: its bytes, timestamps aside', () => {
    const fixturePath = fileURLToPath(
      new URL('./fixtures/reference/agent-turn-events.json', import.meta.url),
    );
    const fixture = JSON.parse(fs.readFileSync(fixturePath, 'utf8')) as Record<string, any>[];
    const file = path.join(tempDir(), 'fixture.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file);
    const audit = new AuditEmitter({ collector: sink, sessionId: fixture[0].session_id });
    const context = { agentId: fixture[0].agent_id, turnId: fixture[0].turn_id };
    const [start, attempt, complete, end] = fixture;
    audit.emitTurnStart({ ...context, prompt: start.prompt_preview });
    audit.emitToolCallAttempt({ ...context, toolName: attempt.tool_name, args: attempt.arguments_preview });
    audit.emitToolCallComplete({
      ...context,
      toolName: complete.tool_name,
      durationMs: complete.duration_ms,
      result: complete.result_preview,
    });
    audit.emitTurnEnd({ ...context, content: end.content_preview, fcCount: end.function_calls_count });
    sink.close();
    const lines = readLines(file);
    expect(lines).toHaveLength(4);
    for (const [index, line] of lines.entries()) {
      const { timestamp } = JSON.parse(line) as { timestamp: string };
      expect(line).toBe(JSON.stringify({ ...fixture[index], timestamp }));
    }
  });
});

/** A value for an added field, by its kind. */
const ADDED_SAMPLES: Record<string, unknown> = { string: 'call-7', number: 12.5 };

describe("the package's added fields: only when given, at their place in the table", () => {
  const withAdded = REFERENCE_CLASSES.flatMap((entry) => {
    const cls = EVENT_CLASSES[entry.eventType as keyof typeof EVENT_CLASSES];
    return cls === undefined ? [] : [{ entry, added: cls.fields.filter((field) => field.optional), cls }];
  }).filter(({ added }) => added.length > 0);

  it('the reference types that have added fields: tool_call_id on five, duration_ms on the failure', () => {
    expect(
      Object.fromEntries(withAdded.map(({ entry, added }) => [entry.eventType, added.map((f) => f.key)])),
    ).toStrictEqual({
      tool_call_attempt: ['tool_call_id'],
      tool_call_complete: ['tool_call_id'],
      tool_call_failure: ['tool_call_id', 'duration_ms'],
      tool_policy_decision: ['tool_call_id'],
      sandbox_decision: ['tool_call_id'],
    });
  });

  for (const { entry, added, cls } of withAdded) {
    for (const field of added) {
      it(`new ${entry.name}({ ${field.prop} }): "${field.key}" in its place; without it, the reference bytes`, () => {
        const base: Record<string, unknown> = { timestamp: TIMESTAMP };
        for (const reference of entry.fields) base[reference.prop] = reference.sample;
        const referenceLine = JSON.stringify(
          referenceRecord(
            entry,
            { timestamp: TIMESTAMP },
            Object.fromEntries(entry.fields.map((reference) => [reference.key, reference.sample])),
          ),
        );
        for (const absent of [undefined, null]) {
          expect(new entry.cls({ ...base, [field.prop]: absent }).serialize()).toBe(referenceLine);
        }
        const value = ADDED_SAMPLES[field.kind];
        const record = JSON.parse(new entry.cls({ ...base, [field.prop]: value }).serialize());
        expect(record[field.key]).toBe(value);
        // In the table's order: the reference's keys, with this one where the table puts it.
        expect(Object.keys(record)).toStrictEqual([
          'event_type',
          'timestamp',
          'agent_id',
          'turn_id',
          'session_id',
          'severity',
          'metadata',
          ...cls.fields.filter((other) => !other.optional || other === field).map((other) => other.key),
        ]);
        delete record[field.key];
        expect(JSON.stringify(record)).toBe(referenceLine);
      });
    }
  }

  it('AuditEmitter (default options): no tool_call_id and no failure duration_ms unless passed', () => {
    const lines: string[] = [];
    const audit = new AuditEmitter({
      collector: new JSONLSinkCollector({ write: (line) => lines.push(line) }),
    });
    expect(audit.emitToolCallAttempt({ toolName: 't', timestamp: TIMESTAMP })).toBeNull();
    audit.emitToolCallFailure({ toolName: 't', errorType: 'E', timestamp: TIMESTAMP });
    audit.emitToolCallFailure({
      toolName: 't',
      errorType: 'E',
      durationMs: 3,
      toolCallId: 'c-1',
      timestamp: TIMESTAMP,
    });
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(Object.keys(records[0])).not.toContain('tool_call_id');
    expect(Object.keys(records[1])).not.toContain('tool_call_id');
    expect(Object.keys(records[1])).not.toContain('duration_ms');
    expect(Object.keys(records[2]).slice(-2)).toStrictEqual(['tool_call_id', 'duration_ms']);
    expect(records[2]).toMatchObject({ tool_call_id: 'c-1', duration_ms: 3 });
  });
});
