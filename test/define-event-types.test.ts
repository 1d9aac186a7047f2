/**
 * Typed end to end: the types a `defineEvent` declaration gives its class, its constructor
 * options, `AuditEmitter.emit(Class, options)` and the built-in emit methods. `npm run
 * typecheck` checks this file: each `@ts-expect-error` line must be a type error (tsc fails
 * on one that is not), and the `expectTypeOf` lines must hold. At run time the same wrong
 * calls are refused by the JavaScript checks, naming the key.
 */
import {
  AuditEmitter,
  AuditEvent,
  type AuditEventOptions,
  AuditOptionError,
  defineEvent,
  type EventOf,
  InMemoryCollector,
  type OptionsOf,
  ToolCallAttemptEvent,
  ToolCallCompleteEvent,
} from 'calute-audit';
import { describe, expect, expectTypeOf, it } from 'vitest';

const RetrievalEvent = defineEvent({
  type: 'retrieval',
  fields: {
    query: { kind: 'string' },
    topK: { kind: 'number', default: 5 },
    hits: { kind: 'stringArray' },
    filters: { kind: 'object' },
    score: { kind: 'number', nullable: true, default: null },
    reranked: { kind: 'boolean' },
    chunks: { kind: 'array' },
    indexName: { kind: 'string', optional: true },
  },
});

const DbQueryCompleteEvent = defineEvent({
  extends: ToolCallCompleteEvent,
  type: 'db_query_complete',
  fields: { rows: { kind: 'number' } },
});

/** Runs `call`, expecting the JavaScript check to refuse it with a message naming `name`. */
function refused(call: () => unknown, name: string): void {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(AuditOptionError);
  expect((thrown as Error).message).toContain(`"${name}"`);
}

describe('defineEvent: types from the declaration', () => {
  it("an event's properties have its fields' types", () => {
    const event = new RetrievalEvent({ query: 'q' });
    expectTypeOf(event).toExtend<AuditEvent>();
    expectTypeOf(event.eventType).toEqualTypeOf<'retrieval'>();
    expectTypeOf(event.query).toEqualTypeOf<string>();
    expectTypeOf(event.topK).toEqualTypeOf<number>();
    expectTypeOf(event.hits).toEqualTypeOf<string[]>();
    expectTypeOf(event.filters).toEqualTypeOf<Record<string, unknown>>();
    expectTypeOf(event.score).toEqualTypeOf<number | null>();
    expectTypeOf(event.reranked).toEqualTypeOf<boolean>();
    expectTypeOf(event.chunks).toEqualTypeOf<unknown[]>();
    expectTypeOf(event.indexName).toEqualTypeOf<string | undefined>();
    expectTypeOf(event.agentId).toEqualTypeOf<string | null>();
    expect(event.topK).toBe(5);
  });

  it('constructor options: every field optional, of its type; the envelope options too', () => {
    expectTypeOf<OptionsOf<typeof RetrievalEvent>>().toExtend<{
      query?: string;
      topK?: number;
      score?: number | null;
      agentId?: string | null;
      metadata?: Record<string, unknown>;
    }>();
    expectTypeOf<EventOf<typeof RetrievalEvent>>().toEqualTypeOf<InstanceType<typeof RetrievalEvent>>();
    const event = new RetrievalEvent({ query: 'q', score: null, agentId: 'a', severity: 'warning' });
    expect(event.severity).toBe('warning');
  });

  it('a wrong type or an unknown key: a type error, and refused at run time naming the key', () => {
    // @ts-expect-error query is a string
    refused(() => new RetrievalEvent({ query: 5 }), 'query');
    // @ts-expect-error top_k is not an option (topK is)
    refused(() => new RetrievalEvent({ top_k: 3 }), 'top_k');
    // @ts-expect-error score is a number or null
    refused(() => new RetrievalEvent({ score: '0.5' }), 'score');
    // @ts-expect-error hits is an array of strings
    refused(() => new RetrievalEvent({ hits: [1] }), 'hits');
    // @ts-expect-error severity is "info", "warning" or "error"
    refused(() => new RetrievalEvent({ severity: 'fatal' }), 'severity');
    // @ts-expect-error eventType is fixed by the class
    refused(() => new RetrievalEvent({ eventType: 'other' }), 'eventType');
  });

  it('eventType is read-only', () => {
    const event = new RetrievalEvent();
    expect(() => {
      // @ts-expect-error eventType is read-only
      event.eventType = 'other';
    }).toThrow(TypeError);
  });

  it('extends: the parent properties and options, plus the new fields', () => {
    const event = new DbQueryCompleteEvent({ toolName: 'sql', durationMs: 2, rows: 4 });
    expectTypeOf(event.toolName).toEqualTypeOf<string>();
    expectTypeOf(event.rows).toEqualTypeOf<number>();
    expectTypeOf(event.toolCallId).toEqualTypeOf<string | undefined>();
    expectTypeOf(event.eventType).toEqualTypeOf<'db_query_complete'>();
    // An instance of the parent at run time; its type's eventType is its own literal, not the parent's.
    expect(event).toBeInstanceOf(ToolCallCompleteEvent);
    // @ts-expect-error rows is a number
    refused(() => new DbQueryCompleteEvent({ rows: '4' }), 'rows');
    // @ts-expect-error durationMs (from the parent) is a number
    refused(() => new DbQueryCompleteEvent({ durationMs: '12ms' }), 'durationMs');
  });

  it('definitions: a kind that does not exist is a type error', () => {
    // @ts-expect-error "date" is not a field kind
    refused(() => defineEvent({ type: 'x', fields: { at: { kind: 'date' } } }), 'x.fields.at.kind');
  });
});

