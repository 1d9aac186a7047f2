/**
 * `AuditEmitter({ redact })`: metadata paths (wildcards, bracket keys), record keys, and
 * patterns in the free text of content fields, with a censor or removal. Each case emits
 * the same call through an emitter without redaction and one with it, and checks that the
 * redacted record is the plain one with exactly the expected values changed: what should
 * go is gone, nothing else moved. The caller's objects are never changed, and no collector
 * (the in-memory one included) sees what was redacted.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  AuditEmitter,
  AuditOptionError,
  BUILTIN_EVENTS,
  defineEvent,
  EVENT_CLASSES,
  InMemoryCollector,
  JSONLSinkCollector,
  type RedactOptions,
  ToolCallAttemptEvent,
  type TurnStartEvent,
} from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-files.js';
import { readLines } from './support/threaded-sink-kit.js';

const TIMESTAMP = '2025-06-15T14:30:00.123456+00:00';
type Emit = (audit: AuditEmitter) => unknown;
type Json = Record<string, any>;

/** The record `emit` makes without redaction, and with `redact`. */
function twin(redact: RedactOptions, emit: Emit): { plain: Json; redacted: Json } {
  const records = [undefined, redact].map((option) => {
    const lines: string[] = [];
    const collector = new JSONLSinkCollector({ write: (line: string) => lines.push(line) });
    emit(new AuditEmitter(option === undefined ? { collector } : { collector, redact: option }));
    expect(lines).toHaveLength(1);
    return JSON.parse(lines[0]) as Json;
  });
  return { plain: records[0], redacted: records[1] };
}

const withMetadata =
  (metadata: Record<string, unknown>): Emit =>
  (audit) =>
    audit.emitError({ timestamp: TIMESTAMP, errorType: 'E', metadata });

