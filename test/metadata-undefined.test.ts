/**
 * `undefined` in metadata follows JSON.stringify's rule, as JavaScript users expect: a key
 * whose value is undefined is left out of an object, and an undefined item of an array is
 * null. Checked on the bytes every collector writes, through the emitter (with bound
 * metadata too) and on built events, for the flat objects JSON.stringify writes directly and
 * for values that need the safe walk (a BigInt beside, a Map, a Set, nesting).
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  AuditEmitter,
  connectCollector,
  InMemoryCollector,
  JSONLSinkCollector,
  ThreadedJSONLSinkCollector,
  TurnStartEvent,
} from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-files.js';
import { readLines } from './support/threaded-sink-kit.js';

const CASES: [name: string, metadata: () => Record<string, unknown>, written: string][] = [
  ['a key whose value is undefined (a flat object)', () => ({ a: undefined, b: 1 }), '{"b":1}'],
  ['only undefined values', () => ({ a: undefined, b: undefined }), '{}'],
  ['undefined in an array', () => ({ list: [1, undefined, 'x'] }), '{"list":[1,null,"x"]}'],
  [
    'undefined nested in objects and arrays',
    () => ({ x: { y: undefined, z: [undefined, { w: undefined }] } }),
    '{"x":{"z":[null,{}]}}',
  ],
  [
    'undefined beside a BigInt (the safe walk)',
    () => ({ gone: undefined, big: 12n, list: [undefined] }),
    '{"big":"12","list":[null]}',
  ],
  [
    'a Map value and a Set item that are undefined',
    () => ({ map: new Map([['k', undefined]]), set: new Set([undefined]) }),
    '{"map":[["k",null]],"set":[null]}',
  ],
  [
    'a toJSON that returns undefined',
    () => ({ a: { toJSON: () => undefined }, b: [{ toJSON: () => undefined }] }),
    '{"b":[null]}',
  ],
];

describe('undefined in metadata: left out of objects, null in arrays (JSON.stringify rule)', () => {
  const tempDir = useTempDir();

  for (const [name, metadata, written] of CASES) {
    it(`${name}: ${written} from every collector and the emitter`, () => {
      const dir = tempDir();
      const syncFile = path.join(dir, 'sync.jsonl');
      const threadedFile = path.join(dir, 'threaded.jsonl');
      const sync = new JSONLSinkCollector(syncFile);
      const threaded = new ThreadedJSONLSinkCollector(threadedFile);
      const memory = new InMemoryCollector();
      const event = new TurnStartEvent({ promptPreview: 'p', metadata: metadata() });
      sync.emit(event);
      threaded.emit(event);
      connectCollector(threaded.handle).emit(event);
      memory.emit(event);
      new AuditEmitter({ collector: sync }).emitTurnStart({ prompt: 'p', metadata: metadata() });
      sync.close();
      threaded.close();

      const expected = `"metadata":${written},"prompt_preview":"p"}`;
      const lines = [...readLines(syncFile), ...readLines(threadedFile), memory.getEvents()[0].serialize()];
      expect(lines).toHaveLength(5);
      for (const line of lines) expect(line.endsWith(expected), line).toBe(true);
      expect(JSON.stringify(memory.getEvents()[0].toDict().metadata)).toBe(written);
      expect(fs.readFileSync(syncFile, 'utf8')).not.toContain('"undefined"');
    });
  }

  it("a call's undefined over a bound key: the key is left out, as a spread would leave it undefined", () => {
    const memory = new InMemoryCollector();
    const audit = new AuditEmitter({ collector: memory, metadata: { app: 'trip', step: 1 } });
    audit.emitError({ metadata: { step: undefined, extra: undefined } });
    expect(memory.getEvents()[0].serialize()).toContain('"metadata":{"app":"trip"}');
  });

  it('undefined metadata itself: the default {}', () => {
    const event = new TurnStartEvent({ metadata: undefined });
    expect(event.metadata).toStrictEqual({});
    expect(event.serialize()).toContain('"metadata":{}');
  });
});
