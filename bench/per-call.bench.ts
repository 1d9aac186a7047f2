/**
 * Question: what does one call cost the calling thread? tinybench times each call alone
 * (mean, p50, p99), events round-robin over the fixture's turn, every competitor in this
 * one run: `JSON.stringify` of the record (the serialization floor), the synchronous
 * `JSONLSinkCollector`, `ThreadedJSONLSinkCollector`, sonic-boom on the main thread, and
 * pino through its worker transport. Every 1,000 calls the loop yields to the event loop
 * (outside the timed call), as an agent loop would, so asynchronous writers can progress.
 *
 * Run: node .bench-dist/bench/per-call.bench.js [--quick] [--json out.json]
 */
import { once } from 'node:events';
import path from 'node:path';
import {
  AuditEmitter,
  type AuditEmitterOptions,
  JSONLSinkCollector,
  type RedactOptions,
  ThreadedJSONLSinkCollector,
} from 'calute-audit';
import pino from 'pino';
import SonicBoomModule, { type SonicBoomOpts, type SonicBoom as SonicBoomType } from 'sonic-boom';
import { Bench, type FnHook } from 'tinybench';
import { events, FreshTurn, freshText, records } from './fixture.js';
import {
  closePino,
  countLines,
  formatNs,
  isMain,
  type Latency,
  latencyOf,
  latencyTable,
  makeTempDir,
  readArgs,
  removeDir,
  writeJson,
  yieldToLoop,
} from './util.js';

// Under `module: NodeNext` the default export is not typed as constructible.
const SonicBoom = SonicBoomModule as unknown as new (options: SonicBoomOpts) => SonicBoomType;

export interface PerCallTaskResult extends Latency {
  key: string;
}

export interface PerCallResult {
  timeMs: number;
  warmupTimeMs: number;
  timerOverheadNs: number;
  tasks: PerCallTaskResult[];
}

/** Calls between two turns of the event loop (outside the timed calls). */
const YIELD_EVERY = 1000;

interface Competitor {
  key: string;
  name: string;
  /** Opens the competitor's resources; returns the timed call and its teardown. */
  open(file: string): Promise<Opened> | Opened;
  /** Gives the next call fresh values; runs before each call, outside the timed window. */
  fresh?: boolean;
}

interface Opened {
  call(): void;
  /** Closes, waits for every byte, and returns the number of lines the file must hold (or -1). */
  close(): Promise<number> | number;
}

const count = records.length;
/** Keeps results alive so the optimizer cannot drop a call. */
let kept: unknown;
const freshTurn = new FreshTurn();

const competitors: Competitor[] = [
  {
    key: 'stringify',
    name: 'JSON.stringify(record) (floor)',
    open: () => {
      let i = 0;
      return {
        call: () => {
          kept = JSON.stringify(records[i]);
          i = (i + 1) % count;
        },
        close: () => -1,
      };
    },
  },
  {
    key: 'stringify-fresh',
    name: 'JSON.stringify(record), fresh values',
    fresh: true,
    open: () => ({
      call: () => {
        kept = JSON.stringify(freshTurn.record);
      },
      close: () => -1,
    }),
  },
  {
    key: 'serialize',
    name: 'event.serialize() + flatten (compiled writer, no I/O)',
    open: () => {
      let i = 0;
      return {
        call: () => {
          // serialize() returns a concatenated (rope) string; whoever encodes it pays for
          // flattening it, so this row includes that, as emit does (Number() flattens).
          const line = events[i].serialize();
          Number(line);
          kept = line;
          i = (i + 1) % count;
        },
        close: () => -1,
      };
    },
  },
  {
    key: 'sync',
    name: 'JSONLSinkCollector.emit (file)',
    open: (file) => {
      const sink = new JSONLSinkCollector(file);
      let i = 0;
      let emitted = 0;
      return {
        call: () => {
          sink.emit(events[i]);
          i = (i + 1) % count;
          emitted++;
        },
        close: () => {
          sink.close();
          return emitted;
        },
      };
    },
  },
  {
    key: 'threaded',
    name: 'ThreadedJSONLSinkCollector.emit',
    open: (file) => threadedSink(file, false),
  },
  {
    key: 'threaded-fresh',
    name: 'ThreadedJSONLSinkCollector.emit, fresh values',
    fresh: true,
    open: (file) => threadedSink(file, true),
  },
  {
    key: 'emitter-fresh',
    name: 'audit.emitToolCallAttempt({...}) whole call, fresh args (into the threaded sink)',
    fresh: true,
    open: (file) => emitterCall(file, {}),
  },
  {
    key: 'emitter-redact-off',
    name: 'audit.emitToolCallAttempt({...}) with metadata, redaction off',
    fresh: true,
    open: (file) => emitterCall(file, {}, true),
  },
  {
    key: 'emitter-redact-on',
    name: 'audit.emitToolCallAttempt({...}) with metadata, redaction on (3 paths, 2 patterns)',
    fresh: true,
    open: (file) => emitterCall(file, { redact: REDACT }, true),
  },
  {
    key: 'sonic',
    name: 'sonic-boom, main thread (async)',
    open: async (file) => {
      const sonic = new SonicBoom({ dest: file, sync: false });
      await once(sonic, 'ready');
      let i = 0;
      let emitted = 0;
      return {
        call: () => {
          sonic.write(`${JSON.stringify(records[i])}\n`);
          i = (i + 1) % count;
          emitted++;
        },
        close: async () => {
          const closed = once(sonic, 'close');
          sonic.end();
          await closed;
          return emitted;
        },
      };
    },
  },
  {
    key: 'pino',
    name: "pino, worker transport ('pino/file')",
    open: async (file) => {
      const transport = pino.transport({ target: 'pino/file', options: { destination: file } });
      await once(transport, 'ready');
      const logger = pino(transport);
      let i = 0;
      let emitted = 0;
      return {
        call: () => {
          logger.info(records[i]);
          i = (i + 1) % count;
          emitted++;
        },
        close: async () => {
          await closePino(logger, transport);
          return emitted;
        },
      };
    },
  },
];