describe('redact.paths into metadata: the values at the paths, nothing else', () => {
  const cases: [name: string, redact: RedactOptions, metadata: Json, expected: Json][] = [
    [
      'a nested key',
      { paths: ['metadata.user.email'] },
      { user: { email: 'u@x.io', name: 'U' }, email: 'top level stays' },
      { user: { email: '[REDACTED]', name: 'U' }, email: 'top level stays' },
    ],
    [
      'a wildcard level',
      { paths: ['metadata.*.password'] },
      { db: { password: 'p1', host: 'h' }, cache: { password: 'p2' }, password: 'not at that level', n: 1 },
      {
        db: { password: '[REDACTED]', host: 'h' },
        cache: { password: '[REDACTED]' },
        password: 'not at that level',
        n: 1,
      },
    ],
    [
      'a wildcard last: every key of that level',
      { paths: ['metadata.secrets.*'] },
      { secrets: { a: 1, b: { c: 2 } }, other: { a: 1 } },
      { secrets: { a: '[REDACTED]', b: '[REDACTED]' }, other: { a: 1 } },
    ],
    [
      'bracket keys, double and single quoted (a dash, a dot, a quote)',
      { paths: ['metadata.headers["x-api-key"]', "metadata['a.b']", 'metadata["say \\"hi\\""]'] },
      { headers: { 'x-api-key': 'k', accept: 'json' }, 'a.b': 1, a: { b: 2 }, 'say "hi"': 'x' },
      {
        headers: { 'x-api-key': '[REDACTED]', accept: 'json' },
        'a.b': '[REDACTED]',
        a: { b: 2 },
        'say "hi"': '[REDACTED]',
      },
    ],
    [
      'a wildcard over an array',
      { paths: ['metadata.users.*.email'] },
      { users: [{ email: 'a@x.io', id: 1 }, { id: 2 }, 'plain'] },
      { users: [{ email: '[REDACTED]', id: 1 }, { id: 2 }, 'plain'] },
    ],
    [
      'paths sharing a prefix',
      { paths: ['metadata.auth.token', 'metadata.auth.refresh', 'metadata.auth.user.ssn'] },
      { auth: { token: 't', refresh: 'r', scope: 's', user: { ssn: '123', name: 'n' } } },
      {
        auth: {
          token: '[REDACTED]',
          refresh: '[REDACTED]',
          scope: 's',
          user: { ssn: '[REDACTED]', name: 'n' },
        },
      },
    ],
    [
      'a named key and a wildcard reaching the same object: both applied',
      { paths: ['metadata.user.email', 'metadata.*.password'] },
      { user: { email: 'alice@corp.example', password: 'hunter2', name: 'A' } },
      { user: { email: '[REDACTED]', password: '[REDACTED]', name: 'A' } },
    ],
    [
      'the same, the paths the other way round',
      { paths: ['metadata.*.password', 'metadata.user.email'] },
      { user: { email: 'alice@corp.example', password: 'hunter2', name: 'A' } },
      { user: { email: '[REDACTED]', password: '[REDACTED]', name: 'A' } },
    ],
    [
      'a value that is an object: censored whole',
      { paths: ['metadata.credentials'] },
      { credentials: { user: 'u', pass: 'p' }, keep: true },
      { credentials: '[REDACTED]', keep: true },
    ],
    [
      'paths that match nothing, or meet a string on the way',
      { paths: ['metadata.nope.x', 'metadata.user.email'] },
      { user: 'just a string', list: [1, 2] },
      { user: 'just a string', list: [1, 2] },
    ],
    [
      'censor',
      { paths: ['metadata.token'], censor: '***' },
      { token: 't', other: 'o' },
      { token: '***', other: 'o' },
    ],
    [
      'remove: the keys are gone',
      { paths: ['metadata.*.password', 'metadata.token'], remove: true },
      { db: { password: 'p', host: 'h' }, token: 't', other: 'o' },
      { db: { host: 'h' }, other: 'o' },
    ],
  ];

  for (const [name, redact, metadata, expected] of cases) {
    it(`${name}: ${JSON.stringify(redact)}`, () => {
      const before = structuredClone(metadata);
      const { plain, redacted } = twin(redact, withMetadata(metadata));
      expect(plain.metadata).toStrictEqual(before);
      expect(redacted).toStrictEqual({ ...plain, metadata: expected });
      // The caller's object is left as it was.
      expect(metadata).toStrictEqual(before);
    });
  }

  it('a Map in metadata (written as [key, value] pairs): its entries at a path are redacted too', () => {
    const metadata = { headers: new Map([['authorization', 'Bearer secret-token']]) };
    const { redacted } = twin(
      { paths: ['metadata.headers.authorization', 'metadata.*.authorization'] },
      withMetadata(metadata),
    );
    expect(JSON.stringify(redacted.metadata)).not.toContain('secret-token');
  });

  it('a "__proto__" key beside a redacted one: kept as it was written without redaction', () => {
    const metadata = JSON.parse('{"__proto__":{"keep":1},"secret":"s","other":1}') as Json;
    const { plain, redacted } = twin({ paths: ['metadata.secret'] }, withMetadata(metadata));
    expect(Object.keys(plain.metadata)).toStrictEqual(['__proto__', 'secret', 'other']);
    expect(JSON.stringify(redacted.metadata)).toBe(
      '{"__proto__":{"keep":1},"secret":"[REDACTED]","other":1}',
    );
  });

  it('metadata that cannot be read at a redacted level: none of it is written, the event is', () => {
    const unreadable = new Proxy(
      { password: 'p' },
      {
        getOwnPropertyDescriptor() {
          throw new Error('no peeking');
        },
        ownKeys() {
          throw new Error('no peeking');
        },
      },
    );
    const { redacted } = twin(
      { paths: ['metadata.db.password', 'metadata.*.token'] },
      withMetadata({ db: unreadable }),
    );
    expect(redacted.metadata).toStrictEqual({ redaction_failed: '[Unserializable: no peeking]' });
    expect(redacted.error_type).toBe('E');
  });
});

