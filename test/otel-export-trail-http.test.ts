/**
 * exportTrail end to end: JSONL trails written by the real sinks, sent by the real OTLP/HTTP
 * exporter to a node:http server on 127.0.0.1, decoded and checked: the same spans as the
 * live collector, the same ids on every export (rotated and gzipped files included), every
 * producer's records (a worker thread's too), unfinished turns, lines that are not records.
 */
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import {
  type AuditEvent,
  JSONLSinkCollector,
  ModelCallEvent,
  ThreadedJSONLSinkCollector,
  ToolCallAttemptEvent,
  TurnEndEvent,
  TurnStartEvent,
} from 'calute-audit';
import { exportTrail } from 'calute-audit/otel';
import { rotatedPath } from 'calute-audit/trail';
import { describe, expect, it } from 'vitest';
import { checkRunSpans, SERVICE } from './support/otel-expected.js';
import {
  at,
  byName,
  fromOtlpSpan,
  otlpAttributes,
  T0_SECONDS,
  twoTurnRun,
  useOtlpReceiver,
} from './support/otel-kit.js';
import { useTempDir } from './support/temp-files.js';

const tempDir = useTempDir('calute-audit-otel-export-');
const receiver = useOtlpReceiver();

/** Writes the events to `file` through the synchronous sink, as an application would. */
function writeTrail(file: string, events: readonly AuditEvent[]): string {
  const sink = new JSONLSinkCollector(file);
  for (const event of events) sink.emit(event);
  sink.close();
  return file;
}

const sortedById = <T extends { spanId: string }>(spans: readonly T[]): T[] =>
  [...spans].sort((a, b) => (a.spanId < b.spanId ? -1 : 1));

