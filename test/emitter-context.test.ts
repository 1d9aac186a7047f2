/**
 * Context that travels: an emitter bound to an agent, a turn, a session and metadata (the
 * constructor's options, `child()` like pino's child loggers) stamps them on every event;
 * `context` is that binding as plain data, so that a worker thread builds an emitter on the
 * sink's ring (`connectCollector`) whose records carry the same agent, turn, session and
 * metadata.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  AuditEmitter,
  AuditOptionError,
  BUILTIN_EVENTS,
  defineEvent,
  EVENT_CLASSES,
  InMemoryCollector,
  ThreadedJSONLSinkCollector,
  ToolCallAttemptEvent,
} from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-files.js';
import { parseLines, readLines } from './support/threaded-sink-kit.js';

const TIMESTAMP = '2025-06-15T14:30:00.123456+00:00';

type Emit = (args: Record<string, unknown>) => unknown;

/** Calls every emit method of the table once, with its required arguments only. */
function emitEveryMethod(audit: AuditEmitter): string[] {
  const methods: string[] = [];
  for (const [type, entry] of Object.entries(BUILTIN_EVENTS)) {
    if (!('emitter' in entry)) continue;
    const args: Record<string, unknown> = {};
    for (const field of EVENT_CLASSES[type as keyof typeof EVENT_CLASSES].fields) {
      if (field.required) args[field.arg] = 'x';
    }
    (audit as unknown as Record<string, Emit>)[entry.emitter.method].call(audit, args);
    methods.push(entry.emitter.method);
  }
  return methods;
}

function recorder(options: ConstructorParameters<typeof AuditEmitter>[0] & object = {}) {
  const memory = new InMemoryCollector();
  const audit = new AuditEmitter({ ...options, collector: memory });
  return { audit, memory, records: () => memory.getEvents().map((event) => event.toDict()) };
}

describe('AuditEmitter({ agentId, turnId, sessionId, metadata }): bound context on every event', () => {
  it('every emit method of the table: the bound agent, turn, session and metadata', () => {
    const { audit, records } = recorder({
      agentId: 'planner',
      turnId: 't-1',
      sessionId: 's-1',
      metadata: { app: 'trip', tags: ['a'] },
    });
    const methods = emitEveryMethod(audit);
    expect(methods).toHaveLength(16);
    for (const [index, record] of records().entries()) {
      expect(
        [record.agent_id, record.turn_id, record.session_id, record.metadata],
        methods[index],
      ).toStrictEqual(['planner', 't-1', 's-1', { app: 'trip', tags: ['a'] }]);
    }
  });

  it("a call's own agentId, turnId and metadata win over the bound ones (null included); metadata merges", () => {
    const { audit, records } = recorder({
      agentId: 'planner',
      turnId: 't-1',
      metadata: { app: 'trip', step: 1 },
    });
    audit.emitError({ agentId: 'coder', turnId: 't-2', metadata: { step: 2, extra: true } });
    audit.emitError({ agentId: null, turnId: null });
    expect(records().map((r) => [r.agent_id, r.turn_id, r.metadata])).toStrictEqual([
      ['coder', 't-2', { app: 'trip', step: 2, extra: true }],
      [null, null, { app: 'trip', step: 1 }],
    ]);
  });

  it('emitTurnStart on an emitter bound to a turn: that turn, returned; unbound: a new one', () => {
    const { audit } = recorder({ turnId: 'bound-turn' });
    expect(audit.emitTurnStart()).toBe('bound-turn');
    expect(recorder().audit.emitTurnStart()).toMatch(/^[0-9a-f]{12}$/);
  });
});

