import { AuditEmitter, InMemoryCollector, PREVIEW_LENGTH, preview } from 'calute-audit';
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
