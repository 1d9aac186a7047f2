/**
 * Custom event types: `defineEvent` declares one (type, fields with defaults) and the class
 * it returns writes its own type and fields, byte for byte, through every collector; the
 * static-block form adds methods; `extends` appends fields to a built-in class's. A subclass
 * that is not declared, or whose instances carry properties the declaration does not know,
 * is refused with an error naming it, never written wrong; a bad definition throws naming
 * what is wrong. (The compile-time side is in define-event-types.test.ts.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  type AuditCollector,
  AuditEmitter,
  AuditEvent,
  AuditEventError,
  type AuditEventOptions,
  AuditOptionError,
  CompositeCollector,
  defineEvent,
  InMemoryCollector,
  JSONLSinkCollector,
  ThreadedJSONLSinkCollector,
  ToolCallCompleteEvent,
  ToolCallFailureEvent,
  TurnStartEvent,
} from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { thrownBy } from './support/assertions.js';
import { useTempDir } from './support/temp-files.js';
import { readLines } from './support/threaded-sink-kit.js';

const TIMESTAMP = '2025-06-15T14:30:00.123456+00:00';

// The same declaration as test/fixtures/worker-emit-custom-event.mjs.
const RetrievalEvent = defineEvent({
  type: 'retrieval',
  fields: {
    query: { kind: 'string', content: true },
    topK: { kind: 'number', default: 5 },
    hits: { kind: 'stringArray' },
    filters: { kind: 'object', default: { lang: 'en' } },
    score: { kind: 'number', nullable: true, default: null },
    reranked: { kind: 'boolean', default: true },
    chunks: { kind: 'array' },
    indexName: { kind: 'string', optional: true },
  },
});

const FULL = {
  timestamp: TIMESTAMP,
  agentId: 'a1',
  turnId: 't1',
  sessionId: 's1',
  metadata: { step: 2 },
  query: 'cost drivers "Q2" é😀',
  topK: 3,
  hits: ['doc-1', 'doc-2'],
  filters: { lang: 'fr', year: 2025 },
  score: 0.75,
  reranked: false,
  chunks: [1, 'two', { three: 3 }],
  indexName: 'reports',
};

/** Written by hand from the declaration: the envelope, then the fields in declaration order. */
const DEFAULTS_LINE =
  '{"event_type":"retrieval","timestamp":"2025-06-15T14:30:00.123456+00:00","agent_id":null,"turn_id":null,' +
  '"session_id":null,"severity":"info","metadata":{},"query":"","top_k":5,"hits":[],"filters":{"lang":"en"},' +
  '"score":null,"reranked":true,"chunks":[]}';
const FULL_LINE =
  '{"event_type":"retrieval","timestamp":"2025-06-15T14:30:00.123456+00:00","agent_id":"a1","turn_id":"t1",' +
  '"session_id":"s1","severity":"info","metadata":{"step":2},"query":"cost drivers \\"Q2\\" é😀","top_k":3,' +
  '"hits":["doc-1","doc-2"],"filters":{"lang":"fr","year":2025},"score":0.75,"reranked":false,' +
  '"chunks":[1,"two",{"three":3}],"index_name":"reports"}';

const twoEvents = () => [new RetrievalEvent({ timestamp: TIMESTAMP }), new RetrievalEvent(FULL)];

