import fs from 'node:fs';
import path from 'node:path';
import {
  CIRCULAR,
  InMemoryCollector,
  JSONLSinkCollector,
  stringifySafe,
  ToolCallCompleteEvent,
  TurnEndEvent,
  TurnStartEvent,
  toJsonSafe,
} from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { readRecords, useTempDir } from './support/temp-files.js';

/** Writes `value` as metadata beside a sibling key; checks every view of the record agrees. */
function writtenAs(value: unknown): unknown {
  const event = new TurnStartEvent({ promptPreview: 'kept', metadata: { value, sibling: 'kept' } });
  const text = event.serialize();
  const parsed = JSON.parse(text);
  expect(text).toBe(JSON.stringify(event.toDict()));
  expect(parsed).toStrictEqual(event.toDict());
  expect(parsed.prompt_preview).toBe('kept');
  expect(parsed.metadata.sibling).toBe('kept');
  return parsed.metadata.value;
}

function namedFunction() {}
class Point {
  #secret = 'hidden';
  x = 1;
  y = 2;
  get sum() {
    return this.x + this.y + this.#secret.length;
  }
}

describe('unrepresentable values: the string forms documented in json-safe.ts', () => {
  const cases: [name: string, value: () => unknown, expected: unknown][] = [
    ['bigint: its exact digits', () => 12345678901234567890123n, '12345678901234567890123'],
    ['negative bigint', () => -5n, '-5'],
    ['NaN', () => Number.NaN, 'NaN'],
    ['Infinity', () => Number.POSITIVE_INFINITY, 'Infinity'],
    ['-Infinity', () => Number.NEGATIVE_INFINITY, '-Infinity'],
    ['-0: written as 0, as JSON does', () => -0, 0],
    ['undefined in an array: null, as JSON writes it', () => [1, undefined], [1, null]],
    // biome-ignore lint/suspicious/noSparseArray: the hole is the case under test
    ['a hole in an array: null, as JSON writes it', () => [1, , 3], [1, null, 3]],
    ['undefined in an object: left out, as JSON leaves it', () => ({ a: undefined, b: 1 }), { b: 1 }],
    ['symbol', () => Symbol('tag'), 'Symbol(tag)'],
    ['symbol without description', () => Symbol(), 'Symbol()'],
    ['named function', () => namedFunction, '[Function: namedFunction]'],
    ['anonymous function', () => [() => 1][0], '[Function: anonymous]'],
    ['class', () => Point, '[Function: Point]'],
    [
      'Map: [key, value] pairs',
      () =>
        new Map<unknown, unknown>([
          ['a', 1n],
          [2, new Set([3])],
        ]),
      [
        ['a', '1'],
        [2, [3]],
      ],
    ],
    ['Set: its values', () => new Set([1, 'two', Number.NaN]), [1, 'two', 'NaN']],
    ['Date: its ISO string', () => new Date(Date.UTC(2025, 5, 15, 14, 30)), '2025-06-15T14:30:00.000Z'],
    ['invalid Date: null, as its toJSON says', () => new Date(Number.NaN), null],
    ['class instance: its own enumerable properties', () => new Point(), { x: 1, y: 2 }],
    ['boxed number', () => Object(4), 4],
    ['boxed string', () => Object('ab'), 'ab'],
    ['boxed boolean', () => Object(false), false],
    ['boxed bigint', () => Object(7n), '7'],
    ['null-prototype object', () => Object.assign(Object.create(null), { a: 1n }), { a: '1' }],
    ['nested', () => ({ a: [{ b: 1n, c: [Number.NaN, undefined] }] }), { a: [{ b: '1', c: ['NaN', null] }] }],
  ];

  for (const [name, make, expected] of cases) {
    it(`toDict()/serialize() metadata, ${name}`, () => {
      expect(writtenAs(make())).toStrictEqual(expected);
      expect(toJsonSafe(make())).toStrictEqual(expected);
    });
  }

  // Each loop below has one way back, so a broken cycle check fails fast instead of branching.
  it('a circular reference to itself: "[Circular]", the rest kept', () => {
    const node: Record<string, unknown> = { name: 'root' };
    node.self = node;
    expect(CIRCULAR).toBe('[Circular]');
    expect(writtenAs(node)).toStrictEqual({ name: 'root', self: '[Circular]' });
  });

  it('a circular reference through a child and through an array: "[Circular]"', () => {
    const parent: Record<string, unknown> = { name: 'parent' };
    parent.child = { name: 'child', parent };
    const list: unknown[] = [1];
    list.push(list);
    expect(writtenAs({ parent, list })).toStrictEqual({
      parent: { name: 'parent', child: { name: 'child', parent: '[Circular]' } },
      list: [1, '[Circular]'],
    });
  });

  it('metadata that contains itself: "[Circular]" inside the record', () => {
    const metadata: Record<string, unknown> = { a: 1 };
    metadata.back = metadata;
    const event = new TurnStartEvent({ metadata });
    expect(JSON.parse(event.serialize()).metadata).toStrictEqual({ a: 1, back: '[Circular]' });
    expect(event.toDict().metadata).toStrictEqual({ a: 1, back: '[Circular]' });
  });

  it('the same object twice, not circular: written in full both times', () => {
    const shared = { v: 1 };
    expect(writtenAs({ left: shared, right: shared, list: [shared, shared] })).toStrictEqual({
      left: { v: 1 },
      right: { v: 1 },
      list: [{ v: 1 }, { v: 1 }],
    });
  });

  it('an Error: its name and message, not the {} JSON would write', () => {
    expect(writtenAs({ failure: new TypeError('tool crashed'), plain: new Error('x') })).toStrictEqual({
      failure: 'TypeError: tool crashed',
      plain: 'Error: x',
    });
  });

  it('a getter that throws: "[Unserializable: message]", its siblings kept', () => {
    const value = {
      before: 1,
      get broken(): never {
        throw new Error('boom');
      },
      after: 2,
    };
    expect(writtenAs(value)).toStrictEqual({ before: 1, broken: '[Unserializable: boom]', after: 2 });
  });

  it('a toJSON that throws, and a thrown non-Error: "[Unserializable: ...]"', () => {
    const badToJson = {
      toJSON() {
        throw new TypeError('no json');
      },
    };
    const throwsString = {
      get x(): never {
        throw 'plain string';
      },
    };
    expect(writtenAs([badToJson, throwsString])).toStrictEqual([
      '[Unserializable: no json]',
      { x: '[Unserializable: plain string]' },
    ]);
  });

  it('nesting deeper than 1000 levels: a marker at the cut, serialize() never throws', () => {
    for (const depth of [2000, 5000, 100_000]) {
      let deep: unknown[] = [];
      for (let i = 0; i < depth; i++) deep = [deep];
      const event = new TurnStartEvent({ promptPreview: 'kept', metadata: { deep } });
      const text = event.serialize();
      expect(text).toBe(JSON.stringify(event.toDict()));
      // metadata is level 1; 999 arrays follow, then the marker.
      const marker = '"[Unserializable: nested deeper than 1000 levels]"';
      expect(text).toContain(`"metadata":{"deep":${'['.repeat(999)}${marker}${']'.repeat(999)}}`);
      expect(JSON.parse(text).prompt_preview).toBe('kept');
    }
    let shallow: unknown[] = [];
    for (let i = 0; i < 990; i++) shallow = [shallow];
    expect(new TurnStartEvent({ metadata: { shallow } }).serialize()).not.toContain('Unserializable');
  });

  it('non-JSON values in typed fields (a JavaScript caller): string forms there too', () => {
    // The constructor refuses wrong types; a JavaScript caller can still assign them afterwards.
    const event = Object.assign(
      new ToolCallCompleteEvent({ durationMs: Number.NaN, resultPreview: undefined }),
      {
        toolName: 10n as unknown as string,
      },
    );
    const end = new TurnEndEvent({ functionCallsCount: Number.POSITIVE_INFINITY });
    expect(JSON.parse(event.serialize())).toMatchObject({
      tool_name: '10',
      duration_ms: 'NaN',
      result_preview: '',
    });
    expect(event.toDict()).toMatchObject({ tool_name: '10', duration_ms: 'NaN' });
    expect(JSON.parse(end.serialize()).function_calls_count).toBe('Infinity');
    expect(end.serialize()).toBe(JSON.stringify(end.toDict()));
  });

  it('stringifySafe(): compact JSON of any value, never throws', () => {
    expect(stringifySafe({ a: 1n, b: undefined, c: [Number.NaN, undefined] })).toBe(
      '{"a":"1","c":["NaN",null]}',
    );
    // A value position needs a value: a top-level undefined is null.
    expect(stringifySafe(undefined)).toBe('null');
    expect(stringifySafe(Symbol('s'))).toBe('"Symbol(s)"');
  });
});

