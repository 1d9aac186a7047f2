/**
 * Bad input through the offloaded sink (fast-check; the seed is printed, replay a failure with
 * FC_SEED=<seed>): arbitrary metadata goes through a 1 KiB ring, so most records wrap it and
 * long ones stream through it in pieces. Every line parses, equals `toDict()` as it was at
 * emit time, and the sentinel emitted right after is intact; a value holding a newline and a
 * forged record never makes a second line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type AuditEvent,
  SkillAuthoredEvent,
  ThreadedJSONLSinkCollector,
  ToolCallAttemptEvent,
  TurnEndEvent,
  TurnStartEvent,
} from 'calute-audit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXED_TIMESTAMP, seedFrom } from './support/threaded-sink-kit.js';

const RING_SIZE = 1024;
const RUNS = 200;

function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

class Point {
  constructor(
    readonly x: number,
    readonly y: unknown,
  ) {}
  get norm(): number {
    return Math.hypot(this.x, 1);
  }
}

/** Any code point, plus lone surrogates (fast-check's 'binary' unit never makes those). */
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));
const anyUnit = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  loneSurrogate,
);
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: anyUnit, maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  // Up to twice the ring in UTF-16 units; mostly 4-byte characters, so up to 8 times in bytes.
  { weight: 1, arbitrary: fc.string({ unit: anyUnit, minLength: RING_SIZE, maxLength: 2 * RING_SIZE }) },
);

function throwingGetter(message: string): object {
  const target = { before: 1 };
  Object.defineProperty(target, 'explodes', {
    enumerable: true,
    get() {
      throw new Error(message);
    },
  });
  return target;
}

function named() {}
const leaf = fc.oneof(
  text,
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.bigInt(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, undefined, null),
  fc.string().map((description) => Symbol(description)),
  fc.constantFrom(named, () => 0, class Tool {}, Math.max),
  fc.date({ noInvalidDate: false }),
  text.map((message) => throwingGetter(message)),
);

const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('array'),
    tie('object'),
    tie('map'),
    tie('set'),
    tie('point'),
  ),
  array: fc.array(tie('node'), { maxLength: 4 }),
  object: fc.dictionary(text, tie('node'), { maxKeys: 4 }),
  map: fc.array(fc.tuple(tie('node'), tie('node')), { maxLength: 3 }).map((entries) => new Map(entries)),
  set: fc.array(tie('node'), { maxLength: 3 }).map((items) => new Set(items)),
  point: fc.tuple(fc.double(), tie('node')).map(([x, y]) => new Point(x, y)),
})).node;

/** Metadata: a dictionary of anything, sometimes with a cycle back to itself. */
const metadataArb = fc
  .tuple(fc.dictionary(text, value, { maxKeys: 5 }), fc.constantFrom('none', 'self', 'nested'))
  .map(([metadata, loop]) => {
    if (loop === 'self') setKey(metadata, 'loop', metadata);
    if (loop === 'nested') setKey(metadata, 'child', { list: [metadata, new Set([metadata])] });
    return metadata;
  });

const eventArb = fc
  .tuple(fc.constantFrom('turn_start', 'tool_call_attempt', 'skill_authored'), text, metadataArb)
  .map(([kind, field, metadata]): AuditEvent => {
    const envelope = { timestamp: FIXED_TIMESTAMP, agentId: field, metadata };
    if (kind === 'turn_start') return new TurnStartEvent({ ...envelope, promptPreview: field });
    if (kind === 'tool_call_attempt')
      return new ToolCallAttemptEvent({ ...envelope, toolName: field, argumentsPreview: field });
    return new SkillAuthoredEvent({ ...envelope, uniqueTools: [field, field] });
  });