describe('redact.paths naming record keys', () => {
  it('previews by their record key or its camelCase name; an empty one stays empty', () => {
    const { plain, redacted } = twin({ paths: ['prompt_preview'] }, (audit) =>
      audit.emitTurnStart({ timestamp: TIMESTAMP, turnId: 't', prompt: 'my password is hunter2' }),
    );
    expect(redacted).toStrictEqual({ ...plain, prompt_preview: '[REDACTED]' });
    const camel = twin({ paths: ['argumentsPreview'] }, (audit) =>
      audit.emitToolCallAttempt({ timestamp: TIMESTAMP, toolName: 'login', args: { password: 'x' } }),
    );
    expect(camel.redacted).toStrictEqual({ ...camel.plain, arguments_preview: '[REDACTED]' });
    const empty = twin({ paths: ['prompt_preview'] }, (audit) =>
      audit.emitTurnStart({ timestamp: TIMESTAMP, turnId: 't' }),
    );
    expect(empty.redacted).toStrictEqual(empty.plain);
  });

  it('envelope ids: censored, or null with remove', () => {
    const emit: Emit = (audit) =>
      audit.emitError({ timestamp: TIMESTAMP, agentId: 'alice@corp', turnId: 't-1' });
    const censored = twin({ paths: ['agent_id'] }, emit);
    expect(censored.redacted).toStrictEqual({ ...censored.plain, agent_id: '[REDACTED]' });
    const removed = twin({ paths: ['agent_id', 'turn_id'], remove: true }, emit);
    expect(removed.redacted).toStrictEqual({ ...removed.plain, agent_id: null, turn_id: null });
  });

  it('remove: an optional field loses its key, a reference field keeps it, emptied', () => {
    const { plain, redacted } = twin(
      { paths: ['tool_call_id', 'arguments_preview'], remove: true },
      (audit) =>
        audit.emitToolCallAttempt({ timestamp: TIMESTAMP, toolName: 't', args: 'secret', toolCallId: 'c-1' }),
    );
    const { tool_call_id: _dropped, ...rest } = plain;
    expect(redacted).toStrictEqual({ ...rest, arguments_preview: '' });
  });

  it("a custom event's field, by its record key", () => {
    const LoginEvent = defineEvent({
      type: 'login',
      fields: { userName: { kind: 'string' }, ip: { kind: 'string' } },
    });
    const { plain, redacted } = twin({ paths: ['user_name'] }, (audit) =>
      audit.emit(LoginEvent, { timestamp: TIMESTAMP, userName: 'alice', ip: '10.0.0.1' }),
    );
    expect(redacted).toStrictEqual({ ...plain, user_name: '[REDACTED]' });
  });
});

/** Every content field and every other text field of the table's emit methods, with their arguments. */
const TEXT_FIELDS = Object.entries(BUILTIN_EVENTS).flatMap(([type, entry]) => {
  if (!('emitter' in entry)) return [];
  const fields = EVENT_CLASSES[type as keyof typeof EVENT_CLASSES].fields;
  const required = Object.fromEntries(
    fields.filter((field) => field.required).map((field) => [field.arg, 'x']),
  );
  return fields
    .filter((field) => field.kind === 'string')
    .map((field) => ({
      method: entry.emitter.method,
      arg: field.arg,
      key: field.key,
      content: field.content,
      required,
    }));
});

describe('redact.patterns: replaced in the free text of content fields only', () => {
  const SECRETS: [pattern: RedactOptions['patterns'] & object, text: string, expected: string][] = [
    [['email'], 'write to jane.doe+tag@mail.example.org today', 'write to [REDACTED] today'],
    [
      ['api-key'],
      'key sk-proj-abcdefghijklmnop1234 and AKIAABCDEFGHIJKLMNOP',
      'key [REDACTED] and [REDACTED]',
    ],
    [['api-key'], `token ghp_${'a'.repeat(36)} and xoxb-1234567890-abc`, 'token [REDACTED] and [REDACTED]'],
    [['bearer'], 'Authorization: Bearer abc.def-ghi_jkl==', 'Authorization: [REDACTED]'],
    [['jwt'], 'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl end', 'jwt [REDACTED] end'],
    [[/\b\d{3}-\d{4}\b/], 'call 555-1234 or 555-9876', 'call [REDACTED] or [REDACTED]'],
    [[/secret/i], 'Secret and SECRET', '[REDACTED] and [REDACTED]'],
  ];

  for (const [patterns, text, expected] of SECRETS) {
    it(`${patterns.map(String).join(', ')}: "${text}" → "${expected}"`, () => {
      const { plain, redacted } = twin({ patterns }, (audit) =>
        audit.emitError({ timestamp: TIMESTAMP, errorMsg: text }),
      );
      expect(redacted).toStrictEqual({ ...plain, error_message: expected });
      const clean = twin({ patterns }, (audit) =>
        audit.emitError({ timestamp: TIMESTAMP, errorMsg: 'nothing to see' }),
      );
      expect(clean.redacted).toStrictEqual(clean.plain);
    });
  }

  for (const field of TEXT_FIELDS) {
    const what = field.content ? 'a content field: the email replaced' : 'not a content field: left as it is';
    it(`${field.method}({ ${field.arg} }) -> ${field.key}, ${what}`, () => {
      const emit: Emit = (audit) =>
        (audit as unknown as Record<string, (args: object) => unknown>)[field.method].call(audit, {
          timestamp: TIMESTAMP,
          turnId: 't',
          ...field.required,
          [field.arg]: 'from bob@example.com',
          metadata: { note: 'bob@example.com' },
        });
      const { plain, redacted } = twin({ patterns: ['email'] }, emit);
      expect(plain[field.key]).toBe('from bob@example.com');
      expect(redacted).toStrictEqual(field.content ? { ...plain, [field.key]: 'from [REDACTED]' } : plain);
    });
  }

  it("the caller's RegExp is not changed (flags, lastIndex)", () => {
    const pattern = /\d+/g;
    pattern.lastIndex = 3;
    const { redacted } = twin({ patterns: [pattern] }, (audit) =>
      audit.emitError({ timestamp: TIMESTAMP, errorMsg: 'a 1 b 22' }),
    );
    expect(redacted.error_message).toBe('a [REDACTED] b [REDACTED]');
    expect([pattern.flags, pattern.lastIndex]).toStrictEqual(['g', 3]);
  });

  it('a secret cut by the preview is censored all the same: none of it is written', () => {
    const key = 'sk-abcdefghijklmnopqrstuvwxyz0123';
    const { redacted } = twin({ patterns: ['api-key', 'email'] }, (audit) =>
      audit.emitTurnStart({ timestamp: TIMESTAMP, turnId: 't', prompt: `${'x'.repeat(185)} ${key}` }),
    );
    expect(redacted.prompt_preview).not.toContain('sk-abc');
    const email = twin({ patterns: ['email'] }, (audit) =>
      audit.emitTurnStart({
        timestamp: TIMESTAMP,
        turnId: 't',
        prompt: `${'x'.repeat(190)} john.doe@example.com`,
      }),
    );
    expect(email.redacted.prompt_preview).not.toContain('john.doe');
  });
});