describe('child(context): an emitter whose events also carry the context', () => {
  it('merges over its parent (metadata key by key), chains, and leaves the parent as it was', () => {
    const { audit, records } = recorder({ sessionId: 's-1', metadata: { app: 'trip', v: 1 } });
    const turn = audit.child({ agentId: 'planner', turnId: 't-1', metadata: { v: 2, step: 'plan' } });
    const nested = turn.child({ sessionId: 's-2', metadata: { depth: 2 } });
    turn.emitError({ timestamp: TIMESTAMP });
    nested.emitError({ timestamp: TIMESTAMP, agentId: 'sub' });
    audit.emitError({ timestamp: TIMESTAMP });
    expect(records().map((r) => [r.agent_id, r.turn_id, r.session_id, r.metadata])).toStrictEqual([
      ['planner', 't-1', 's-1', { app: 'trip', v: 2, step: 'plan' }],
      ['sub', 't-1', 's-2', { app: 'trip', v: 2, step: 'plan', depth: 2 }],
      [null, null, 's-1', { app: 'trip', v: 1 }],
    ]);
  });

  it('shares the collector and settings (previews, redaction, tool call ids)', () => {
    const { audit, memory } = recorder({
      previewLength: 3,
      redact: { paths: ['metadata.key'] },
      toolCallIds: true,
    });
    const child = audit.child({ agentId: 'a' });
    expect(child.collector).toBe(memory);
    const id = child.emitToolCallAttempt({ toolName: 't', args: 'abcdef', metadata: { key: 'secret' } });
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(memory.getEvents()[0].toDict()).toMatchObject({
      agent_id: 'a',
      arguments_preview: 'abc',
      metadata: { key: '[REDACTED]' },
      tool_call_id: id,
    });
  });

  it('takes a copy: changing the object passed to child() afterwards changes nothing', () => {
    const { audit, records } = recorder();
    const given = { agentId: 'a', metadata: { step: 1 } as Record<string, unknown> };
    const child = audit.child(given);
    given.agentId = 'changed';
    given.metadata.step = 2;
    child.emitError();
    expect(records()[0]).toMatchObject({ agent_id: 'a', metadata: { step: 1 } });
  });

  it('emit(event): the agent, turn and session the event leaves null come from the context; set ones stay', () => {
    const { audit, records } = recorder({ sessionId: 's-1' });
    const child = audit.child({ agentId: 'planner', turnId: 't-1', metadata: { bound: true } });
    child.emit(new ToolCallAttemptEvent({ toolName: 'a', metadata: { own: 1 } }));
    child.emit(new ToolCallAttemptEvent({ toolName: 'b', agentId: 'other', sessionId: 's-9' }));
    expect(
      records().map((r) => [r.tool_name, r.agent_id, r.turn_id, r.session_id, r.metadata]),
    ).toStrictEqual([
      // An event built elsewhere keeps its own metadata.
      ['a', 'planner', 't-1', 's-1', { own: 1 }],
      ['b', 'other', 't-1', 's-9', {}],
    ]);
  });

  it('emit(Class, options) of a custom event: the context and merged metadata', () => {
    const NoteEvent = defineEvent({ type: 'note', fields: { text: { kind: 'string' } } });
    const { audit, records } = recorder({ sessionId: 's-1', metadata: { app: 'trip' } });
    audit.child({ agentId: 'planner', turnId: 't-1' }).emit(NoteEvent, { text: 'hi', metadata: { k: 1 } });
    expect(records()[0]).toMatchObject({
      event_type: 'note',
      agent_id: 'planner',
      turn_id: 't-1',
      session_id: 's-1',
      metadata: { app: 'trip', k: 1 },
      text: 'hi',
    });
  });

  const bad: [name: string, call: (audit: AuditEmitter) => unknown, message: string][] = [
    [
      'a snake_case key',
      (audit) => audit.child({ agent_id: 'a' } as never),
      'Invalid option "context.agent_id": expected one of agentId, turnId, sessionId, metadata',
    ],
    [
      'an agentId that is a number',
      (audit) => audit.child({ agentId: 5 as never }),
      'Invalid option "context.agentId": expected a string or null, got 5',
    ],
    [
      'metadata that is an array',
      (audit) => audit.child({ metadata: [] as never }),
      'Invalid option "context.metadata": expected an object',
    ],
    [
      'no object at all',
      (audit) => audit.child(null as never),
      'Invalid option "context": expected an object',
    ],
    [
      'a constructor turnId that is a number',
      () => new AuditEmitter({ turnId: 7 as never }),
      'Invalid option "turnId": expected a string or null, got 7',
    ],
  ];
  for (const [name, call, message] of bad) {
    it(`${name}: AuditOptionError naming it`, () => {
      const { audit } = recorder();
      expect(() => call(audit)).toThrow(AuditOptionError);
      expect(() => call(audit)).toThrow(message);
    });
  }
});

describe('context: plain data for another thread', () => {
  const tempDir = useTempDir();

  it('context is a copy of the binding, as plain data (structuredClone keeps it whole)', () => {
    const { audit, records } = recorder({ sessionId: 's-1' });
    expect(audit.context).toStrictEqual({ agentId: null, turnId: null, sessionId: 's-1', metadata: null });
    const child = audit.child({ agentId: 'a', turnId: 't', metadata: { m: 1 } });
    const context = child.context;
    expect(structuredClone(context)).toStrictEqual({
      agentId: 'a',
      turnId: 't',
      sessionId: 's-1',
      metadata: { m: 1 },
    });
    context.agentId = 'changed';
    context.metadata!.m = 2;
    child.emitError();
    expect(records()[0]).toMatchObject({ agent_id: 'a', metadata: { m: 1 } });
  });

  it('sent to a worker thread: its emitter on connectCollector(handle) stamps the same agent, turn, session and metadata', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file);
    const audit = new AuditEmitter({ collector: sink, sessionId: 'sess-1', metadata: { app: 'trip' } });
    const turn = audit.child({ agentId: 'planner', turnId: 't-1', metadata: { step: 'plan' } });
    turn.emitToolCallAttempt({ toolName: 'shell', timestamp: TIMESTAMP });
    const worker = new Worker(new URL('./fixtures/worker-emit-with-context.mjs', import.meta.url), {
      workerData: { handle: sink.handle, context: turn.context, timestamp: TIMESTAMP },
    });
    let reply: unknown;
    try {
      reply = await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    } finally {
      await worker.terminate();
      sink.close();
    }
    const bound = { app: 'trip', step: 'plan' };
    expect(reply).toStrictEqual({
      context: { agentId: 'planner', turnId: 't-1', sessionId: 'sess-1', metadata: bound },
    });
    const records = parseLines(readLines(file));
    expect(
      records.map((r) => [
        r.event_type,
        r.agent_id,
        r.turn_id,
        r.session_id,
        r.metadata,
        r.tool_name ?? r.error_type,
      ]),
    ).toStrictEqual([
      ['tool_call_attempt', 'planner', 't-1', 'sess-1', bound, 'shell'],
      ['sandbox_decision', 'planner', 't-1', 'sess-1', bound, 'shell'],
      ['error', 'planner', 't-1', 'sess-1', { ...bound, attempt: 2, step: 'retry' }, 'ValueError'],
      ['error', 'planner', 't-1', 'sess-1', {}, 'Prebuilt'],
      ['tool_call_attempt', 'sub-agent', 't-1', 'sess-1', { ...bound, depth: 2 }, 'grep'],
    ]);
  });
});
