/**
 * The offloaded sink is a drop-in replacement: the same events written through
 * JSONLSinkCollector and through ThreadedJSONLSinkCollector give byte-identical files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type AuditEvent, JSONLSinkCollector, ThreadedJSONLSinkCollector } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { REFERENCE_CLASSES } from './support/reference-tables.js';
import { useTempDir } from './support/temp-files.js';
import { parseLines, readLines } from './support/threaded-sink-kit.js';

/** Metadata a JSON writer can get wrong: unicode of every width, escapes, and unrepresentable values. */
function awkwardMetadata(index: number): Record<string, unknown> {
  return {
    index,
    unicode: 'é ß Ж 中文 한국어 € ⚙ 😀 𝄞 🧪 👩‍👩‍👧 e\u0301',
    escapes: 'quote " backslash \\ newline \n tab \t nul \u0000 bell \u0007 ls \u2028 ps \u2029',
    loneSurrogates: '\ud800 and \udfff',
    big: 12345678901234567890123n,
    negativeBig: -(2n ** 70n),
    numbers: [0, -0, 1.5, -1e-7, 1e21, Number.MAX_SAFE_INTEGER, Number.NaN, Number.POSITIVE_INFINITY],
    nested: { list: [null, true, false, undefined, { deep: ['x'] }], map: new Map([['k', 1n]]) },
    set: new Set(['a', 'b']),
    date: new Date(Date.UTC(2025, 5, 15, 14, 30)),
    symbol: Symbol('tag'),
    empty: {},
  };
}

/** Every one of the 15 classes (and the base), with non-default fields, twice over. */
function allEvents(): AuditEvent[] {
  const events: AuditEvent[] = [];
  for (let round = 0; round < 2; round++) {
    for (const entry of REFERENCE_CLASSES) {
      const options: Record<string, unknown> = {
        agentId: round === 0 ? 'agent-ü' : null,
        turnId: 'turn-1',
        sessionId: round === 0 ? null : 'session-😀',
        metadata: awkwardMetadata(events.length),
      };
      for (const field of entry.fields) options[field.prop] = field.sample;
      events.push(new entry.cls(options));
    }
  }
  return events;
}

describe('ThreadedJSONLSinkCollector: byte-identical to JSONLSinkCollector', () => {
  const tempDir = useTempDir('calute-');

  for (const mode of [
    { name: 'default ring', ringSize: undefined },
    { name: 'ringSize 64 (every record bigger than the ring)', ringSize: 64 },
    { name: 'ringSize 1024 (records wrap the ring)', ringSize: 1024 },
  ]) {
    it(`emit() then close(): the same bytes as JSONLSinkCollector (${mode.name})`, () => {
      const dir = tempDir();
      const events = allEvents();
      expect(new Set(events.map((event) => event.eventType)).size).toBe(16);

      const syncFile = path.join(dir, 'sync.jsonl');
      const sync = new JSONLSinkCollector(syncFile);
      for (const event of events) sync.emit(event);
      sync.close();

      const threadedFile = path.join(dir, 'threaded.jsonl');
      const threaded = new ThreadedJSONLSinkCollector(threadedFile, { ringSize: mode.ringSize });
      for (const event of events) threaded.emit(event);
      threaded.close();

      const expected = fs.readFileSync(syncFile);
      const actual = fs.readFileSync(threadedFile);
      // Not vacuous: one whole record per event, with the awkward values in them.
      const records = parseLines(readLines(syncFile));
      expect(records.map((record) => record.event_type)).toStrictEqual(
        events.map((event) => event.eventType),
      );
      expect(records[0].metadata.big).toBe('12345678901234567890123');
      expect(records[0].metadata.unicode).toContain('👩‍👩‍👧');
      expect(actual.length).toBe(expected.length);
      expect(actual.equals(expected)).toBe(true);
    });
  }
});
