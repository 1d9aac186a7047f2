/**
 * Helpers for the framework adapters' tests: an offloaded sink in a temporary directory
 * whose records are read once it is closed, a collector that always throws, and the
 * matchers that the records' run-dependent values (timestamps, durations, turn ids) need.
 */
import path from 'node:path';
import { type AuditCollector, AuditEvent, ThreadedJSONLSinkCollector } from 'calute-audit';
import { expect } from 'vitest';
import { readRecords } from './temp-files.js';

export interface SinkUnderTest {
  readonly sink: ThreadedJSONLSinkCollector;
  /** Closes the sink (every record is then in the file) and returns the records. */
  records(): Promise<Record<string, unknown>[]>;
}

export function openSink(dir: string): SinkUnderTest {
  const file = path.join(dir, 'audit.jsonl');
  const sink = new ThreadedJSONLSinkCollector(file);
  return {
    sink,
    async records() {
      await sink.closeAsync();
      return readRecords(file);
    },
  };
}

/** A collector whose `emit` always throws, and that counts its calls. */
export class ThrowingCollector implements AuditCollector {
  calls = 0;
  emit(event: AuditEvent): void {
    this.calls++;
    if (!(event instanceof AuditEvent)) throw new Error('not an event');
    throw new Error(`collector down (${event.eventType})`);
  }
  flush(): void {}
}

/** The record timestamp format, as a matcher. */
export const TIMESTAMP = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
/** A duration in milliseconds: a number, not negative. */
export const DURATION = expect.toSatisfy((value: unknown) => typeof value === 'number' && value >= 0);
/** A turn id made by the emitter: 12 hex characters. */
export const TURN_ID = /^[0-9a-f]{12}$/;

/** Epoch microseconds of a record timestamp. */
export function micros(timestamp: unknown): number {
  const text = String(timestamp);
  const [whole, fraction] = text.slice(0, 26).split('.');
  return Date.parse(`${whole}Z`) * 1000 + Number(fraction);
}

/** Collects the process warnings of one code while `action` runs (and a tick after it). */
export async function warningsDuring(code: string, action: () => Promise<unknown>): Promise<Error[]> {
  const seen: Error[] = [];
  const listener = (warning: Error & { code?: string }) => {
    if (warning.code === code) seen.push(warning);
  };
  process.on('warning', listener);
  try {
    await action();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

/**
 * The records of the scenario every adapter test runs (a `weather` tool that answers, a
 * `flaky` tool that fails), less their envelope: spread an envelope into each.
 */
export const SCENARIO_RECORDS = {
  weatherAttempt: {
    event_type: 'tool_call_attempt',
    tool_name: 'weather',
    arguments_preview: '{"city":"Paris"}',
    tool_call_id: 'call-weather',
  },
  flakyAttempt: {
    event_type: 'tool_call_attempt',
    tool_name: 'flaky',
    arguments_preview: '{"attempt":1}',
    tool_call_id: 'call-flaky',
  },
  weatherComplete: {
    event_type: 'tool_call_complete',
    tool_name: 'weather',
    status: 'success',
    duration_ms: DURATION,
    result_preview: '{"city":"Paris","sky":"sunny","celsius":21}',
    tool_call_id: 'call-weather',
  },
} as const;