describe('exportTrail over OTLP/HTTP', () => {
  it('the scripted run from a JSONL file arrives as the spans the live collector makes', async () => {
    const otlp = await receiver();
    const file = writeTrail(path.join(tempDir(), 'audit.jsonl'), twoTurnRun());
    const result = await exportTrail(file, { url: otlp.url, serviceName: SERVICE });
    expect(result).toStrictEqual({
      files: [file],
      records: 14,
      spans: 6,
      batches: 1,
      invalidLines: 0,
      firstInvalid: null,
      untimedRecords: 0,
    });
    expect(otlp.requests).toHaveLength(1);
    const [resourceSpans] = otlp.requests[0].resourceSpans;
    expect(otlpAttributes(resourceSpans.resource.attributes)).toStrictEqual({ 'service.name': SERVICE });
    expect(resourceSpans.scopeSpans[0].scope).toMatchObject({ name: 'calute-audit', version: '0.1.0' });

    const spans = otlp.spans().map(fromOtlpSpan);
    checkRunSpans(spans, false);
    const found = byName(spans);
    expect(found['invoke_agent planner'].traceId).not.toBe(found['invoke_agent booker'].traceId);
    expect(
      spans.every((span) => /^[0-9a-f]{32}$/.test(span.traceId) && /^[0-9a-f]{16}$/.test(span.spanId)),
    ).toBe(true);
  });

  it('includeContent: true sends previews, messages and error messages', async () => {
    const otlp = await receiver();
    const file = writeTrail(path.join(tempDir(), 'audit.jsonl'), twoTurnRun());
    await exportTrail(file, { url: otlp.url, serviceName: SERVICE, includeContent: true });
    checkRunSpans(otlp.spans().map(fromOtlpSpan), true);
  });

  it('exporting the same file twice sends identical spans (ids, times, attributes), whatever the batch size', async () => {
    const otlp = await receiver();
    const file = writeTrail(path.join(tempDir(), 'audit.jsonl'), twoTurnRun());
    await exportTrail(file, { url: otlp.url });
    const first = otlp.spans();
    const again = await exportTrail(file, { url: otlp.url, batchSize: 2 });
    expect(again.batches).toBe(3);
    expect(otlp.requests).toHaveLength(4);
    const second = otlp.spans().slice(first.length);
    expect(second).toHaveLength(6);
    expect(sortedById(second)).toStrictEqual(sortedById(first));
  });

  it('a rotated trail (a gzipped and a plain rotated file, then the active one) sends the spans of the single file, same ids', async () => {
    const otlp = await receiver();
    const events = twoTurnRun();
    const single = writeTrail(path.join(tempDir(), 'single.jsonl'), events);
    await exportTrail(single, { url: otlp.url });
    const fromSingle = otlp.spans();

    const dir = tempDir();
    const base = path.join(dir, 'audit.jsonl');
    const lines = fs.readFileSync(single, 'utf8').split(/(?<=\n)/);
    const oldest = rotatedPath(base, T0_SECONDS * 1e6 + 1);
    const newer = rotatedPath(base, T0_SECONDS * 1e6 + 2);
    fs.writeFileSync(`${oldest}.gz`, gzipSync(lines.slice(0, 5).join('')));
    fs.writeFileSync(newer, lines.slice(5, 11).join(''));
    fs.writeFileSync(base, lines.slice(11).join(''));
    const result = await exportTrail(base, { url: otlp.url });
    expect(result.files).toStrictEqual([`${oldest}.gz`, newer, base]);
    expect(result.records).toBe(14);
    expect(sortedById(otlp.spans().slice(fromSingle.length))).toStrictEqual(sortedById(fromSingle));
  });

  it("a worker thread's tool call (connectCollector into the offloaded sink) is a child of the main thread's turn", async () => {
    const otlp = await receiver();
    const file = path.join(tempDir(), 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file);
    const turn = { turnId: 'f00df00df00d', agentId: 'main-agent', sessionId: 's-w' };
    sink.emit(new TurnStartEvent({ ...turn, promptPreview: 'use the worker' }));
    const worker = new Worker(new URL('./fixtures/worker-emit-tool-call.mjs', import.meta.url), {
      workerData: { handle: sink.handle, turnId: turn.turnId },
    });
    // Both listeners at once: the worker may end right after its message.
    const exited = once(worker, 'exit');
    const [message] = (await once(worker, 'message')) as [{ done: boolean }];
    expect(message.done).toBe(true);
    await exited;
    sink.emit(new TurnEndEvent({ ...turn, functionCallsCount: 1 }));
    sink.close();

    const result = await exportTrail(file, { url: otlp.url });
    expect(result.records).toBe(4);
    const spans = byName(otlp.spans().map(fromOtlpSpan));
    expect(Object.keys(spans).sort()).toStrictEqual(['execute_tool from-worker', 'invoke_agent main-agent']);
    const tool = spans['execute_tool from-worker'];
    const turnSpan = spans['invoke_agent main-agent'];
    expect(tool.parentSpanId).toBe(turnSpan.spanId);
    expect(tool.traceId).toBe(turnSpan.traceId);
    expect(tool.attributes['gen_ai.tool.call.id']).toBe('w-1');
    expect(turnSpan.events.map((event) => event.name)).toStrictEqual([
      'tool.attempt:from-worker',
      'tool.complete:from-worker',
    ]);
    expect(turnSpan.events[0].attributes.agent_id).toBe('worker-agent');
    expect(tool.start).toBeGreaterThanOrEqual(turnSpan.start);
    expect(tool.end).toBeLessThanOrEqual(turnSpan.end);
  });

  it('a turn the trail leaves open ends at its last record, marked incomplete, with its tool call', async () => {
    const otlp = await receiver();
    const turn = { turnId: 'abcabcabcabc', agentId: 'cut' };
    const file = writeTrail(path.join(tempDir(), 'audit.jsonl'), [
      new TurnStartEvent({ ...turn, timestamp: at(0) }),
      new ToolCallAttemptEvent({ ...turn, timestamp: at(5), toolName: 'hang' }),
      new ModelCallEvent({ ...turn, timestamp: at(9), model: 'm', durationMs: 2 }),
    ]);
    await exportTrail(file, { url: otlp.url });
    const spans = otlp.spans().map(fromOtlpSpan);
    expect(
      spans.map((span) => [span.name, span.start, span.end, span.attributes['calute.audit.incomplete']]),
    ).toStrictEqual([
      ['chat m', 7, 9, undefined],
      ['execute_tool hang', 5, 9, true],
      ['invoke_agent cut', 0, 9, true],
    ]);
  });

  it('lines that are not records are skipped and counted, the first one named; the other records still go', async () => {
    const otlp = await receiver();
    const file = path.join(tempDir(), 'audit.jsonl');
    const [start, modelCall, , , weatherDone] = twoTurnRun().map((event) => JSON.stringify(event));
    fs.writeFileSync(
      file,
      `${start}\n${modelCall}\nnot json at all\n[1,2]\n{"no":"type"}\n${weatherDone}\n{"event_type":"turn_e`,
    );
    const result = await exportTrail(file, { url: otlp.url });
    expect(result.records).toBe(3);
    expect(result.invalidLines).toBe(4);
    expect(result.firstInvalid?.path).toBe(file);
    expect(result.firstInvalid?.line).toBe(3);
    expect(result.firstInvalid?.reason).toMatch(/^not JSON \(/);
    expect(
      otlp
        .spans()
        .map((span) => span.name)
        .sort(),
    ).toStrictEqual(['chat gpt-4o', 'execute_tool weather', 'invoke_agent planner']);
  });
});
