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
 * The turn with fresh values on every call of `next`, as an agent loop makes them: a new
 * event object each time (its timestamp taken when it is made, as every real event's is),
 * a counter appended to each `*Preview` text, and the plain record of that same event for
 * `JSON.stringify`. The record writer keeps the bytes of a repeated value, and the fixture
 * repeats the same four events; this is the honest case where each event carries text never
 * seen before. Everything is made before the call measured; the new strings are flattened,
 * as text read from I/O already is.
 */
export class FreshTurn {
  /** The event and the record of the current slot. */
  event: AuditEvent = events[0];
  record: PlainRecord = records[0];
  readonly #options = records.map((record) => {
    const { timestamp: _, ...options } = optionsOf(record);
    return options;
  });
  #counter = 0;

  /** Makes fresh values for event `index % 4` and returns the index used. */
  next(index: number): number {
    const slot = index % records.length;
    const n = this.#counter++;
    const options: Record<string, unknown> = { ...this.#options[slot] };
    for (const key of Object.keys(options)) {
      if (key.endsWith('Preview')) options[key] = flat(`${options[key] as string} #${n}`);
    }
    this.event = buildEvent(records[slot].event_type, options);
    // Not from toDict(): that would run the event's record writer, which then finds the same
    // values again on emit and returns the record it just wrote, hiding the writer's work.
    this.record = recordOf(this.event, records[slot].event_type);
    return slot;
  }
}

/** The plain record of `event`, built from its properties and its class's field table. */
function recordOf(event: AuditEvent, eventType: EventType): PlainRecord {
  const record: Record<string, unknown> = {
    event_type: eventType,
    timestamp: event.timestamp,
    agent_id: event.agentId,
    turn_id: event.turnId,
    session_id: event.sessionId,
    severity: event.severity,
    metadata: event.metadata,
  };
  for (const field of EVENT_CLASSES[eventType].fields) {
    const value = (event as unknown as Record<string, unknown>)[field.prop];
    if (field.optional && (value === undefined || value === null)) continue;
    record[field.key] = value;
  }
  return record as PlainRecord;
}

/** A fresh text for the `args` of an emitter call, flattened. */
export function freshText(base: string, n: number): string {
  return flat(`${base} #${n}`);
}

/** Flattens a concatenated (rope) string now, as text read from I/O already is. */
function flat(text: string): string {
  Number(text);
  return text;
}
