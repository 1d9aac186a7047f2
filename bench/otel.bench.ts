/**
 * Question: what does `OTelCollector.emit` cost the calling thread per event, beside a bare
 * OpenTelemetry span? tinybench times each call alone (mean, p50, p99). Every row uses the
 * same SDK setup: a `BasicTracerProvider` with a `BatchSpanProcessor` (the production
 * processor; its defaults) over an exporter that accepts and discards, so the figures are the
 * thread's own work and no network. Events go round-robin over the fixture's turn (turn
 * start, tool attempt, tool complete, turn end: one invoke_agent and one execute_tool span and
 * two span events per four events). Every 1,000 calls the loop yields (outside the timed
 * call) so the batch processor's timer can export, as in an agent loop.
 *
 * Rows: `tracer.startSpan(name).end()` (the floor: one span, no attributes), `event.toDict()`
 * (the record the mapping starts from), `OTelCollector.emit` with and without content.
 *
 * Run: node .bench-dist/bench/otel.bench.js [--quick] [--json out.json]
 */
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { OTelCollector } from 'calute-audit/otel';
import { Bench } from 'tinybench';
import { events } from './fixture.js';
import { isMain, type Latency, latencyOf, latencyTable, readArgs, writeJson, yieldToLoop } from './util.js';

export interface OtelTaskResult extends Latency {
  key: string;
}

export interface OtelBenchResult {
  timeMs: number;
  warmupTimeMs: number;
  /** Spans the exporter received in the whole run (a check that spans were made at all). */
  exportedSpans: number;
  tasks: OtelTaskResult[];
}

/** Calls between two turns of the event loop (outside the timed calls), as per-call.bench.ts. */
const YIELD_EVERY = 1000;

let exportedSpans = 0;
const discarding: SpanExporter = {
  export: (spans, done) => {
    exportedSpans += spans.length;
    done({ code: 0 });
  },
  shutdown: async () => {},
};

let kept: unknown;

export async function runOtel(quick: boolean): Promise<OtelBenchResult> {
  const timeMs = quick ? 600 : 2000;
  const warmupTimeMs = quick ? 200 : 500;
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discarding)] });
  const tracer = provider.getTracer('otel.bench');
  const plain = new OTelCollector({ tracer });
  const withContent = new OTelCollector({ tracer, captureContent: true });
  const count = events.length;
  let i = 0;
  const rows: { key: string; name: string; call: () => void }[] = [
    {
      key: 'bare-span',
      name: 'tracer.startSpan(name).end() (floor)',
      call: () => tracer.startSpan('bare').end(),
    },
    {
      key: 'to-dict',
      name: 'event.toDict() (the record mapped)',
      call: () => {
        kept = events[i].toDict();
        i = (i + 1) % count;
      },
    },
    {
      key: 'emit',
      name: 'OTelCollector.emit',
      call: () => {
        plain.emit(events[i]);
        i = (i + 1) % count;
      },
    },
    {
      key: 'emit-content',
      name: 'OTelCollector.emit, captureContent',
      call: () => {
        withContent.emit(events[i]);
        i = (i + 1) % count;
      },
    },
  ];
  const bench = new Bench({
    name: 'otel',
    time: timeMs,
    warmupTime: warmupTimeMs,
    timestampProvider: 'hrtimeNow',
    subtractTimerOverhead: true,
    throws: true,
  });
  let calls = 0;
  for (const row of rows) {
    bench.add(row.name, row.call, {
      beforeAll: () => {
        i = 0;
      },
      afterEach: () => (++calls % YIELD_EVERY === 0 ? yieldToLoop() : undefined),
    });
  }
  await bench.run();
  plain.flush();
  withContent.flush();
  await provider.forceFlush();
  await provider.shutdown();
  if (kept === undefined || exportedSpans === 0) throw new Error('otel.bench: nothing was made');
  for (const collector of [plain, withContent]) {
    if (collector.failures !== 0) throw new Error(`otel.bench: ${collector.failures} events failed to map`);
  }
  const tasks = bench.tasks.map(
    (task, index): OtelTaskResult => ({ key: rows[index].key, ...latencyOf(task) }),
  );
  return { timeMs, warmupTimeMs, exportedSpans, tasks };
}

export function otelTable(result: OtelBenchResult): string {
  return latencyTable('per event, calling thread', result.tasks);
}

if (isMain(import.meta.url)) {
  const args = readArgs();
  const result = await runOtel(args.quick);
  console.log(otelTable(result));
  console.log(`spans exported (discarded): ${result.exportedSpans.toLocaleString('en-US')}`);
  writeJson(args.json, result);
}
