import {
  ErrorEvent,
  InMemoryCollector,
  ToolCallAttemptEvent,
  TurnEndEvent,
  TurnStartEvent,
} from 'calute-audit';
import { describe, expect, it } from 'vitest';

function sample() {
  return [
    new TurnStartEvent({ turnId: 't1' }),
    new ToolCallAttemptEvent({ toolName: 'a' }),
    new ToolCallAttemptEvent({ toolName: 'b' }),
    new ErrorEvent({ errorType: 'E' }),
    new ToolCallAttemptEvent({ toolName: 'c' }),
    new TurnEndEvent({ turnId: 't1' }),
  ];
}

describe('InMemoryCollector', () => {
  it('emit + getEvents(): the same event objects, in insertion order', () => {
    const collector = new InMemoryCollector();
    const events = sample();
    for (const event of events) collector.emit(event);
    const got = collector.getEvents();
    expect(got).toHaveLength(events.length);
    got.forEach((event, index) => {
      expect(event).toBe(events[index]);
    });
  });

  it('getEvents(): a copy; changing it leaves the collector alone', () => {
    const collector = new InMemoryCollector();
    for (const event of sample()) collector.emit(event);
    const first = collector.getEvents();
    const second = collector.getEvents();
    expect(first).not.toBe(second);
    first.length = 0;
    second.reverse();
    second.push(new ErrorEvent());
    expect(collector.length).toBe(6);
    expect(collector.getEvents().map((event) => event.eventType)).toStrictEqual([
      'turn_start',
      'tool_call_attempt',
      'tool_call_attempt',
      'error',
      'tool_call_attempt',
      'turn_end',
    ]);
  });

  it('getEventsByType(type): only that type, in insertion order, as a copy', () => {
    const collector = new InMemoryCollector();
    for (const event of sample()) collector.emit(event);
    const attempts = collector.getEventsByType('tool_call_attempt') as ToolCallAttemptEvent[];
    expect(attempts.map((event) => event.toolName)).toStrictEqual(['a', 'b', 'c']);
    expect(collector.getEventsByType('error')).toHaveLength(1);
    expect(collector.getEventsByType('skill_used')).toStrictEqual([]);
    attempts.pop();
    expect(collector.getEventsByType('tool_call_attempt')).toHaveLength(3);
    expect(collector.length).toBe(6);
  });

  it('length: counts emits; clear(): empties it, and emitting works after', () => {
    const collector = new InMemoryCollector();
    expect(collector.length).toBe(0);
    const events = sample();
    events.forEach((event, index) => {
      collector.emit(event);
      expect(collector.length).toBe(index + 1);
    });
    const snapshot = collector.getEvents();
    collector.clear();
    expect(collector.length).toBe(0);
    expect(collector.getEvents()).toStrictEqual([]);
    expect(collector.getEventsByType('tool_call_attempt')).toStrictEqual([]);
    expect(snapshot).toHaveLength(6); // an earlier snapshot is not cleared with it
    const late = new TurnStartEvent();
    collector.emit(late);
    expect(collector.getEvents()).toStrictEqual([late]);
  });

  it('the same event emitted twice is kept twice', () => {
    const collector = new InMemoryCollector();
    const event = new TurnStartEvent();
    collector.emit(event);
    collector.emit(event);
    expect(collector.length).toBe(2);
  });

  it('flush(): a no-op that keeps every event', () => {
    const collector = new InMemoryCollector();
    for (const event of sample()) collector.emit(event);
    expect(collector.flush()).toBeUndefined();
    expect(collector.length).toBe(6);
  });
});