describe('ThreadedJSONLSinkCollector: arbitrary input through a 1 KiB ring', () => {
  let file: string;
  let sink: ThreadedJSONLSinkCollector;
  let offset = 0;

  beforeAll(() => {
    // One sink for every run, as an application would have; each run reads what it added.
    file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'calute-input-')), 'audit.jsonl');
    sink = new ThreadedJSONLSinkCollector(file, { ringSize: RING_SIZE });
  });
  afterAll(() => {
    sink.close();
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  /** Emits `event` and a sentinel, flushes, and returns the lines the two added to the file. */
  function emitWithSentinel(event: AuditEvent, run: number): { lines: string[]; sentinel: string } {
    const sentinelEvent = new TurnEndEvent({ timestamp: FIXED_TIMESTAMP, metadata: { sentinel: run } });
    sink.emit(event);
    // emit() serialized the event: changing it now must not change its line.
    event.agentId = 'changed after emit()';
    setKey(event.metadata, 'changedAfterEmit', true);
    sink.emit(sentinelEvent);
    sink.flush();
    const size = fs.statSync(file).size;
    const added = Buffer.alloc(size - offset);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, added, 0, added.length, offset);
    } finally {
      fs.closeSync(fd);
    }
    offset = size;
    expect(added[added.length - 1]).toBe(0x0a);
    return { lines: added.subarray(0, -1).toString('utf8').split('\n'), sentinel: sentinelEvent.serialize() };
  }

  it('emit() of arbitrary metadata: one line per event, equal to toDict() at emit time, sentinel intact', () => {
    const seed = seedFrom('FC_SEED', 'input-property (arbitrary metadata)');
    let run = 0;
    // What the runs covered: a property whose generator missed these would prove little.
    const seen = { largerThanRing: 0, loneSurrogate: 0, throwingGetter: 0, circular: 0 };
    fc.assert(
      fc.property(eventArb, (event) => {
        const expected = event.toDict();
        const expectedLine = JSON.stringify(expected);
        const { lines, sentinel } = emitWithSentinel(event, run++);
        expect(lines).toHaveLength(2);
        expect(lines[0]).toBe(expectedLine);
        expect(JSON.parse(lines[0])).toEqual(expected);
        expect(lines[1]).toBe(sentinel);
        if (Buffer.byteLength(lines[0]) > RING_SIZE) seen.largerThanRing++;
        // JSON.stringify escapes a surrogate only when it is alone.
        if (/\\ud[89a-f][0-9a-f]{2}/.test(lines[0])) seen.loneSurrogate++;
        if (lines[0].includes('[Unserializable: ')) seen.throwingGetter++;
        if (lines[0].includes('"[Circular]"')) seen.circular++;
      }),
      { seed, numRuns: RUNS },
    );
    console.log(`input-property: runs covered ${JSON.stringify(seen)}`);
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(0);
    expect(sink.stats()).toMatchObject({
      enqueuedEvents: 2 * RUNS,
      writtenEvents: 2 * RUNS,
      droppedEvents: 0,
    });
  });

  it('emit() of values holding "\\n{"event_type":"forged"}" in any field: never a second line', () => {
    const seed = seedFrom('FC_SEED', 'input-property (line injection)');
    const forged = fc
      .tuple(text, fc.constantFrom('\n', '\r\n', '\n\n', '\u2028', '\r'), text)
      .map(
        ([before, breaker, after]) =>
          `${before}${breaker}{"event_type":"forged","agent_id":"x"}${breaker}${after}`,
      );
    let run = 0;
    fc.assert(
      fc.property(
        forged,
        fc.constantFrom('agentId', 'promptPreview', 'metadata key', 'metadata value', 'nested'),
        (payload, where) => {
          const metadata: Record<string, unknown> = {};
          if (where === 'metadata key') setKey(metadata, payload, 1);
          if (where === 'metadata value') setKey(metadata, 'note', payload);
          if (where === 'nested') setKey(metadata, 'deep', [{ inner: new Map([[payload, payload]]) }]);
          const event = new TurnStartEvent({
            timestamp: FIXED_TIMESTAMP,
            agentId: where === 'agentId' ? payload : null,
            promptPreview: where === 'promptPreview' ? payload : '',
            metadata,
          });
          const expectedLine = event.serialize();
          const { lines, sentinel } = emitWithSentinel(event, run++);
          expect(lines).toHaveLength(2);
          expect(JSON.parse(lines[0]).event_type).toBe('turn_start');
          expect(lines[0]).toBe(expectedLine);
          expect(lines[1]).toBe(sentinel);
        },
      ),
      { seed, numRuns: RUNS },
    );
  });
});
