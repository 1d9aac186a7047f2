import {
  AuditEvent,
  EVENT_CLASSES,
  formatTimestamp,
  nowTimestamp,
  ToolCallFailureEvent,
  TurnStartEvent,
} from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { REFERENCE_CLASSES, TIMESTAMP_FORMAT } from './support/reference-tables.js';

describe('event constructors: defaults and severities (reference table)', () => {
  it('covers the base class and all fifteen subclasses', () => {
    expect(REFERENCE_CLASSES).toHaveLength(16);
    expect(new Set(REFERENCE_CLASSES.map((entry) => entry.eventType)).size).toBe(16);
  });

  for (const entry of REFERENCE_CLASSES) {
    it(`new ${entry.name}(): event_type "${entry.eventType}", severity "${entry.severity}", every default`, () => {
      const event = new entry.cls() as unknown as Record<string, unknown>;
      expect(event.eventType).toBe(entry.eventType);
      expect(event.severity).toBe(entry.severity);
      expect(event.agentId).toBeNull();
      expect(event.turnId).toBeNull();
      expect(event.sessionId).toBeNull();
      expect(event.metadata).toStrictEqual({});
      expect(event.timestamp).toMatch(TIMESTAMP_FORMAT);
      const record = (event as unknown as AuditEvent).toDict();
      expect(record.event_type).toBe(entry.eventType);
      expect(record.severity).toBe(entry.severity);
      for (const field of entry.fields) {
        expect(event[field.prop], field.prop).toStrictEqual(field.default);
        expect(record[field.key], field.key).toStrictEqual(field.default);
      }
    });

    it(`new ${entry.name}(options): every option sets its property and record key`, () => {
      const options: Record<string, unknown> = {
        timestamp: '2025-06-15T14:30:00.123456+00:00',
        agentId: 'agent-1',
        turnId: 'turn-1',
        sessionId: 'sess-1',
        metadata: { k: 'v' },
      };
      for (const field of entry.fields) options[field.prop] = field.sample;
      const event = new entry.cls(options);
      const record = event.toDict();
      expect(record).toMatchObject({
        timestamp: '2025-06-15T14:30:00.123456+00:00',
        agent_id: 'agent-1',
        turn_id: 'turn-1',
        session_id: 'sess-1',
        metadata: { k: 'v' },
      });
      for (const field of entry.fields) {
        expect((event as unknown as Record<string, unknown>)[field.prop], field.prop).toStrictEqual(
          field.sample,
        );
        expect(record[field.key], field.key).toStrictEqual(field.sample);
      }
    });

    const override = entry.severity === 'info' ? 'warning' : 'info';
    it(`new ${entry.name}({ severity: "${override}" }): an explicit severity overrides the class default`, () => {
      const event = new entry.cls({ severity: override });
      expect(event.severity).toBe(override);
      expect(event.toDict().severity).toBe(override);
    });
  }

  it("EVENT_CLASSES maps each of the reference's fifteen event types to its class, and this package's two more", () => {
    const expected = Object.fromEntries(
      REFERENCE_CLASSES.filter((entry) => entry.eventType !== 'base').map((entry) => [
        entry.eventType,
        entry.cls,
      ]),
    );
    expect(EVENT_CLASSES).toStrictEqual({
      ...expected,
      model_call: EVENT_CLASSES.model_call,
      events_dropped: EVENT_CLASSES.events_dropped,
    });
    expect(Object.keys(EVENT_CLASSES).slice(0, 15)).toStrictEqual(Object.keys(expected));
  });
});

describe('eventType: fixed per class, not settable', () => {
  for (const entry of REFERENCE_CLASSES) {
    it(`${entry.name}.eventType: assignment throws TypeError in strict mode and changes nothing`, () => {
      const event = new entry.cls();
      expect(() => {
        (event as unknown as { eventType: string }).eventType = 'forged';
      }).toThrow(TypeError);
      expect(event.eventType).toBe(entry.eventType);
      expect(event.toDict().event_type).toBe(entry.eventType);
      expect(JSON.parse(event.serialize()).event_type).toBe(entry.eventType);
    });
  }

  it('new TurnStartEvent({ eventType }): refused, naming the option', () => {
    expect(() => new TurnStartEvent({ eventType: 'forged' } as unknown as Record<string, never>)).toThrow(
      'Unknown option "eventType" of TurnStartEvent',
    );
  });

  it('Object.assign(event, { eventType }) throws and leaves the type', () => {
    const event = new ToolCallFailureEvent();
    expect(() => Object.assign(event, { eventType: 'forged' })).toThrow(TypeError);
    expect(event.eventType).toBe('tool_call_failure');
  });
});

describe('metadata: a fresh object per event', () => {
  for (const entry of REFERENCE_CLASSES) {
    it(`new ${entry.name}() twice: two distinct metadata objects`, () => {
      const first = new entry.cls();
      const second = new entry.cls();
      expect(first.metadata).not.toBe(second.metadata);
      first.metadata.changed = true;
      expect(second.metadata).toStrictEqual({});
      expect(new entry.cls().metadata).toStrictEqual({});
    });
  }

  it('new TurnStartEvent({ metadata }): the given object is the event metadata', () => {
    const metadata = { a: 1 };
    const event = new TurnStartEvent({ metadata });
    expect(event.metadata).toBe(metadata);
    expect(event.toDict().metadata).toStrictEqual({ a: 1 });
  });
});

describe('timestamp: UTC, microseconds, +00:00', () => {
  it('new AuditEvent(): timestamp matches the reference format and is close to the wall clock', () => {
    const before = Date.now();
    const event = new AuditEvent();
    const after = Date.now();
    expect(event.timestamp).toMatch(TIMESTAMP_FORMAT);
    const millis = Date.parse(event.timestamp.replace(/(\.\d{3})\d{3}\+00:00$/, '$1Z'));
    // A sanity bound, not a timing assertion: the clock must be the wall clock, in UTC.
    expect(millis).toBeGreaterThanOrEqual(before - 60_000);
    expect(millis).toBeLessThanOrEqual(after + 60_000);
  });

  it('formatTimestamp(epochMicros): exact digits, six fraction digits padded with zeros', () => {
    const base = Date.UTC(2025, 5, 15, 14, 30, 0) * 1000;
    expect(formatTimestamp(base + 123_456)).toBe('2025-06-15T14:30:00.123456+00:00');
    expect(formatTimestamp(base + 7)).toBe('2025-06-15T14:30:00.000007+00:00');
    expect(formatTimestamp(base)).toBe('2025-06-15T14:30:00.000000+00:00');
    expect(formatTimestamp(base + 999_999)).toBe('2025-06-15T14:30:00.999999+00:00');
    // The cached second changes with the input, in both directions.
    expect(formatTimestamp(base + 1_000_001)).toBe('2025-06-15T14:30:01.000001+00:00');
    expect(formatTimestamp(base - 1)).toBe('2025-06-15T14:29:59.999999+00:00');
    expect(formatTimestamp(base + 86_400_000_000)).toBe('2025-06-16T14:30:00.000000+00:00');
  });

  it('nowTimestamp(): the reference format', () => {
    for (let i = 0; i < 100; i++) expect(nowTimestamp()).toMatch(TIMESTAMP_FORMAT);
  });

  it('new TurnStartEvent({ timestamp }): a given timestamp is kept', () => {
    const event = new TurnStartEvent({ timestamp: '2025-06-15T14:30:00.123456+00:00' });
    expect(event.timestamp).toBe('2025-06-15T14:30:00.123456+00:00');
    expect(event.toDict().timestamp).toBe('2025-06-15T14:30:00.123456+00:00');
  });
});
