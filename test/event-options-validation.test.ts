/**
 * Validation at construction, for JavaScript callers: every built-in class's constructor
 * and every emit method refuses an unknown key (a snake_case record key gets a "did you
 * mean" with the camelCase name) and a value of the wrong type, with an `AuditOptionError`
 * naming the key, and emits nothing. The cases are made from the event table, so each field
 * of each type is covered. Content is another matter: `emit` never throws because of what a
 * value holds (a revoked Proxy, throwing getters and traps, a throwing toJSON).
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  type AuditCollector,
  AuditEmitter,
  type AuditEvent,
  AuditOptionError,
  BUILTIN_EVENTS,
  CompositeCollector,
  EVENT_CLASSES,
  type FieldSpec,
  InMemoryCollector,
  JSONLSinkCollector,
  ThreadedJSONLSinkCollector,
  ToolCallAttemptEvent,
  ToolCallCompleteEvent,
  TurnStartEvent,
} from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { thrownBy } from './support/assertions.js';
import { useTempDir } from './support/temp-files.js';
import { readLines } from './support/threaded-sink-kit.js';

type Kind = FieldSpec['kind'];
/** A value of another type than the kind, and the words the error uses for the kind. */
const WRONG: Record<Kind, [wrong: unknown, expected: string]> = {
  string: [5, 'a string'],
  number: ['12ms', 'a number'],
  boolean: ['yes', 'a boolean'],
  object: [['not', 'an object'], 'an object'],
  array: [{ not: 'an array' }, 'an array'],
  stringArray: [[1, 2], 'an array of strings'],
};
const orNull = (field: FieldSpec) => (field.nullable || field.optional ? ' or null' : '');

const CLASSES = Object.values(EVENT_CLASSES);

function expectOptionError(call: () => unknown, message: string): void {
  const error = thrownBy(call);
  expect(error).toBeInstanceOf(AuditOptionError);
  expect((error as AuditOptionError).code).toBe('ERR_AUDIT_OPTION');
  expect((error as Error).message).toContain(message);
}

describe('constructors of the built-in classes: unknown keys and wrong types throw, naming the key', () => {
  it("the common mistakes: { tool_name }, severity 'fatal', durationMs '12ms'", () => {
    expectOptionError(
      () => new ToolCallAttemptEvent({ tool_name: 'x' } as never),
      'Unknown option "tool_name" of ToolCallAttemptEvent (did you mean "toolName"?)',
    );
    expectOptionError(
      () => new TurnStartEvent({ severity: 'fatal' as never }),
      'Invalid option "severity" of TurnStartEvent: expected "info", "warning" or "error", got "fatal"',
    );
    expectOptionError(
      () => new ToolCallCompleteEvent({ durationMs: '12ms' as never }),
      'Invalid option "durationMs" of ToolCallCompleteEvent: expected a number, got "12ms"',
    );
  });

  for (const Class of CLASSES) {
    it(`new ${Class.name}(): each field's snake_case key and each field's wrong type, and the envelope's`, () => {
      for (const field of Class.fields) {
        if (field.key !== field.prop) {
          expectOptionError(
            () => new Class({ [field.key]: 'x' } as never),
            `Unknown option "${field.key}" of ${Class.name} (did you mean "${field.prop}"?)`,
          );
        }
        const [wrong, expected] = WRONG[field.kind];
        expectOptionError(
          () => new Class({ [field.prop]: wrong } as never),
          `Invalid option "${field.prop}" of ${Class.name}: expected ${expected}${orNull(field)}`,
        );
      }
      for (const [key, prop] of [
        ['agent_id', 'agentId'],
        ['turn_id', 'turnId'],
        ['session_id', 'sessionId'],
        ['event_type', 'eventType'],
      ]) {
        const suggestion = prop === 'eventType' ? '' : ` (did you mean "${prop}"?)`;
        expectOptionError(
          () => new Class({ [key]: 'x' } as never),
          `Unknown option "${key}" of ${Class.name}${suggestion}`,
        );
      }
      expectOptionError(
        () => new Class({ agentId: 5 } as never),
        `Invalid option "agentId" of ${Class.name}: expected a string or null`,
      );
      expectOptionError(
        () => new Class({ timestamp: 1e15 } as never),
        `Invalid option "timestamp" of ${Class.name}: expected a string`,
      );
      expectOptionError(
        () => new Class({ metadata: [] } as never),
        `Invalid option "metadata" of ${Class.name}: expected an object`,
      );
      expectOptionError(
        () => new Class('options' as never),
        `Invalid option "options" of ${Class.name}: expected an options object`,
      );
    });
  }

  it('a value of undefined counts as not given: the default', () => {
    const event = new ToolCallCompleteEvent({
      toolName: undefined,
      status: undefined,
      durationMs: undefined,
    });
    expect([event.toolName, event.status, event.durationMs]).toStrictEqual(['', 'success', 0]);
  });
});