/** Redaction as a user would set it: three metadata paths and two patterns in free text. */
const REDACT: RedactOptions = {
  paths: ['metadata.user.email', 'metadata.auth.token', 'metadata.*.password'],
  patterns: ['email', 'api-key'],
};

/** The fixture's tool call arguments, made fresh before each call. */
const ARGS = String(
  records.find((record) => record.event_type === 'tool_call_attempt')?.arguments_preview ?? '',
);
let freshArgs = ARGS;

/** What an agent loop passes with a tool call: who the user is, how it is authenticated. */
const METADATA = {
  user: { id: 'u-1842', email: 'dana@example.com' },
  auth: { scheme: 'bearer', token: 'tok-7f3a' },
  request: { attempt: 1 },
};

/** The user's whole call: building the event (timestamp, preview, checks) and emitting it. */
function emitterCall(file: string, options: AuditEmitterOptions, withMetadata = false): Opened {
  const sink = new ThreadedJSONLSinkCollector(file);
  const audit = new AuditEmitter({ ...options, collector: sink, sessionId: 'sess-01' });
  let emitted = 0;
  return {
    call: withMetadata
      ? () => {
          audit.emitToolCallAttempt({
            agentId: 'agent-1',
            turnId: '3f9a1c07b2e4',
            toolName: 'web_search',
            args: freshArgs,
            metadata: METADATA,
          });
          emitted++;
        }
      : () => {
          audit.emitToolCallAttempt({
            agentId: 'agent-1',
            turnId: '3f9a1c07b2e4',
            toolName: 'web_search',
            args: freshArgs,
          });
          emitted++;
        },
    close: () => {
      sink.close();
      return emitted;
    },
  };
}

function threadedSink(file: string, fresh: boolean): Opened {
  const sink = new ThreadedJSONLSinkCollector(file);
  let i = 0;
  let emitted = 0;
  return {
    call: fresh
      ? () => {
          sink.emit(freshTurn.event);
          emitted++;
        }
      : () => {
          sink.emit(events[i]);
          i = (i + 1) % count;
          emitted++;
        },
    close: () => {
      const stats = sink.stats();
      sink.close();
      if (stats.droppedEvents !== 0) throw new Error(`threaded sink dropped ${stats.droppedEvents} events`);
      return emitted;
    },
  };
}

export async function runPerCall(quick: boolean): Promise<PerCallResult> {
  const timeMs = quick ? 600 : 2000;
  const warmupTimeMs = quick ? 200 : 500;
  const bench = new Bench({
    name: 'per-call',
    time: timeMs,
    warmupTime: warmupTimeMs,
    timestampProvider: 'hrtimeNow',
    // Each sample is one call between two clock reads; the reads' own cost is removed.
    subtractTimerOverhead: true,
    throws: true,
  });
  const dir = makeTempDir();
  try {
    for (const competitor of competitors) {
      let opened: Opened | undefined;
      let calls = 0;
      const file = path.join(dir, `${competitor.key}.jsonl`);
      const beforeAll: FnHook = async () => {
        opened ??= await competitor.open(file);
      };
      const afterAll: FnHook = async (mode) => {
        if (mode !== 'run' || !opened) return;
        const expected = await opened.close();
        if (expected >= 0) {
          const lines = countLines(file);
          if (lines !== expected) throw new Error(`${competitor.key}: ${lines} lines, expected ${expected}`);
        }
      };
      bench.add(competitor.name, () => opened!.call(), {
        beforeAll,
        afterAll,
        beforeEach: competitor.fresh
          ? () => {
              freshTurn.next(calls);
              freshArgs = freshText(ARGS, calls);
            }
          : undefined,
        // Outside the timed window: a turn of the event loop every YIELD_EVERY calls.
        afterEach: () => (++calls % YIELD_EVERY === 0 ? yieldToLoop() : undefined),
      });
    }
    await bench.run();
  } finally {
    removeDir(dir);
  }
  if (kept === undefined) throw new Error('nothing was kept');
  const tasks = bench.tasks.map(
    (task, index): PerCallTaskResult => ({ key: competitors[index].key, ...latencyOf(task) }),
  );
  return { timeMs, warmupTimeMs, timerOverheadNs: (bench.timerOverhead ?? 0) * 1e6, tasks };
}

export function perCallTable(result: PerCallResult): string {
  return latencyTable('per call, calling thread', result.tasks);
}

if (isMain(import.meta.url)) {
  const args = readArgs();
  const result = await runPerCall(args.quick);
  console.log(perCallTable(result));
  console.log(`timer overhead subtracted per sample: ${formatNs(result.timerOverheadNs)}`);
  writeJson(args.json, result);
}