describe('redaction and collectors', () => {
  const tempDir = useTempDir();

  it('off by default: the same call writes the secrets (the cases above are not vacuous)', () => {
    const collector = new InMemoryCollector();
    new AuditEmitter({ collector }).emitTurnStart({ prompt: 'mail a@b.co', metadata: { password: 'p' } });
    expect(collector.getEvents()[0].toDict()).toMatchObject({
      prompt_preview: 'mail a@b.co',
      metadata: { password: 'p' },
    });
  });

  it('InMemoryCollector holds the redacted event; the deep-frozen input is neither changed nor in the way', () => {
    const deepFreeze = <T>(value: T): T => {
      if (typeof value === 'object' && value !== null) {
        for (const item of Object.values(value)) deepFreeze(item);
        Object.freeze(value);
      }
      return value;
    };
    const metadata = deepFreeze({ user: { email: 'u@x.io', name: 'U' }, list: [{ token: 't' }] });
    const memory = new InMemoryCollector();
    const audit = new AuditEmitter({
      collector: memory,
      redact: { paths: ['metadata.user.email', 'metadata.list.*.token'], patterns: ['email'] },
    });
    audit.emitTurnStart({ prompt: 'mail u@x.io', metadata });
    const [event] = memory.getEvents() as TurnStartEvent[];
    expect(event.promptPreview).toBe('mail [REDACTED]');
    expect(event.metadata).toStrictEqual({
      user: { email: '[REDACTED]', name: 'U' },
      list: [{ token: '[REDACTED]' }],
    });
    expect(metadata).toStrictEqual({ user: { email: 'u@x.io', name: 'U' }, list: [{ token: 't' }] });
  });

  it("emit(event) of a built event: the collector gets a redacted copy of the same class and time; the caller's event is unchanged", () => {
    const memory = new InMemoryCollector();
    const file = path.join(tempDir(), 'audit.jsonl');
    const sink = new JSONLSinkCollector(file);
    const redact = { paths: ['metadata.secret'], patterns: ['email' as const] };
    const event = new ToolCallAttemptEvent({
      toolName: 't',
      argumentsPreview: 'to a@b.co',
      metadata: { secret: 's', ok: 1 },
    });
    const original = event.serialize();
    new AuditEmitter({ collector: memory, redact }).emit(event);
    new AuditEmitter({ collector: sink, redact }).emit(event);
    sink.close();
    const [copy] = memory.getEvents();
    expect(copy).not.toBe(event);
    expect(copy).toBeInstanceOf(ToolCallAttemptEvent);
    const expected = JSON.stringify({
      ...JSON.parse(original),
      metadata: { secret: '[REDACTED]', ok: 1 },
      arguments_preview: 'to [REDACTED]',
    });
    expect(copy.serialize()).toBe(expected);
    expect(readLines(file)).toStrictEqual([expected]);
    expect(event.serialize()).toBe(original);
  });

  it('a child emitter redacts like its parent', () => {
    const memory = new InMemoryCollector();
    new AuditEmitter({ collector: memory, redact: { paths: ['metadata.token'] } })
      .child({ agentId: 'a', metadata: { token: 'bound secret' } })
      .emitError();
    expect(memory.getEvents()[0].metadata).toStrictEqual({ token: '[REDACTED]' });
  });

  it('the file written with redaction on holds none of the secrets', () => {
    const file = path.join(tempDir(), 'redacted.jsonl');
    const sink = new JSONLSinkCollector(file);
    const audit = new AuditEmitter({
      collector: sink,
      redact: { paths: ['metadata.*.password', 'result_preview'], patterns: ['email', 'api-key'] },
    });
    audit.emitTurnStart({ prompt: 'for ann@corp.example', metadata: { db: { password: 'pw-1' } } });
    audit.emitToolCallComplete({ toolName: 't', result: 'pw-2' });
    audit.emitError({ errorMsg: 'bad key sk-abcdefghijklmnopqrstu' });
    sink.close();
    const text = fs.readFileSync(file, 'utf8');
    for (const secret of ['ann@corp.example', 'pw-1', 'pw-2', 'sk-abcdefghijklmnopqrstu'])
      expect(text).not.toContain(secret);
    expect(text.split('\n')).toHaveLength(4);
  });
});