describe('defineEvent({ type, fields }): its records through every collector', () => {
  const tempDir = useTempDir();

  it('the class: its name, eventType, severity and resolved fields (snake_case keys, defaults)', () => {
    expect(RetrievalEvent.name).toBe('RetrievalEvent');
    expect(RetrievalEvent.eventType).toBe('retrieval');
    expect(RetrievalEvent.defaultSeverity).toBe('info');
    expect(RetrievalEvent.fields.map((field) => [field.key, field.kind, field.default])).toStrictEqual([
      ['query', 'string', ''],
      ['top_k', 'number', 5],
      ['hits', 'stringArray', []],
      ['filters', 'object', { lang: 'en' }],
      ['score', 'number', null],
      ['reranked', 'boolean', true],
      ['chunks', 'array', []],
      ['index_name', 'string', undefined],
    ]);
    const event = new RetrievalEvent(FULL);
    expect(event).toBeInstanceOf(AuditEvent);
    expect(event.eventType).toBe('retrieval');
    expect(event.topK).toBe(3);
    expect(event.indexName).toBe('reports');
  });

  it('serialize() and toDict(): the declared record; an optional field absent until given', () => {
    const [defaults, full] = twoEvents();
    expect(defaults.serialize()).toBe(DEFAULTS_LINE);
    expect(full.serialize()).toBe(FULL_LINE);
    expect(full.toDict()).toStrictEqual(JSON.parse(FULL_LINE));
    expect(JSON.stringify(full)).toBe(FULL_LINE);
  });

  it('ThreadedJSONLSinkCollector (file): the two lines, exactly', () => {
    const file = path.join(tempDir(), 'threaded.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file);
    for (const event of twoEvents()) sink.emit(event);
    sink.close();
    expect(readLines(file)).toStrictEqual([DEFAULTS_LINE, FULL_LINE]);
  });

  it('JSONLSinkCollector (file and stream): the two lines, exactly', () => {
    const file = path.join(tempDir(), 'sync.jsonl');
    const sink = new JSONLSinkCollector(file);
    const chunks: string[] = [];
    const streamSink = new JSONLSinkCollector({ write: (chunk: string) => chunks.push(chunk) });
    for (const event of twoEvents()) {
      sink.emit(event);
      streamSink.emit(event);
    }
    sink.close();
    expect(readLines(file)).toStrictEqual([DEFAULTS_LINE, FULL_LINE]);
    expect(chunks).toStrictEqual([`${DEFAULTS_LINE}\n`, `${FULL_LINE}\n`]);
  });

  it('InMemoryCollector and CompositeCollector: the events themselves, typed, with their records', () => {
    const memory = new InMemoryCollector();
    const chunks: string[] = [];
    const composite = new CompositeCollector([
      memory,
      new JSONLSinkCollector({ write: (c) => chunks.push(c) }),
    ]);
    const events = twoEvents();
    for (const event of events) composite.emit(event);
    expect(memory.getEvents()).toStrictEqual(events);
    expect(memory.getEventsByType('retrieval')).toHaveLength(2);
    expect(memory.getEvents().map((event) => event.serialize())).toStrictEqual([DEFAULTS_LINE, FULL_LINE]);
    expect(chunks.join('')).toBe(`${DEFAULTS_LINE}\n${FULL_LINE}\n`);
  });

  it('connectCollector in a worker thread, the class declared there too: the same lines', async () => {
    const file = path.join(tempDir(), 'worker.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file);
    const worker = new Worker(new URL('./fixtures/worker-emit-custom-event.mjs', import.meta.url), {
      workerData: { handle: sink.handle, full: FULL },
    });
    try {
      const reply = await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      expect(reply).toStrictEqual({ done: true });
    } finally {
      await worker.terminate();
      sink.close();
    }
    expect(readLines(file)).toStrictEqual([FULL_LINE, DEFAULTS_LINE]);
  });

  it('object and array defaults: a fresh copy per event, the declared default untouched', () => {
    const first = new RetrievalEvent();
    const second = new RetrievalEvent();
    first.filters.lang = 'de';
    first.hits.push('x');
    first.chunks.push(1);
    expect(second.filters).toStrictEqual({ lang: 'en' });
    expect(second.hits).toStrictEqual([]);
    expect(second.chunks).toStrictEqual([]);
    expect(new RetrievalEvent().filters).toStrictEqual({ lang: 'en' });
    expect(RetrievalEvent.fields[3].default).toStrictEqual({ lang: 'en' });
  });

  it('a nullable field without a default is null until given; the kind gives the others their default', () => {
    const Measured = defineEvent({
      type: 'measured',
      fields: {
        score: { kind: 'number', nullable: true },
        label: { kind: 'string', nullable: true },
        count: { kind: 'number' },
        done: { kind: 'boolean' },
      },
    });
    expect(Measured.fields.map((field) => field.default)).toStrictEqual([null, null, 0, false]);
    const record = new Measured({ timestamp: TIMESTAMP }).toDict();
    expect([record.score, record.label, record.count, record.done]).toStrictEqual([null, null, 0, false]);
    expect(new Measured({ timestamp: TIMESTAMP, score: 0.5 }).toDict().score).toBe(0.5);
  });

  it('severity and className: the declared severity is the default, an explicit one wins', () => {
    const Slow = defineEvent({ type: 'slow_step', severity: 'warning', className: 'SlowStep' });
    expect(Slow.name).toBe('SlowStep');
    expect(new Slow().severity).toBe('warning');
    expect(JSON.parse(new Slow({ severity: 'error' }).serialize()).severity).toBe('error');
    expect(new Slow({ timestamp: TIMESTAMP }).serialize()).toBe(
      '{"event_type":"slow_step","timestamp":"2025-06-15T14:30:00.123456+00:00","agent_id":null,"turn_id":null,' +
        '"session_id":null,"severity":"warning","metadata":{}}',
    );
  });

  it("AuditEmitter.emit(Class, options): the emitter's context, previews of preview fields, redaction of content fields", () => {
    const Summary = defineEvent({
      type: 'summary',
      fields: {
        text: { kind: 'string', preview: true, content: true },
        source: { kind: 'string' },
      },
    });
    const memory = new InMemoryCollector();
    const audit = new AuditEmitter({
      collector: memory,
      sessionId: 's-9',
      agentId: 'writer',
      previewLength: 12,
      previewMarker: '…',
      redact: { patterns: ['email'] },
    });
    const event = audit.emit(Summary, {
      timestamp: TIMESTAMP,
      text: 'mail a@b.co now please',
      source: 'a@b.co',
    });
    expect(memory.getEvents()).toStrictEqual([event]);
    expect(event.serialize()).toBe(
      '{"event_type":"summary","timestamp":"2025-06-15T14:30:00.123456+00:00","agent_id":"writer","turn_id":null,' +
        '"session_id":"s-9","severity":"info","metadata":{},"text":"mail [REDACTED] …","source":"a@b.co"}',
    );
    expect(() => audit.emit(Summary, { txt: 'x' } as never)).toThrow(
      'Unknown option "txt" of SummaryEvent (did you mean "text"?); its options are timestamp, agentId, turnId, sessionId, severity, metadata, text, source',
    );
    expect(() => audit.emit(Summary, { title: 'x' } as never)).toThrow(
      'Unknown option "title" of SummaryEvent; its options are timestamp, agentId, turnId, sessionId, severity, metadata, text, source',
    );
    expect(memory.length).toBe(1);
  });
});

// The static-block form: a class of its own, with methods. Fields are declared with `declare`
// so that no class field replaces what the constructor set.
class CacheLookupEvent extends AuditEvent {
  static {
    // biome-ignore lint/complexity/noThisInStatic: the documented form (define-event.ts) is tested as written
    defineEvent(this, {
      type: 'cache_lookup',
      fields: {
        key: { kind: 'string', required: true },
        hit: { kind: 'boolean' },
        ageMs: { kind: 'number', nullable: true, default: null },
      },
    });
  }
  declare key: string;
  declare hit: boolean;
  declare ageMs: number | null;

  constructor(options?: AuditEventOptions & { key?: string; hit?: boolean; ageMs?: number | null }) {
    super(options);
  }

  describe(): string {
    return `${this.key}: ${this.hit ? `hit (${this.ageMs} ms old)` : 'miss'}`;
  }
}

class TieredCacheLookupEvent extends CacheLookupEvent {
  static {
    defineEvent(TieredCacheLookupEvent, {
      type: 'tiered_cache_lookup',
      fields: { tier: { kind: 'number', default: 1 } },
    });
  }
  declare tier: number;

  constructor(options?: ConstructorParameters<typeof CacheLookupEvent>[0] & { tier?: number }) {
    super(options);
  }

  override describe(): string {
    return `tier ${this.tier} ${super.describe()}`;
  }
}

describe('defineEvent(this, ...) in a static block: a class with methods', () => {
  const tempDir = useTempDir();

  it('its record through the offloaded sink, its methods, its statics', () => {
    const file = path.join(tempDir(), 'static.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file);
    const lookup = new CacheLookupEvent({ timestamp: TIMESTAMP, key: 'user:42', hit: true, ageMs: 1500 });
    const tiered = new TieredCacheLookupEvent({ timestamp: TIMESTAMP, key: 'user:7', tier: 2 });
    sink.emit(lookup);
    sink.emit(tiered);
    sink.close();
    const envelope =
      '"timestamp":"2025-06-15T14:30:00.123456+00:00","agent_id":null,"turn_id":null,"session_id":null,"severity":"info","metadata":{}';
    expect(readLines(file)).toStrictEqual([
      `{"event_type":"cache_lookup",${envelope},"key":"user:42","hit":true,"age_ms":1500}`,
      `{"event_type":"tiered_cache_lookup",${envelope},"key":"user:7","hit":false,"age_ms":null,"tier":2}`,
    ]);
    expect(lookup.describe()).toBe('user:42: hit (1500 ms old)');
    expect(tiered.describe()).toBe('tier 2 user:7: miss');
    expect(tiered).toBeInstanceOf(CacheLookupEvent);
    expect([CacheLookupEvent.eventType, TieredCacheLookupEvent.eventType]).toStrictEqual([
      'cache_lookup',
      'tiered_cache_lookup',
    ]);
    expect(TieredCacheLookupEvent.fields.map((field) => field.key)).toStrictEqual([
      'key',
      'hit',
      'age_ms',
      'tier',
    ]);
  });

  it('its constructor checks options like the built-in ones', () => {
    expect(() => new CacheLookupEvent({ age_ms: 3 } as never)).toThrow(
      'Unknown option "age_ms" of CacheLookupEvent (did you mean "ageMs"?)',
    );
    expect(() => new CacheLookupEvent({ hit: 'yes' } as never)).toThrow(
      'Invalid option "hit" of CacheLookupEvent: expected a boolean, got "yes"',
    );
  });

  it('a serialize() or toJSON() of its own is never what a collector writes', () => {
    class ForgingEvent extends AuditEvent {
      static {
        defineEvent(ForgingEvent, { type: 'forging', fields: { note: { kind: 'string' } } });
      }
      override serialize(): string {
        return '{"event_type":"forged"}';
      }
      override toJSON(): never {
        return { event_type: 'forged' } as never;
      }
    }
    const file = path.join(tempDir(), 'forging.jsonl');
    const sink = new JSONLSinkCollector(file);
    sink.emit(new ForgingEvent({ timestamp: TIMESTAMP, note: 'real' } as AuditEventOptions));
    sink.close();
    expect(readLines(file)).toStrictEqual([
      '{"event_type":"forging","timestamp":"2025-06-15T14:30:00.123456+00:00","agent_id":null,"turn_id":null,' +
        '"session_id":null,"severity":"info","metadata":{},"note":"real"}',
    ]);
  });
});

describe('defineEvent({ extends }): fields appended to the parent class', () => {
  const DbQueryCompleteEvent = defineEvent({
    extends: ToolCallCompleteEvent,
    type: 'db_query_complete',
    fields: { rows: { kind: 'number' }, table: { kind: 'string' } },
  });

  it('a built-in parent: its fields, its optional tool_call_id, then the new ones; it is an instance of the parent', () => {
    const prefix =
      '"timestamp":"2025-06-15T14:30:00.123456+00:00","agent_id":null,"turn_id":null,"session_id":null,' +
      '"severity":"info","metadata":{},"tool_name":"sql","status":"success","duration_ms":4.5,"result_preview":"2 rows"';
    const common = {
      timestamp: TIMESTAMP,
      toolName: 'sql',
      durationMs: 4.5,
      resultPreview: '2 rows',
      rows: 2,
      table: 'users',
    };
    expect(new DbQueryCompleteEvent(common).serialize()).toBe(
      `{"event_type":"db_query_complete",${prefix},"rows":2,"table":"users"}`,
    );
    expect(new DbQueryCompleteEvent({ ...common, toolCallId: 'c-1' }).serialize()).toBe(
      `{"event_type":"db_query_complete",${prefix},"tool_call_id":"c-1","rows":2,"table":"users"}`,
    );
    const event = new DbQueryCompleteEvent(common);
    expect(event).toBeInstanceOf(ToolCallCompleteEvent);
    expect(event.eventType).toBe('db_query_complete');
    expect(DbQueryCompleteEvent.name).toBe('DbQueryCompleteEvent');
  });

  it('the parent is left as it was: its fields, its records, the emitter method that writes it', () => {
    expect(ToolCallCompleteEvent.fields.map((field) => field.key)).toStrictEqual([
      'tool_name',
      'status',
      'duration_ms',
      'result_preview',
      'tool_call_id',
    ]);
    const memory = new InMemoryCollector();
    new AuditEmitter({ collector: memory }).emitToolCallComplete({ toolName: 't', timestamp: TIMESTAMP });
    const [event] = memory.getEvents();
    expect(event.constructor).toBe(ToolCallCompleteEvent);
    expect(Object.keys(event.toDict()).slice(-4)).toStrictEqual([
      'tool_name',
      'status',
      'duration_ms',
      'result_preview',
    ]);
  });

  it("the parent's severity is inherited; a defined class can be extended in turn", () => {
    const DbQueryFailureEvent = defineEvent({
      extends: ToolCallFailureEvent,
      type: 'db_query_failure',
      fields: { sqlState: { kind: 'string' } },
    });
    expect(new DbQueryFailureEvent().severity).toBe('error');
    const HybridRetrievalEvent = defineEvent({
      extends: RetrievalEvent,
      type: 'hybrid_retrieval',
      fields: { sparseWeight: { kind: 'number', default: 0.5 } },
    });
    expect(HybridRetrievalEvent.fields.map((field) => field.key)).toStrictEqual([
      ...RetrievalEvent.fields.map((field) => field.key),
      'sparse_weight',
    ]);
    const line = new HybridRetrievalEvent({ timestamp: TIMESTAMP }).serialize();
    expect(line).toBe(
      DEFAULTS_LINE.replace('"retrieval"', '"hybrid_retrieval"').replace(/}$/, ',"sparse_weight":0.5}'),
    );
  });
});

/** Every collector that writes records, each with what it holds afterwards. */
function collectorsUnderTest(dir: string): { name: string; collector: AuditCollector; held: () => string }[] {
  const memory = new InMemoryCollector();
  const syncFile = path.join(dir, 'sync.jsonl');
  const sync = new JSONLSinkCollector(syncFile);
  const threadedFile = path.join(dir, 'threaded.jsonl');
  const threaded = new ThreadedJSONLSinkCollector(threadedFile);
  const compositeMemory = new InMemoryCollector();
  return [
    { name: 'InMemoryCollector', collector: memory, held: () => String(memory.length) },
    { name: 'JSONLSinkCollector', collector: sync, held: () => fs.readFileSync(syncFile, 'utf8') },
    {
      name: 'ThreadedJSONLSinkCollector',
      collector: threaded,
      held: () => {
        threaded.close();
        return fs.readFileSync(threadedFile, 'utf8');
      },
    },
    {
      name: 'CompositeCollector',
      collector: new CompositeCollector([compositeMemory]),
      held: () => String(compositeMemory.length),
    },
  ];
}

function expectRefusedEverywhere(dir: string, event: AuditEvent, code: string, message: string): void {
  for (const { name, collector, held } of collectorsUnderTest(dir)) {
    const error = thrownBy(() => collector.emit(event));
    expect(error, name).toBeInstanceOf(AuditEventError);
    expect((error as AuditEventError).code, name).toBe(code);
    expect((error as Error).message, name).toContain(message);
    expect(held(), `${name} holds nothing`).toMatch(/^0?$/);
  }
}

describe('refused, never written wrong', () => {
  const tempDir = useTempDir();

  for (const [parentName, Parent] of [
    ['AuditEvent', AuditEvent],
    ['TurnStartEvent (built-in)', TurnStartEvent],
    ['RetrievalEvent (defineEvent)', RetrievalEvent],
    ['CacheLookupEvent (static block)', CacheLookupEvent],
  ] as const) {
    it(`an undeclared subclass of ${parentName}: its constructor throws ERR_AUDIT_UNDECLARED_EVENT naming it`, () => {
      const Undeclared = { [`Tagged${Parent.name}`]: class extends (Parent as typeof AuditEvent) {} }[
        `Tagged${Parent.name}`
      ];
      const error = thrownBy(() => new Undeclared());
      expect(error).toBeInstanceOf(AuditEventError);
      expect(error).toMatchObject({ code: 'ERR_AUDIT_UNDECLARED_EVENT' });
      expect((error as Error).message).toMatch(
        new RegExp(`^Tagged${Parent.name} extends an event class but is not declared`),
      );
    });
  }

  it('an undeclared subclass instance made without its constructor: every collector refuses it, nothing held', () => {
    class Sneaky extends TurnStartEvent {}
    const event = Object.assign(Object.create(Sneaky.prototype) as AuditEvent, new TurnStartEvent());
    expectRefusedEverywhere(tempDir(), event, 'ERR_AUDIT_UNDECLARED_EVENT', 'Sneaky extends an event class');
  });

  it('an object that only looks like an event: ERR_AUDIT_NOT_AN_EVENT from every collector, its serialize() not called', () => {
    let called = false;
    const lookalike = {
      eventType: 'turn_start',
      serialize() {
        called = true;
        return '{}';
      },
      toDict: () => ({}),
    } as unknown as AuditEvent;
    expectRefusedEverywhere(tempDir(), lookalike, 'ERR_AUDIT_NOT_AN_EVENT', 'Expected an AuditEvent');
    expect(called).toBe(false);
  });

  it('a declared class whose body adds a field of its own: refused at emit by every collector, naming the field', () => {
    class Annotated extends AuditEvent {
      static {
        defineEvent(Annotated, { type: 'annotated', fields: { note: { kind: 'string' } } });
      }
      declare note: string;
      extra = 'not declared';
    }
    const event = new Annotated({ note: 'n' } as AuditEventOptions);
    expectRefusedEverywhere(
      tempDir(),
      event,
      'ERR_AUDIT_UNDECLARED_EVENT',
      'Annotated has properties its declaration does not know, which would be left out of its records: extra',
    );
    expect(() => event.serialize()).toThrow('extra');
  });

  // The TypeScript habit `query!: string` (without `declare`) compiles, under ES2022 class
  // fields, to a field initialized to undefined after the constructor set it from options.
  it('a declared class whose body redeclares a declared field without `declare`: refused naming it, not written as null', () => {
    class Forgetful extends AuditEvent {
      static {
        defineEvent(Forgetful, {
          type: 'forgetful',
          fields: { query: { kind: 'string' }, topK: { kind: 'number' } },
        });
      }
      query!: string;
      declare topK: number;
    }
    const event = new Forgetful({ timestamp: TIMESTAMP, query: 'kept?', topK: 3 } as AuditEventOptions);
    let line: string | undefined;
    let error: unknown;
    try {
      line = event.serialize();
    } catch (thrown) {
      error = thrown;
    }
    // Either the given query is written, or the class is refused naming the field.
    if (error === undefined) expect(JSON.parse(line!).query).toBe('kept?');
    else expect((error as Error).message).toContain('query');
  });

  it('defineEvent(this) twice, or below an undeclared parent: refused, naming the class', () => {
    expect(() => defineEvent(CacheLookupEvent, { type: 'again' })).toThrow(
      'Invalid option "defineEvent(target)": expected a class not declared yet, got "CacheLookupEvent"',
    );
    class Undeclared extends AuditEvent {}
    expect(() => {
      class Below extends Undeclared {
        static {
          defineEvent(Below, { type: 'below' });
        }
      }
      return Below;
    }).toThrow(
      'Invalid option "defineEvent(target)": expected a class whose parent is a declared event class',
    );
  });
});

describe('bad definitions: an AuditOptionError naming what is wrong', () => {
  const proto = JSON.parse('{"__proto__":{"kind":"string"}}') as Record<string, never>;
  const cases: [name: string, definition: () => unknown, message: string][] = [
    ...[
      'timestamp',
      'agentId',
      'turnId',
      'sessionId',
      'severity',
      'metadata',
      'eventType',
      'toDict',
      'toJSON',
      'serialize',
      'constructor',
      'prototype',
    ].map((name): [string, () => unknown, string] => [
      `the reserved name ${name}`,
      () => defineEvent({ type: 'x', fields: { [name]: { kind: 'string' } } }),
      `Invalid option "x.fields.${name}": expected a camelCase name that is not an envelope field or method, got "${name}"`,
    ]),
    [
      'the reserved name __proto__',
      () => defineEvent({ type: 'x', fields: proto }),
      'Invalid option "x.fields.__proto__"',
    ],
    [
      'a snake_case name',
      () => defineEvent({ type: 'x', fields: { top_k: { kind: 'number' } } }),
      'Invalid option "x.fields.top_k"',
    ],
    [
      'a capitalized name',
      () => defineEvent({ type: 'x', fields: { TopK: { kind: 'number' } } }),
      'Invalid option "x.fields.TopK"',
    ],
    [
      'a kind that does not exist',
      () => defineEvent({ type: 'x', fields: { at: { kind: 'date' as 'string' } } }),
      'Invalid option "x.fields.at.kind": expected "string" or "number" or "boolean" or "object" or "array" or "stringArray", got "date"',
    ],
    [
      'a descriptor that is not an object',
      () => defineEvent({ type: 'x', fields: { at: 'string' as never } }),
      'Invalid option "x.fields.at": expected a field descriptor, got "string"',
    ],
    [
      'a default of the wrong kind',
      () => defineEvent({ type: 'x', fields: { n: { kind: 'number', default: '5' } } }),
      'Invalid option "x.fields.n.default": expected a number, got "5"',
    ],
    [
      'a field the parent has (toolName)',
      () =>
        defineEvent({ type: 'x', extends: ToolCallCompleteEvent, fields: { toolName: { kind: 'string' } } }),
      'Invalid option "x.fields.toolName": expected a name no parent field has, got "toolName"',
    ],
    [
      'a field the parent has (the optional toolCallId)',
      () =>
        defineEvent({
          type: 'x',
          extends: ToolCallCompleteEvent,
          fields: { toolCallId: { kind: 'string' } },
        }),
      'Invalid option "x.fields.toolCallId": expected a name no parent field has',
    ],
    ...['Retrieval', 'my-event', 'my event', '1abc', '_x', ''].map(
      (type): [string, () => unknown, string] => [
        `the type name ${JSON.stringify(type)}`,
        () => defineEvent({ type }),
        `Invalid option "definition.type": expected lowercase letters, digits and underscores, starting with a letter, got ${JSON.stringify(type)}`,
      ],
    ),
    [
      'a type that is not a string',
      () => defineEvent({ type: 5 as never }),
      'Invalid option "definition.type"',
    ],
    // Without a type of its own or a parent's, its records would say "event_type":"base".
    [
      'no type, and no parent but AuditEvent',
      () => defineEvent({ fields: { query: { kind: 'string' } } } as never),
      'Invalid option "definition.type"',
    ],
    [
      'no type in a static block, directly under AuditEvent',
      () => {
        class Typeless extends AuditEvent {
          static {
            defineEvent(Typeless, { fields: { query: { kind: 'string' } } } as never);
          }
        }
        return Typeless;
      },
      'Invalid option "definition.type"',
    ],
    [
      'a severity that does not exist',
      () => defineEvent({ type: 'x', severity: 'fatal' as 'error' }),
      'Invalid option "x.severity": expected "info", "warning" or "error", got "fatal"',
    ],
    [
      'a className that is not an identifier',
      () => defineEvent({ type: 'x', className: 'Retrieval Event' }),
      'Invalid option "definition.className": expected a JavaScript identifier, got "Retrieval Event"',
    ],
    [
      'fields that are not an object',
      () => defineEvent({ type: 'x', fields: 'query' as never }),
      'Invalid option "x.fields"',
    ],
    ['a definition that is not an object', () => defineEvent(null as never), 'Invalid option "definition"'],
    // Its turn_start records would lack prompt_preview: readers would take them for the built-in's.
    [
      "a built-in type's name, not extending the built-in",
      () => defineEvent({ type: 'turn_start', fields: { query: { kind: 'string' } } }),
      'Invalid option "definition.type": expected a type no built-in event has (extend TurnStartEvent to add fields to its records), got "turn_start"',
    ],
    [
      "a built-in type's name in a static block, under another built-in",
      () => {
        class Impostor extends ToolCallCompleteEvent {
          static {
            defineEvent(Impostor, { type: 'turn_start' });
          }
        }
        return Impostor;
      },
      'Invalid option "definition.type": expected a type no built-in event has (extend TurnStartEvent',
    ],
  ];

  for (const [name, definition, message] of cases) {
    it(`${name}: throws, naming it`, () => {
      const error = thrownBy(definition);
      expect(error).toBeInstanceOf(AuditOptionError);
      expect((error as Error).message).toContain(message);
    });
  }

  it('extends a class that is not an event class: throws, naming the option and the class', () => {
    class NotAnEvent {}
    const error = thrownBy(() => defineEvent({ type: 'x', extends: NotAnEvent as never }));
    expect(error).toBeInstanceOf(AuditOptionError);
    expect((error as Error).message).toContain('Invalid option "definition.extends"');
    expect((error as Error).message).toContain('NotAnEvent');
  });

  it("extends a built-in, with the built-in's type: its records keep that type and add the fields", () => {
    const RankedTurnStart = defineEvent({
      type: 'turn_start',
      extends: TurnStartEvent,
      fields: { rank: { kind: 'number' } },
    });
    const event = new RankedTurnStart({ timestamp: TIMESTAMP, promptPreview: 'hi', rank: 2 });
    expect(JSON.parse(event.serialize())).toMatchObject({
      event_type: 'turn_start',
      prompt_preview: 'hi',
      rank: 2,
    });
  });
});
