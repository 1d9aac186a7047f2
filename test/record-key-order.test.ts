import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  AuditEmitter,
  type AuditEvent,
  InMemoryCollector,
  ToolCallAttemptEvent,
  ToolCallCompleteEvent,
  TurnEndEvent,
  TurnStartEvent,
} from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { REFERENCE_CLASSES, referenceKeys } from './support/reference-tables.js';

// Records made by the Python reference (see test/fixtures/reference/README.md).
const fixturePath = fileURLToPath(new URL('./fixtures/reference/agent-turn-events.json', import.meta.url));
const fixture = JSON.parse(fs.readFileSync(fixturePath, 'utf8')) as Record<string, unknown>[];

describe('toDict(): keys in the reference order', () => {
  for (const entry of REFERENCE_CLASSES) {
    it(`${entry.name}.toDict(): envelope keys, then ${entry.fields.length} own keys in declaration order`, () => {
      const event = new entry.cls({ agentId: 'a', severity: 'error' });
      expect(Object.keys(event.toDict())).toStrictEqual(referenceKeys(entry));
    });

    it(`${entry.name}: toDict(), toJSON(), serialize() and JSON.stringify(event) agree`, () => {
      const options: Record<string, unknown> = { agentId: 'a1', turnId: 't1', metadata: { z: 1, a: [2] } };
      for (const field of entry.fields) options[field.prop] = field.sample;
      const event = new entry.cls(options);
      const record = event.toDict();
      expect(event.toJSON()).toStrictEqual(record);
      const text = event.serialize();
      expect(text).toBe(JSON.stringify(record));
      expect(JSON.stringify(event)).toBe(text);
      expect(text).not.toContain('\n');
      expect(text).not.toMatch(/[:,] /); // compact
      expect(Object.keys(JSON.parse(text))).toStrictEqual(referenceKeys(entry));
      expect(JSON.parse(text)).toStrictEqual(record);
    });
  }

  it('toDict(): a new object per call, so changing it leaves the event alone', () => {
    const event = new TurnStartEvent({ promptPreview: 'p', metadata: { a: 1 } });
    const first = event.toDict();
    first.prompt_preview = 'changed';
    (first.metadata as Record<string, unknown>).a = 2;
    expect(event.promptPreview).toBe('p');
    expect(event.metadata).toStrictEqual({ a: 1 });
    expect(event.toDict()).not.toBe(first);
    expect(event.toDict().prompt_preview).toBe('p');
  });

  it('serialize(): reads the properties as they are now, not as they were at construction', () => {
    const event = new ToolCallAttemptEvent({ toolName: 'before' });
    event.serialize();
    event.toolName = 'after';
    event.agentId = 'a9';
    event.metadata.late = true;
    const parsed = JSON.parse(event.serialize());
    expect(parsed.tool_name).toBe('after');
    expect(parsed.agent_id).toBe('a9');
    expect(parsed.metadata).toStrictEqual({ late: true });
    expect(event.toDict()).toStrictEqual(parsed);
  });

  it("a user's undeclared subclass of an event class: refused by its constructor, never written as its parent", () => {
    class TaggedTurnStart extends TurnStartEvent {}
    expect(() => new TaggedTurnStart({ promptPreview: 'x' })).toThrow(
      'TaggedTurnStart extends an event class but is not declared',
    );
  });
});

describe('reference fixture (agent-turn-events.json, made by the Python reference)', () => {
  const [turnStart, attempt, complete, turnEnd] = fixture as Record<string, any>[];
  const envelope = (record: Record<string, any>) => ({
    timestamp: record.timestamp,
    agentId: record.agent_id,
    turnId: record.turn_id,
    sessionId: record.session_id,
  });
  const built: AuditEvent[] = [
    new TurnStartEvent({ ...envelope(turnStart), promptPreview: turnStart.prompt_preview }),
    new ToolCallAttemptEvent({
      ...envelope(attempt),
      toolName: attempt.tool_name,
      argumentsPreview: attempt.arguments_preview,
    }),
    new ToolCallCompleteEvent({
      ...envelope(complete),
      toolName: complete.tool_name,
      status: complete.status,
      durationMs: complete.duration_ms,
      resultPreview: complete.result_preview,
    }),
    new TurnEndEvent({
      ...envelope(turnEnd),
      contentPreview: turnEnd.content_preview,
      functionCallsCount: turnEnd.function_calls_count,
    }),
  ];

  it('holds four records', () => {
    expect(fixture.map((record) => record.event_type)).toStrictEqual([
      'turn_start',
      'tool_call_attempt',
      'tool_call_complete',
      'turn_end',
    ]);
  });

  for (const [index, event] of built.entries()) {
    it(`${event.constructor.name}.toDict(): deep-equal to fixture record ${index}, same key order`, () => {
      const record = event.toDict();
      expect(record).toStrictEqual(fixture[index]);
      expect(Object.keys(record)).toStrictEqual(Object.keys(fixture[index]));
    });

    it(`${event.constructor.name}.serialize(): the compact JSON of fixture record ${index}`, () => {
      expect(event.serialize()).toBe(JSON.stringify(fixture[index]));
    });
  }

  it('AuditEmitter with the same arguments: the same records, the timestamp aside', () => {
    const collector = new InMemoryCollector();
    const emitter = new AuditEmitter({ collector, sessionId: 'sess-01' });
    const context = { agentId: 'agent-1', turnId: '3f9a1c07b2e4' };
    emitter.emitTurnStart({ ...context, prompt: turnStart.prompt_preview });
    emitter.emitToolCallAttempt({ ...context, toolName: 'web_search', args: attempt.arguments_preview });
    emitter.emitToolCallComplete({
      ...context,
      toolName: 'web_search',
      durationMs: 142.5,
      result: complete.result_preview,
    });
    emitter.emitTurnEnd({ ...context, content: turnEnd.content_preview, fcCount: 1 });
    const records = collector.getEvents().map((event) => ({ ...event.toDict(), timestamp: 'fixed' }));
    const expected = fixture.map((record) => ({ ...record, timestamp: 'fixed' }));
    expect(records).toStrictEqual(expected);
    expect(records.map((record) => Object.keys(record))).toStrictEqual(
      fixture.map((record) => Object.keys(record)),
    );
  });
});