/** Every emit method of the table, with its required arguments. */
const METHODS = Object.entries(BUILTIN_EVENTS).flatMap(([type, entry]) => {
  if (!('emitter' in entry)) return [];
  const fields = EVENT_CLASSES[type as keyof typeof EVENT_CLASSES].fields;
  const required = Object.fromEntries(
    fields.filter((field) => field.required).map((field) => [field.arg, 'x']),
  );
  return [{ method: entry.emitter.method, fields, required }];
});

describe('emit methods: unknown keys, wrong types and missing required arguments throw, naming them; nothing is emitted', () => {
  for (const { method, fields, required } of METHODS) {
    it(`${method}()`, () => {
      const memory = new InMemoryCollector();
      const audit = new AuditEmitter({ collector: memory });
      const call = (args: Record<string, unknown>) => () =>
        (audit as unknown as Record<string, (args: object) => unknown>)[method].call(audit, args);
      for (const field of fields) {
        // The record key, where it is not the argument's name: refused, naming the argument.
        if (field.key !== field.arg) {
          expectOptionError(
            call({ ...required, [field.key]: 'x' }),
            `Unknown option "${field.key}" of ${method} (did you mean "${field.arg}"?)`,
          );
        }
        // Previews take any value (they are serialized); every other argument is checked.
        if (!field.preview) {
          const [wrong, expected] = WRONG[field.kind];
          expectOptionError(
            call({ ...required, [field.arg]: wrong }),
            `Invalid option "${field.arg}" of ${method}: expected ${expected} or null`,
          );
        }
      }
      for (const arg of Object.keys(required)) {
        expectOptionError(
          call({ ...required, [arg]: undefined }),
          `${method} needs "${arg}" (a required option)`,
        );
      }
      expectOptionError(
        call({ ...required, agentId: 5 }),
        `Invalid option "agentId" of ${method}: expected a string or null`,
      );
      expectOptionError(
        call({ ...required, metadata: 'x' }),
        `Invalid option "metadata" of ${method}: expected an object`,
      );
      expectOptionError(call({ ...required, sessionId: 's' }), `Unknown option "sessionId" of ${method}`);
      expect(memory.length).toBe(0);
    });
  }

  it("the common mistakes through the emitter: { tool_name }, durationMs '12ms'", () => {
    const audit = new AuditEmitter();
    expectOptionError(
      () => audit.emitToolCallAttempt({ tool_name: 'x' } as never),
      'Unknown option "tool_name" of emitToolCallAttempt (did you mean "toolName"?)',
    );
    expectOptionError(
      () => audit.emitToolCallComplete({ toolName: 't', durationMs: '12ms' as never }),
      'Invalid option "durationMs" of emitToolCallComplete: expected a number or null, got "12ms"',
    );
  });
});

/** Values whose reading throws, in the places a caller puts them. */
function hostileValues(): [name: string, value: () => unknown][] {
  return [
    [
      'a revoked Proxy',
      () => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy;
      },
    ],
    [
      'a Proxy whose every trap throws',
      () =>
        new Proxy(
          {},
          {
            get() {
              throw new Error('get trap');
            },
            ownKeys() {
              throw new Error('ownKeys trap');
            },
            getOwnPropertyDescriptor() {
              throw new Error('descriptor trap');
            },
            getPrototypeOf() {
              throw new Error('prototype trap');
            },
          },
        ),
    ],
    [
      'a throwing getter',
      () => ({
        get boom(): never {
          throw new Error('getter');
        },
      }),
    ],
    [
      'a toJSON that throws',
      () => ({
        toJSON(): never {
          throw new Error('toJSON');
        },
      }),
    ],
  ];
}

/** Every collector that writes or keeps events, and the lines (or records) it holds at the end. */
function everyCollector(dir: string): { name: string; collector: AuditCollector; lines: () => string[] }[] {
  const memory = new InMemoryCollector();
  const syncFile = path.join(dir, 'sync.jsonl');
  const sync = new JSONLSinkCollector(syncFile);
  const threadedFile = path.join(dir, 'threaded.jsonl');
  const threaded = new ThreadedJSONLSinkCollector(threadedFile);
  const compositeMemory = new InMemoryCollector();
  const serialized = (collector: InMemoryCollector) => () =>
    collector.getEvents().map((event) => event.serialize());
  return [
    { name: 'InMemoryCollector', collector: memory, lines: serialized(memory) },
    { name: 'JSONLSinkCollector', collector: sync, lines: () => readLines(syncFile) },
    {
      name: 'ThreadedJSONLSinkCollector',
      collector: threaded,
      lines: () => {
        threaded.close();
        return readLines(threadedFile);
      },
    },
    {
      name: 'CompositeCollector',
      collector: new CompositeCollector([compositeMemory]),
      lines: serialized(compositeMemory),
    },
  ];
}

