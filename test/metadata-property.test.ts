/**
 * Property: for arbitrary metadata, every line a JSONLSinkCollector writes parses, equals
 * `toDict()`, and holds the unrepresentable values in the string forms that an independent
 * oracle (below, written from json-safe.ts's documented table, not from its code) expects.
 * Reproduce a failure with FC_SEED=<the printed seed>.
 */
import fs from 'node:fs';
import path from 'node:path';
import { JSONLSinkCollector, SkillAuthoredEvent, ToolLoopWarningEvent, TurnStartEvent } from 'calute-audit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-files.js';

const CUT = '[Unserializable: nested deeper than 1000 levels]';

function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** JSON leaves out undefined in an object and writes null in an array (and for a hole). */
const OMIT = Symbol('omit');

/** The documented string forms, for the kinds of value the generator makes. */
function oracle(value: unknown, stack: readonly object[] = [], askToJson = true): unknown {
  if (value === undefined) return OMIT;
  if (value === null) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Number.POSITIVE_INFINITY) return 'Infinity';
    if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
    return Object.is(value, -0) ? 0 : value;
  }
  if (typeof value === 'symbol') return `Symbol(${value.description ?? ''})`;
  if (typeof value === 'function') return `[Function: ${value.name || 'anonymous'}]`;
  if (typeof value !== 'object') return value;
  if (stack.includes(value)) return '[Circular]';
  if (stack.length >= 1000) return CUT;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  const toJson = (value as { toJSON?: unknown }).toJSON;
  if (askToJson && typeof toJson === 'function') {
    // As JSON.stringify: asked once per position, not again on what it returns.
    let replaced: unknown;
    try {
      replaced = toJson.call(value);
    } catch (error) {
      return `[Unserializable: ${error instanceof Error ? error.message : String(error)}]`;
    }
    return oracle(replaced, stack, false);
  }
  if (value instanceof Number || value instanceof String || value instanceof Boolean) {
    return oracle(value.valueOf(), stack);
  }
  const inner = [...stack, value];
  const item = (entry: unknown) => {
    const converted = oracle(entry, inner);
    return converted === OMIT ? null : converted;
  };
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) out.push(item(value[i]));
    return out;
  }
  if (value instanceof Map) return [...value].map(([k, v]) => [item(k), item(v)]);
  if (value instanceof Set) return [...value].map(item);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const converted = oracle((value as Record<string, unknown>)[key], inner);
    if (converted !== OMIT) setKey(out, key, converted);
  }
  return out;
}

function named() {}
const strings = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string(),
  // Long enough for the record writer's bulk path, dense in what JSON escapes (escaped in place).
  fc.string({
    unit: fc.constantFrom('"', '\\', '\n', '\t', '\u0001', '\u001f', '\u007f', 'a', 'é', '😀', '\u2028'),
    minLength: 17,
    maxLength: 300,
  }),
);
const keys = fc.oneof(
  { weight: 5, arbitrary: strings },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toJSON', '0', '10', 'event_type') },
);
const leaves = [
  fc.boolean(),
  fc.integer(),
  fc.double(),
  strings,
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0),
  fc.string().map((description) => Symbol(description)),
  fc.constantFrom(named, () => 0, class Tool {}),
];
const anything = fc.anything({
  key: keys,
  values: leaves,
  maxDepth: 4,
  maxKeys: 5,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withSparseArray: true,
});
/** Metadata: a dictionary of anything, sometimes with a reference back to itself or a parent. */
const metadataArb = fc
  .tuple(fc.dictionary(keys, anything, { maxKeys: 6 }), fc.constantFrom('none', 'self', 'nested'))
  .map(([metadata, loop]) => {
    if (loop === 'self') setKey(metadata, 'loop', metadata);
    if (loop === 'nested') setKey(metadata, 'child', { list: [metadata, 1] });
    return metadata;
  });

describe('metadata property: JSONLSinkCollector lines equal toDict() and the documented string forms', () => {
  const tempDir = useTempDir();

  it('for arbitrary metadata, every written line parses and equals toDict() and the oracle', () => {
    const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
    console.log(`metadata-property: fast-check seed ${seed} (rerun with FC_SEED=${seed})`);
    const dir = tempDir();
    let run = 0;
    fc.assert(
      fc.property(metadataArb, strings, (metadata, text) => {
        const file = path.join(dir, `run-${run++}.jsonl`);
        const events = [
          new TurnStartEvent({ agentId: text, promptPreview: text, metadata }),
          new ToolLoopWarningEvent({ toolName: text, callCount: 3, metadata: { nested: metadata } }),
          new SkillAuthoredEvent({ uniqueTools: [text], metadata }),
        ];
        const sink = new JSONLSinkCollector(file);
        for (const event of events) sink.emit(event);
        sink.close();
        const lines = fs.readFileSync(file, 'utf8').split('\n');
        expect(lines.pop()).toBe(''); // the file ends with a newline
        expect(lines).toHaveLength(events.length);
        for (const [index, line] of lines.entries()) {
          const event = events[index];
          const parsed = JSON.parse(line);
          // toEqual, not toStrictEqual: a generated "constructor" key defeats the latter's type check.
          // The byte comparisons after it catch what toEqual forgives (undefined, holes).
          expect(parsed).toEqual(event.toDict());
          expect(JSON.stringify(event.toDict())).toBe(line);
          expect(line).toBe(event.serialize());
          // A value position of the record always holds a value: what JSON would leave out
          // (a toJSON that returns undefined) is written null there (json-safe.ts, stringifySafe).
          const metadataValue = oracle(event.metadata);
          const expected = {
            ...oracleRecord(event.toDict()),
            metadata: metadataValue === OMIT ? null : metadataValue,
          };
          expect(line).toBe(JSON.stringify(expected));
        }
        fs.rmSync(file);
      }),
      { seed, verbose: true, numRuns: 300 },
    );
  });

  it('oracle self-check: it gives the documented forms', () => {
    const loop: Record<string, unknown> = {};
    loop.me = loop;
    // biome-ignore lint/suspicious/noSparseArray: a hole is one of the documented cases
    const holey = [1, , 2];
    expect(
      oracle({ a: 1n, b: Number.NaN, c: undefined, d: -0, e: holey, f: loop, g: Object('s') }),
    ).toStrictEqual({
      a: '1',
      b: 'NaN',
      d: 0,
      e: [1, null, 2],
      f: { me: '[Circular]' },
      g: 's',
    });
  });
});

/** The envelope and own fields of a record, as the oracle writes them (they are already JSON-safe). */
function oracleRecord(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) setKey(out, key, oracle(record[key]));
  return out;
}