describe('AuditEmitter: emit(Class, options) and the emit methods are typed', () => {
  const audit = new AuditEmitter({ collector: new InMemoryCollector() });

  it('emit(Class, options) returns the event of that class and checks its options', () => {
    const event = audit.emit(RetrievalEvent, { query: 'q', topK: 2 });
    expectTypeOf(event).toEqualTypeOf<InstanceType<typeof RetrievalEvent>>();
    expectTypeOf(event.topK).toEqualTypeOf<number>();
    expect(event.topK).toBe(2);
    // @ts-expect-error query is a string
    refused(() => audit.emit(RetrievalEvent, { query: 5 }), 'query');
    // @ts-expect-error topk is not an option (topK is)
    refused(() => audit.emit(RetrievalEvent, { topk: 5 }), 'topk');
  });

  it('emit methods: return types, required arguments, argument types and names', () => {
    expectTypeOf(audit.emitTurnStart).returns.toEqualTypeOf<string>();
    expectTypeOf(audit.emitToolCallAttempt).returns.toEqualTypeOf<string | null>();
    expectTypeOf(audit.emitToolCallComplete).returns.toEqualTypeOf<undefined>();
    // Previews take any value: frameworks pass objects.
    audit.emitToolCallAttempt({ toolName: 't', args: { q: 1 } });
    // @ts-expect-error the id may be null (toolCallIds is off by default)
    const id: string = audit.emitToolCallAttempt({ toolName: 't' });
    expect(id).toBeNull();
    // @ts-expect-error toolName is required
    refused(() => audit.emitToolCallAttempt({ args: 'x' }), 'toolName');
    // @ts-expect-error tool_name is not an argument (toolName is)
    refused(() => audit.emitToolCallAttempt({ toolName: 't', tool_name: 'x' }), 'tool_name');
    // @ts-expect-error durationMs is a number
    refused(() => audit.emitToolCallComplete({ toolName: 't', durationMs: '12ms' }), 'durationMs');
    // @ts-expect-error inputTokens is a number or null
    refused(() => audit.emitModelCall({ model: 'm', inputTokens: '5' }), 'inputTokens');
    // @ts-expect-error the emitter's context does not take a severity
    refused(() => audit.emitError({ severity: 'fatal' }), 'severity');
  });

  it('constructors of built-in classes: snake_case keys are type errors too', () => {
    // @ts-expect-error tool_name is not an option (toolName is)
    refused(() => new ToolCallAttemptEvent({ tool_name: 'x' }), 'tool_name');
    // @ts-expect-error toolCallId is a string
    refused(() => new ToolCallAttemptEvent({ toolCallId: 7 }), 'toolCallId');
  });
});

// The README's class with methods, as written there.
class PlanEvent extends AuditEvent {
  static {
    // biome-ignore lint/complexity/noThisInStatic: the README's form, tested as written
    defineEvent(this, { type: 'plan', fields: { steps: { kind: 'stringArray' } } });
  }
  declare steps: string[];
  constructor(options?: AuditEventOptions & { steps?: string[] }) {
    super(options);
  }
  get size() {
    return this.steps.length;
  }
}

describe("the README's class declared in a static block", () => {
  it('takes its fields as typed options, in its constructor and in emit(Class, options)', () => {
    const collector = new InMemoryCollector();
    const audit = new AuditEmitter({ collector });
    const event = new PlanEvent({ steps: ['a'] });
    expectTypeOf(event.steps).toEqualTypeOf<string[]>();
    expect(event.size).toBe(1);
    audit.emit(PlanEvent, { agentId: 'a1', steps: ['search', 'answer'] });
    // @ts-expect-error steps is a list of strings
    refused(() => new PlanEvent({ steps: 'search' }), 'steps');
    const record = collector.getEvents()[0]?.toDict();
    expect(record).toMatchObject({ event_type: 'plan', agent_id: 'a1', steps: ['search', 'answer'] });
  });
});
