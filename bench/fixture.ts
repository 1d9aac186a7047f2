/**
 * The event mix of every bench: one agent turn, four records made by the Python reference,
 * from `test/fixtures/reference/agent-turn-events.json`, built into event objects through
 * `EVENT_CLASSES` with camelCase options. Each event's compiled record writer must give
 * exactly `JSON.stringify(record)`, or the benches would compare different work: that is
 * checked when this module loads.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AuditEvent, EVENT_CLASSES, type EventType } from 'calute-audit';

export type PlainRecord = Record<string, unknown> & { event_type: EventType };

/** The repository root: the nearest directory up from this file whose package.json is ours. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'calute-audit') {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('bench/fixture: no calute-audit package.json above this file');
    dir = parent;
  }
}

export const FIXTURE_PATH = path.resolve(repoRoot(), 'test/fixtures/reference/agent-turn-events.json');

const camel = (key: string): string => key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** The constructor options of a record: every key but `event_type`, in camelCase. */
export function optionsOf(record: PlainRecord): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (key !== 'event_type') options[camel(key)] = value;
  return options;
}

type EventConstructor = new (options: Record<string, unknown>) => AuditEvent;

/** A new event of the record's class, from camelCase options. */
export function buildEvent(eventType: EventType, options: Record<string, unknown>): AuditEvent {
  const EventClass = EVENT_CLASSES[eventType] as unknown as EventConstructor;
  return new EventClass(options);
}

function loadRecords(): PlainRecord[] {
  const records = JSON.parse(fs.readFileSync(FIXTURE_PATH, 'utf8')) as PlainRecord[];
  if (!Array.isArray(records) || records.length === 0) throw new Error(`${FIXTURE_PATH}: no records`);
  return records;
}

/** The plain records, as in the fixture (snake_case keys, the reference's order). */
export const records: readonly PlainRecord[] = loadRecords();

/** The same records as event objects. */
export const events: readonly AuditEvent[] = records.map((record) =>
  buildEvent(record.event_type, optionsOf(record)),
);

/** Each record's JSONL line, newline included. */
export const lines: readonly string[] = records.map((record) => `${JSON.stringify(record)}\n`);

/** Bytes of one turn (one of each record), as JSONL. */
export const turnBytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);

/** Bytes of `count` events emitted round-robin from the first record. */
export function bytesOf(count: number): number {
  const turns = Math.floor(count / lines.length);
  let bytes = turns * turnBytes;
  for (let i = 0; i < count % lines.length; i++) bytes += Buffer.byteLength(lines[i]);
  return bytes;
}

for (const [index, event] of events.entries()) {
  const expected = JSON.stringify(records[index]);
  if (event.serialize() !== expected) {
    throw new Error(`bench/fixture: record ${index} serializes differently from JSON.stringify`);
  }
}

/**
 * A copy of the turn whose string values change on every call of `next`: a new timestamp
 * (same length) and a counter appended to each `*Preview` text, in the event and in the
 * plain record alike. The record writer keeps the JSON of a repeated primitive value, and
 * the fixture repeats the same four objects; this is the honest case where each event
 * carries text never seen before. The new strings are flattened before the call measured.
 */
export class FreshTurn {
  readonly events: AuditEvent[] = records.map((record) => buildEvent(record.event_type, optionsOf(record)));
  readonly records: PlainRecord[] = records.map((record) => ({ ...record }));
  readonly #previews = this.events.map((event) =>
    Object.keys(event).filter((key) => key.endsWith('Preview')),
  );
  readonly #basePreviews = this.events.map((event, index) =>
    this.#previews[index].map((key) => (event as unknown as Record<string, string>)[key]),
  );
  #counter = 0;

  /** Gives event (and record) `index % 4` fresh string values and returns the index used. */
  next(index: number): number {
    const slot = index % this.events.length;
    const n = this.#counter++;
    const event = this.events[slot] as unknown as Record<string, unknown>;
    const record = this.records[slot] as Record<string, unknown>;
    const micros = String(n % 1_000_000).padStart(6, '0');
    const timestamp = flat(`2025-06-15T14:30:00.${micros}+00:00`);
    event.timestamp = timestamp;
    record.timestamp = timestamp;
    const keys = this.#previews[slot];
    for (let k = 0; k < keys.length; k++) {
      const text = flat(`${this.#basePreviews[slot][k]} #${n}`);
      event[keys[k]] = text;
      record[keys[k].replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)] = text;
    }
    return slot;
  }
}

/** Flattens a concatenated (rope) string now, as text read from I/O already is. */
function flat(text: string): string {
  Number(text);
  return text;
}