describe('text that could break a line or the encoding', () => {
  const tempDir = useTempDir();

  it('lone surrogates: valid JSON and valid UTF-8 on disk that round-trip to the same strings', () => {
    const lone = ['\uD800', 'a\uDFFFb', '\uDBFF\uDBFF', '\uDC00\uD800', 'ok \uD83D\uDE00'];
    const file = path.join(tempDir(), 'surrogates.jsonl');
    const sink = new JSONLSinkCollector(file);
    for (const text of lone) {
      const event = new TurnStartEvent({ promptPreview: text, metadata: { [text]: text, list: [text] } });
      const serialized = event.serialize();
      expect(Buffer.from(serialized, 'utf8').toString('utf8')).toBe(serialized); // no U+FFFD substitution
      expect(JSON.parse(serialized).prompt_preview).toBe(text);
      sink.emit(event);
    }
    sink.close();
    const bytes = fs.readFileSync(file);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).not.toThrow();
    expect(bytes.toString('utf8')).toContain('\\ud800');
    const records = readRecords(file);
    expect(records.map((record) => record.prompt_preview)).toStrictEqual(lone);
    expect(records.map((record) => record.metadata)).toStrictEqual(
      lone.map((text) => ({ [text]: text, list: [text] })),
    );
  });

  it('a "__proto__" key: kept as a key, no prototype change', () => {
    const metadata = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
    const event = new TurnStartEvent({ metadata });
    const record = event.toDict();
    const written = record.metadata as Record<string, unknown>;
    expect(Object.keys(written)).toStrictEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(written)).toBe(Object.prototype);
    expect((written as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(written, '__proto__')?.value).toStrictEqual({ polluted: true });
    expect(event.serialize()).toContain('"metadata":{"__proto__":{"polluted":true},"a":1}');
    expect(JSON.parse(event.serialize())).toStrictEqual(record);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('a value holding a newline and a forged record stays on one line', () => {
    const forged = '\n{"event_type":"forged"}';
    const file = path.join(tempDir(), 'forged.jsonl');
    const sink = new JSONLSinkCollector(file);
    sink.emit(
      new TurnStartEvent({ promptPreview: forged, metadata: { note: forged, [forged]: '\r\n\u2028\u2029' } }),
    );
    sink.close();
    const text = fs.readFileSync(file, 'utf8');
    expect(text.split('\n')).toHaveLength(2); // one line and the empty rest after its newline
    const [record] = readRecords(file);
    expect(record.event_type).toBe('turn_start');
    expect(record.prompt_preview).toBe(forged);
    expect(record.metadata).toStrictEqual({ note: forged, [forged]: '\r\n\u2028\u2029' });
  });
});

describe('emit never throws on unrepresentable values', () => {
  const tempDir = useTempDir();

  it('JSONLSinkCollector.emit and InMemoryCollector.emit: every case written, one line each', () => {
    const circular: Record<string, unknown> = {};
    circular.me = circular;
    const nasty: unknown[] = [
      1n,
      Number.NaN,
      undefined,
      Symbol('x'),
      namedFunction,
      circular,
      {
        get g(): never {
          throw new Error('g');
        },
      },
      new Map([[1, 2]]),
      new Set([1]),
      new Date(0),
      new Point(),
      '\uD800',
    ];
    const file = path.join(tempDir(), 'nasty.jsonl');
    const sink = new JSONLSinkCollector(file);
    const memory = new InMemoryCollector();
    for (const value of nasty) {
      const event = new TurnStartEvent({ metadata: { value } });
      expect(() => sink.emit(event)).not.toThrow();
      memory.emit(event);
    }
    sink.close();
    const records = readRecords(file);
    expect(records).toHaveLength(nasty.length);
    expect(records).toStrictEqual(memory.getEvents().map((event) => event.toDict()));
    expect(records.map((record) => (record.metadata as { value: unknown }).value)).toStrictEqual([
      '1',
      'NaN',
      undefined,
      'Symbol(x)',
      '[Function: namedFunction]',
      { me: '[Circular]' },
      { g: '[Unserializable: g]' },
      [[1, 2]],
      [1],
      '1970-01-01T00:00:00.000Z',
      { x: 1, y: 2 },
      '\uD800',
    ]);
  });
});
