import {
  AuditEmitter,
  AuditOptionError,
  BUILTIN_EVENTS,
  defineEvent,
  EVENT_CLASSES,
  InMemoryCollector,
  PREVIEW_LENGTH,
  preview,
} from 'calute-audit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** The reference's "first 200 characters", counted in code points. */
const firstCodePoints = (text: string, count = 200) => Array.from(text).slice(0, count).join('');

/** The four previews the emitter makes: method, parameter, record key. */
const PREVIEWS: [string, (emitter: AuditEmitter, text: string) => void, string][] = [
  ['emitTurnStart', (e, text) => e.emitTurnStart({ prompt: text }), 'prompt_preview'],
  ['emitTurnEnd', (e, text) => e.emitTurnEnd({ content: text }), 'content_preview'],
  [
    'emitToolCallAttempt',
    (e, text) => e.emitToolCallAttempt({ toolName: 't', args: text }),
    'arguments_preview',
  ],
  [
    'emitToolCallComplete',
    (e, text) => e.emitToolCallComplete({ toolName: 't', result: text }),
    'result_preview',
  ],
];

const EMOJI = '\u{1F600}'; // two UTF-16 units

const CASES: [name: string, input: string, expected: string][] = [
  ['shorter than 200: unchanged', 'short', 'short'],
  ['exactly 200: unchanged', 'x'.repeat(200), 'x'.repeat(200)],
  ['250 ASCII characters: the first 200', `${'x'.repeat(200)}${'y'.repeat(50)}`, 'x'.repeat(200)],
  [
    'a surrogate pair straddling position 200: kept whole (201 UTF-16 units)',
    `${'a'.repeat(199)}${EMOJI}tail`,
    `${'a'.repeat(199)}${EMOJI}`,
  ],
  [
    'a surrogate pair before the cut: counted as one character',
    `${'a'.repeat(198)}${EMOJI}bcd`,
    `${'a'.repeat(198)}${EMOJI}b`,
  ],
  ['300 emoji: 200 of them (400 UTF-16 units)', EMOJI.repeat(300), EMOJI.repeat(200)],
  [
    'a lone high surrogate at position 199: one character, nothing glued to it',
    `${'a'.repeat(199)}\uD800bbb`,
    `${'a'.repeat(199)}\uD800`,
  ],
];

describe('AuditEmitter previews: the first 200 characters, cut on code points', () => {
  it('PREVIEW_LENGTH is 200', () => {
    expect(PREVIEW_LENGTH).toBe(200);
  });

  for (const [method, emit, key] of PREVIEWS) {
    for (const [name, input, expected] of CASES) {
      it(`${method} -> ${key}: ${name}`, () => {
        const collector = new InMemoryCollector();
        emit(new AuditEmitter({ collector }), input);
        const written = collector.getEvents()[0].toDict()[key] as string;
        expect(written).toBe(expected);
        expect(written).toBe(firstCodePoints(input));
        expect(JSON.parse(collector.getEvents()[0].serialize())[key]).toBe(expected);
      });
    }
  }

  it('the straddling pair in numbers: 201 UTF-16 units, 200 code points, ends with the whole emoji', () => {
    const collector = new InMemoryCollector();
    new AuditEmitter({ collector }).emitTurnStart({ prompt: `${'a'.repeat(199)}${EMOJI}${'z'.repeat(20)}` });
    const written = collector.getEvents()[0].toDict().prompt_preview as string;
    expect(written.length).toBe(201);
    expect(Array.from(written)).toHaveLength(200);
    expect(written.endsWith(EMOJI)).toBe(true);
    expect(written.isWellFormed()).toBe(true);
  });

  it('preview(text, length): any length, cut on code points', () => {
    expect(preview('abcdef', 3)).toBe('abc');
    expect(preview(`ab${EMOJI}cd`, 3)).toBe(`ab${EMOJI}`);
    expect(preview('abc', 0)).toBe('');
    expect(preview('x'.repeat(201))).toBe('x'.repeat(200));
  });

  it('preview(text): equals the first 200 code points for arbitrary strings (fast-check)', () => {
    const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
    console.log(`emitter-preview: fast-check seed ${seed} (rerun with FC_SEED=${seed})`);
    const text = fc.oneof(
      fc.string({ unit: 'binary', minLength: 150, maxLength: 260 }),
      fc.string({ unit: 'grapheme', minLength: 150, maxLength: 260 }),
      fc.string({ unit: fc.constantFrom('a', EMOJI, '\uD800', '\uDC00'), minLength: 190, maxLength: 220 }),
    );
    fc.assert(
      fc.property(text, (input) => {
        expect(preview(input)).toBe(firstCodePoints(input));
      }),
      { seed, verbose: true, numRuns: 500 },
    );
  });
});

/** Every preview the emitter makes, from the event table: method, argument, record key, required arguments. */
const TABLE_PREVIEWS = Object.entries(BUILTIN_EVENTS).flatMap(([type, entry]) => {
  if (!('emitter' in entry)) return [];
  const fields = EVENT_CLASSES[type as keyof typeof EVENT_CLASSES].fields;
  const required = Object.fromEntries(
    fields.filter((field) => field.required).map((field) => [field.arg, 'x']),
  );
  return fields
    .filter((field) => field.preview)
    .map((field) => ({ method: entry.emitter.method, arg: field.arg, key: field.key, required }));
});

/** Emits one event through `method` with `value` as the preview argument; returns the record's preview. */
function previewOf(
  options: { previewLength?: number; previewMarker?: string },
  entry: (typeof TABLE_PREVIEWS)[number],
  value: unknown,
): unknown {
  const collector = new InMemoryCollector();
  const audit = new AuditEmitter({ collector, ...options });
  (audit as unknown as Record<string, (args: object) => unknown>)[entry.method].call(audit, {
    ...entry.required,
    [entry.arg]: value,
  });
  return JSON.parse(collector.getEvents()[0].serialize())[entry.key];
}