describe('redact options: an AuditOptionError naming the option', () => {
  const cases: [name: string, redact: unknown, message: string][] = [
    [
      'an unknown key',
      { path: ['metadata.x'] },
      'Invalid option "redact.path": expected one of paths, patterns, censor, remove',
    ],
    [
      'paths that are a string',
      { paths: 'metadata.x' },
      'Invalid option "redact.paths": expected an array of strings',
    ],
    ['an empty path', { paths: [''] }, 'Invalid option "redact.paths": expected non-empty strings'],
    ['a path with an empty segment', { paths: ['metadata..x'] }, 'Invalid option "redact.paths"'],
    ['a path ending with a dot', { paths: ['metadata.x.'] }, 'Invalid option "redact.paths"'],
    [
      '"metadata" alone',
      { paths: ['metadata'] },
      'Invalid option "redact.paths": expected a path into metadata',
    ],
    [
      'a dotted path outside metadata',
      { paths: ['user.email'] },
      'Invalid option "redact.paths": expected a record key',
    ],
    ['a wildcard alone', { paths: ['*'] }, 'Invalid option "redact.paths": expected a record key'],
    // A misspelled key, or a field that is not text, would redact nothing.
    [
      'a misspelled record key',
      { paths: ['promt_preview'] },
      'Invalid option "redact.paths": expected a text field of an event type (did you mean "prompt_preview"?',
    ],
    [
      'a record key no event type has',
      { paths: ['arguments'] },
      'Invalid option "redact.paths": expected a text field of an event type (prompt_preview, arguments_preview, ...',
    ],
    [
      'a record key that is not text',
      { paths: ['duration_ms'] },
      'Invalid option "redact.paths": expected a text field of an event type',
    ],
    ['an unclosed bracket', { paths: ['metadata["x'] }, 'Invalid option "redact.paths"'],
    [
      'an unknown pattern name',
      { patterns: ['phone'] },
      'Invalid option "redact.patterns": expected RegExps or "email"',
    ],
    [
      'patterns that are not an array',
      { patterns: /x/ },
      'Invalid option "redact.patterns": expected an array',
    ],
    ['a censor that is not text', { censor: 0 }, 'Invalid option "redact.censor": expected a string, got 0'],
    [
      'remove that is not a boolean',
      { remove: 'yes' },
      'Invalid option "redact.remove": expected a boolean, got "yes"',
    ],
    ['redact that is not an object', 'all', 'Invalid option "redact"'],
  ];
  for (const [name, redact, message] of cases) {
    it(`${name}: throws at construction`, () => {
      expect(() => new AuditEmitter({ redact: redact as RedactOptions })).toThrow(AuditOptionError);
      expect(() => new AuditEmitter({ redact: redact as RedactOptions })).toThrow(message);
    });
  }
});