describe('AuditEmitter options: a snake_case key gets a hint', () => {
  it('new AuditEmitter({ session_id }) and child({ agent_id }): refused, naming the key and the camelCase name', () => {
    const collector = new InMemoryCollector();
    expectOptionError(
      () => new AuditEmitter({ collector, session_id: 's' } as never),
      'Invalid option "options.session_id": expected one of',
    );
    expectOptionError(
      () => new AuditEmitter({ collector, session_id: 's' } as never),
      'got an unknown option (did you mean "sessionId"?)',
    );
    expectOptionError(
      () => new AuditEmitter({ collector }).child({ agent_id: 'a' } as never),
      '(did you mean "agentId"?)',
    );
  });
});

describe('emit never throws because of content', () => {
  const tempDir = useTempDir();

  for (const [name, make] of hostileValues()) {
    it(`${name} inside metadata, in a field, on a built event: every collector writes the record, marked`, () => {
      const events: AuditEvent[] = [
        new TurnStartEvent({ promptPreview: 'kept', metadata: { value: make(), sibling: 'kept' } }),
        new TurnStartEvent({ promptPreview: 'kept', metadata: { list: [make()], sibling: 'kept' } }),
        // A JavaScript caller can assign anything to a field after construction.
        Object.assign(new ToolCallAttemptEvent({ toolName: 'kept' }), { argumentsPreview: make() }),
      ];
      for (const { name: collectorName, collector, lines } of everyCollector(tempDir())) {
        for (const event of events) expect(() => collector.emit(event), collectorName).not.toThrow();
        const written = lines().map((line) => JSON.parse(line) as Record<string, any>);
        expect(written, collectorName).toHaveLength(3);
        expect(written[0].metadata.sibling).toBe('kept');
        expect(written[1].metadata.sibling).toBe('kept');
        expect(written[2].tool_name).toBe('kept');
        expect(JSON.stringify(written)).toContain('[Unserializable: ');
      }
    });

    it(`${name} as a preview argument or in metadata of an emit method: written, marked`, () => {
      const lines: string[] = [];
      const audit = new AuditEmitter({
        collector: new JSONLSinkCollector({ write: (line: string) => lines.push(line) }),
      });
      expect(() => audit.emitToolCallAttempt({ toolName: 't', args: make() })).not.toThrow();
      expect(() => audit.emitError({ errorType: 'E', metadata: { value: make() } })).not.toThrow();
      expect(lines).toHaveLength(2);
      for (const line of lines) expect(line).toContain('[Unserializable: ');
    });
  }

  it('a revoked Proxy as the whole metadata, to a constructor: no TypeError (the record written, or an error naming metadata)', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    let thrown: unknown;
    let line: string | undefined;
    try {
      line = new TurnStartEvent({ promptPreview: 'kept', metadata: proxy }).serialize();
    } catch (error) {
      thrown = error;
    }
    if (thrown === undefined) expect(JSON.parse(line!).prompt_preview).toBe('kept');
    else expect((thrown as Error).message).toContain('"metadata"');
  });

  for (const [name, make] of hostileValues().slice(0, 2)) {
    it(`${name} as the whole metadata of an emit method (with and without bound metadata): written, not thrown`, () => {
      const lines: string[] = [];
      const audit = new AuditEmitter({
        collector: new JSONLSinkCollector({ write: (line: string) => lines.push(line) }),
      });
      const bound = audit.child({ metadata: { app: 'trip' } });
      const outcomes = [audit, bound].map((emitter) => {
        try {
          emitter.emitError({ errorType: 'E', metadata: make() as Record<string, unknown> });
          return 'written';
        } catch (error) {
          return `threw ${(error as Error).constructor.name}: ${(error as Error).message}`;
        }
      });
      expect(outcomes).toStrictEqual(['written', 'written']);
      for (const line of lines) expect(JSON.parse(line).error_type).toBe('E');
    });
  }

  it('a throwing getter on a built event itself (a field and the metadata property): written, marked', () => {
    const event = new ToolCallAttemptEvent({ toolName: 'kept' });
    Object.defineProperty(event, 'argumentsPreview', {
      get() {
        throw new Error('field getter');
      },
    });
    Object.defineProperty(event, 'metadata', {
      get() {
        throw new Error('metadata getter');
      },
    });
    const file = path.join(tempDir(), 'audit.jsonl');
    const sink = new JSONLSinkCollector(file);
    expect(() => sink.emit(event)).not.toThrow();
    sink.close();
    const [record] = readLines(file).map((line) => JSON.parse(line));
    expect(record).toMatchObject({
      tool_name: 'kept',
      arguments_preview: '[Unserializable: field getter]',
      metadata: '[Unserializable: metadata getter]',
    });
    expect(fs.statSync(file).size).toBeGreaterThan(0);
  });
});
