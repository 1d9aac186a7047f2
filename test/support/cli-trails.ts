/**
 * Trails for the command-line tests, written by the real sinks: an agent loop's emitter on
 * the main thread and a second producer in a worker thread (connectCollector), into one
 * ThreadedJSONLSinkCollector. Every record gets its time from one clock (1 s a record from
 * ORIGIN), so outputs can be compared exactly. Also: the same trail cut into a rotated,
 * partly gzipped set, and a copy ending in a torn line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import zlib from 'node:zlib';
import {
  type AuditCollector,
  AuditEmitter,
  EventsDroppedEvent,
  formatTimestamp,
  ThreadedJSONLSinkCollector,
} from 'calute-audit';
import { rotatedPath } from 'calute-audit/trail';
import { FIXTURES } from './child-process.js';

/** 2025-06-15T14:30:00.000000Z in epoch microseconds. */
export const ORIGIN = Date.UTC(2025, 5, 15, 14, 30, 0) * 1000;
/** One second between records: every duration in the trail fits between its records. */
export const STEP_MICROS = 1_000_000;

/** A collector that stamps each event with the next tick of the clock before passing it on. */
export function clocked(inner: AuditCollector, clock: { tick: number }): AuditCollector {
  return {
    emit(event) {
      event.timestamp = formatTimestamp(ORIGIN + clock.tick++ * STEP_MICROS);
      inner.emit(event);
    },
    flush() {
      inner.flush();
    },
  };
}

/**
 * The trail (17 records):
 *   turn t-0001 (planner): a model call, two tool calls paired by id (answered out of order)
 *   an events_dropped mark (7 events, 2100 bytes), as a sink in 'drop' mode writes it
 *   turn t-0002 (coder): a policy denial, then from the worker two run_tests attempts and
 *     their outcomes (a failure, a completion) paired by order, then an error
 *   an agent switch outside any turn
 */
export async function writeAgentTrail(file: string): Promise<void> {
  const sink = new ThreadedJSONLSinkCollector(file);
  const clock = { tick: 0 };
  const collector = clocked(sink, clock);
  const audit = new AuditEmitter({ collector, sessionId: 's-1' });
  const planner = audit.child({ agentId: 'planner', turnId: 't-0001' });
  planner.emitTurnStart({ agentId: 'planner', turnId: 't-0001', prompt: 'Plan the trip to Lisbon' });
  planner.emitModelCall({
    provider: 'openai',
    model: 'gpt-4o',
    inputTokens: 1200,
    outputTokens: 300,
    durationMs: 800,
    finishReason: 'tool_calls',
    responseModel: 'gpt-4o-2024-08-06',
    cachedInputTokens: 100,
  });
  planner.emitToolCallAttempt({ toolName: 'web_search', args: { q: 'flights' }, toolCallId: 'call-1' });
  planner.emitToolCallAttempt({ toolName: 'calculator', args: '2+2', toolCallId: 'call-2' });
  planner.emitToolCallComplete({
    toolName: 'calculator',
    durationMs: 1.5,
    result: '4',
    toolCallId: 'call-2',
  });
  planner.emitToolCallComplete({
    toolName: 'web_search',
    durationMs: 120,
    result: 'found 3 flights',
    toolCallId: 'call-1',
  });
  planner.emitTurnEnd({ agentId: 'planner', turnId: 't-0001', content: 'Booked TAP 123', fcCount: 2 });
  collector.emit(new EventsDroppedEvent({ droppedEvents: 7, droppedBytes: 2100 }));
  const coder = audit.child({ agentId: 'coder', turnId: 't-0002' });
  coder.emitTurnStart({ agentId: 'coder', turnId: 't-0002', prompt: 'Write the script' });
  coder.emitToolPolicyDecision({ toolName: 'shell', action: 'deny', source: 'org-policy' });
  sink.flush();
  const worker = new Worker(path.join(FIXTURES, 'cli-worker-producer.mjs'), {
    workerData: { handle: sink.handle, first: clock.tick, origin: ORIGIN, stepMicros: STEP_MICROS },
  });
  const done = await new Promise<number>((resolve, reject) => {
    worker.once('message', (message: { done: number }) => resolve(message.done));
    worker.once('error', reject);
  });
  clock.tick += done;
  coder.emitError({ errorType: 'ValueError', errorMsg: 'bad plan', context: 'step 3' });
  coder.emitTurnEnd({ agentId: 'coder', turnId: 't-0002', content: 'Done', fcCount: 2 });
  audit.emitAgentSwitch({ agentId: 'planner', fromAgent: 'planner', toAgent: 'coder', reason: 'handoff' });
  await sink.closeAsync();
}

/**
 * The same lines cut into a rotated set at `base`: the first `firstCut` lines in a gzipped
 * rotated file, the next up to `secondCut` in a plain rotated file, the rest in the active
 * file. Returns the three paths, oldest first.
 */
export function writeRotatedSet(
  lines: readonly string[],
  base: string,
  firstCut: number,
  secondCut: number,
): string[] {
  const text = (from: number, to: number) =>
    lines
      .slice(from, to)
      .map((line) => `${line}\n`)
      .join('');
  const oldest = `${rotatedPath(base, ORIGIN + 100_000_000)}.gz`;
  const middle = rotatedPath(base, ORIGIN + 200_000_000);
  fs.writeFileSync(oldest, zlib.gzipSync(text(0, firstCut)));
  fs.writeFileSync(middle, text(firstCut, secondCut));
  fs.writeFileSync(base, text(secondCut, lines.length));
  return [oldest, middle, base];
}