describe('AuditEmitter({ previewLength, previewMarker }): the length is an option, a cut is marked', () => {
  it('the table has six previews: prompt, content, arguments, result, model input and output', () => {
    expect(TABLE_PREVIEWS.map((entry) => `${entry.method}.${entry.arg}`)).toStrictEqual([
      'emitTurnStart.prompt',
      'emitTurnEnd.content',
      'emitToolCallAttempt.args',
      'emitToolCallComplete.result',
      'emitModelCall.input',
      'emitModelCall.output',
    ]);
  });

  for (const entry of TABLE_PREVIEWS) {
    it(`${entry.method}({ ${entry.arg} }) -> ${entry.key}: previewLength 8, marker "…" only after a cut`, () => {
      const options = { previewLength: 8, previewMarker: '…' };
      expect(previewOf(options, entry, 'abcdefgh')).toBe('abcdefgh');
      expect(previewOf(options, entry, 'abcdefghi')).toBe('abcdefgh…');
      expect(previewOf(options, entry, 'short')).toBe('short');
      // Code points: the pair straddling the cut stays whole, and counts as one.
      expect(previewOf(options, entry, `abcdefg${EMOJI}z`)).toBe(`abcdefg${EMOJI}…`);
      expect(previewOf(options, entry, EMOJI.repeat(9))).toBe(`${EMOJI.repeat(8)}…`);
      // A value that is not a string: its JSON, cut like text.
      expect(previewOf(options, entry, { q: 'cats', n: 1 })).toBe('{"q":"ca…');
      expect(previewOf(options, entry, [1, 2])).toBe('[1,2]');
    });
  }

  it('previewLength alone: the reference marks nothing', () => {
    expect(previewOf({ previewLength: 3 }, TABLE_PREVIEWS[0], 'abcdef')).toBe('abc');
    expect(previewOf({ previewMarker: ' [cut]' }, TABLE_PREVIEWS[0], 'x'.repeat(201))).toBe(
      `${'x'.repeat(200)} [cut]`,
    );
    expect(previewOf({ previewMarker: ' [cut]' }, TABLE_PREVIEWS[0], 'x'.repeat(200))).toBe('x'.repeat(200));
  });

  it('previewLength 0: empty, marked when there was text', () => {
    expect(previewOf({ previewLength: 0, previewMarker: '…' }, TABLE_PREVIEWS[0], 'abc')).toBe('…');
    expect(previewOf({ previewLength: 0, previewMarker: '…' }, TABLE_PREVIEWS[0], '')).toBe('');
  });

  it('values that are not strings: serialized as JSON first (numbers, booleans, Maps, cycles, BigInt)', () => {
    const entry = TABLE_PREVIEWS.find((candidate) => candidate.arg === 'result')!;
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    const cases: [unknown, string][] = [
      [42, '42'],
      [false, 'false'],
      [{ big: 10n, nan: Number.NaN, gone: undefined }, '{"big":"10","nan":"NaN"}'],
      [new Map([['k', 'v']]), '[["k","v"]]'],
      [loop, '{"name":"loop","self":"[Circular]"}'],
      [[undefined, () => 1], '[null,"[Function: anonymous]"]'],
    ];
    for (const [value, expected] of cases) expect(previewOf({}, entry, value)).toBe(expected);
    // null and undefined mean "not given": the field's default.
    expect(previewOf({}, entry, null)).toBe('');
    expect(previewOf({}, entry, undefined)).toBe('');
  });

  it('a large object: the preview is the start of its JSON, made from a bounded part of it', () => {
    const entry = TABLE_PREVIEWS.find((candidate) => candidate.arg === 'args')!;
    const rows = Array.from({ length: 200_000 }, (_, index) => ({ index, text: 'é'.repeat(50) }));
    const started = performance.now();
    const written = previewOf({ previewMarker: '…' }, entry, { rows });
    const elapsed = performance.now() - started;
    // The first 200 code points fall within the first rows.
    expect(written).toBe(
      `${Array.from(JSON.stringify({ rows: rows.slice(0, 5) }))
        .slice(0, 200)
        .join('')}…`,
    );
    // A generous bound on a shared machine: serializing all of it takes far longer.
    expect(elapsed).toBeLessThan(1000);
  });

  it('a custom event field with preview: true is cut by emit(Class) with the same options', () => {
    const Summary = defineEvent({ type: 'summary', fields: { text: { kind: 'string', preview: true } } });
    const collector = new InMemoryCollector();
    new AuditEmitter({ collector, previewLength: 4, previewMarker: '…' }).emit(Summary, { text: 'abcdef' });
    expect(collector.getEvents()[0].toDict().text).toBe('abcd…');
  });

  const bad: [name: string, options: Record<string, unknown>, message: string][] = [
    [
      'a negative previewLength',
      { previewLength: -1 },
      'Invalid option "previewLength": expected an integer from 0',
    ],
    [
      'a fractional previewLength',
      { previewLength: 1.5 },
      'Invalid option "previewLength": expected an integer',
    ],
    ['a previewLength given as text', { previewLength: '10' }, 'Invalid option "previewLength"'],
    [
      'a previewMarker that is not text',
      { previewMarker: 5 },
      'Invalid option "previewMarker": expected a string, got 5',
    ],
  ];
  for (const [name, options, message] of bad) {
    it(`${name}: AuditOptionError naming it`, () => {
      expect(() => new AuditEmitter(options as never)).toThrow(AuditOptionError);
      expect(() => new AuditEmitter(options as never)).toThrow(message);
    });
  }
});
