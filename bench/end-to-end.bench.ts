/**
 * Question: how fast do N events reach the file, every byte written (flush/close returned),
 * and at what cost in memory and CPU? Two modes: a tight loop that never yields, and a loop
 * that yields to the event loop (`await new Promise(setImmediate)`) every 1,000 events.
 * Competitors: the synchronous `JSONLSinkCollector`, `ThreadedJSONLSinkCollector`,
 * sonic-boom on the main thread, pino's worker transport, and the floor: the same bytes
 * written with `fs.writeSync` in 1 MiB chunks of a prebuilt buffer.
 *
 * Each run is a fresh child process (this file with `--child`), so peak RSS
 * (`process.resourceUsage().maxRSS`) belongs to one competitor and none warms up, fills or
 * fragments the heap of another. Every file is checked for exactly N lines (and, where the
 * lines are ours, exactly the expected bytes).
 *
 * Run: node .bench-dist/bench/end-to-end.bench.js [--quick] [--json out.json]
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';

import { fileURLToPath, pathToFileURL } from 'node:url';
import { JSONLSinkCollector, THREADED_DEFAULTS, ThreadedJSONLSinkCollector } from 'calute-audit';

import pino from 'pino';
import SonicBoomModule, { type SonicBoomOpts, type SonicBoom as SonicBoomType } from 'sonic-boom';
import { bytesOf, events, lines, records, repoRoot } from './fixture.js';
import {
  closePino,
  countLines,
  formatBytes,
  formatBytesPerSecond,
  formatCount,
  formatNs,
  formatRate,
  isMain,
  mainThreadCpuMs,
  makeTempDir,
  markdownTable,
  median,
  processCpuMs,
  readArgs,
  removeDir,
  writeJson,
  yieldToLoop,
} from './util.js';

// Under `module: NodeNext` the default export is not typed as constructible.
const SonicBoom = SonicBoomModule as unknown as new (options: SonicBoomOpts) => SonicBoomType;

export const COMPETITORS = ['sync', 'threaded', 'threaded-prebuilt', 'sonic', 'pino', 'floor'] as const;
export type CompetitorKey = (typeof COMPETITORS)[number];
export const MODES = ['tight', 'yield'] as const;
export type Mode = (typeof MODES)[number];

export const COMPETITOR_NAMES: Record<CompetitorKey, string> = {
  sync: 'JSONLSinkCollector',
  threaded: 'ThreadedJSONLSinkCollector',
  'threaded-prebuilt': 'ThreadedJSONLSinkCollector, prebuilt lines (ring + drain only)',
  sonic: 'sonic-boom, main thread',
  pino: 'pino worker transport',
  floor: 'fs.writeSync 1 MiB chunks (floor)',
};

/** Events between two turns of the event loop in the `yield` mode. */
const YIELD_EVERY = 1000;
/** The floor's chunk size. */
const CHUNK = 1024 * 1024;
/** Left to every competitor after it is open and ready, before the clock starts. */
const SETTLE_MS = 100;

/** One child's figures. */
export interface RunResult {
  competitor: CompetitorKey;
  mode: Mode;
  events: number;
  /** From the first emit until every byte is written (flush/close returned). */
  wallMs: number;
  /** Wall time inside the emit loop only (in `yield` mode, the synchronous stretches summed). */
  emitLoopMs: number;
  /** From the loop's end until flush/close returned. */
  closeMs: number;
  bytes: number;
  /** CPU time of the main thread alone over `wallMs` (Linux /proc, 10 ms ticks); null elsewhere. */
  mainCpuMs: number | null;
  /** CPU time of the whole process (every thread) over `wallMs`. */
  processCpuMs: number;
  maxRssBytes: number;
  /** The threaded sink's most bytes in the ring at once (the ring's size: the producer waited). */
  ringHighWaterBytes: number | null;
}

interface Runner {
  emit(index: number): void;
  /** Waits until every byte is written and the file closed. */
  close(): Promise<void> | void;
  ringHighWaterBytes?: () => number;
}

const count = records.length;

/**
 * A diagnostic, not a competitor: prebuilt record bytes copied into the sink's ring by the
 * package's own producer role (an internal module: no public API writes bytes that did not
 * come from its record encoder), so the run measures the ring and the drain alone, without
 * serialization: how much of the gap to the floor is the sink's I/O path and how much is the
 * work of making the lines.
 */
const prebuilt = lines.map((line) => Buffer.from(line));
const { RingWriter } = (await import(
  pathToFileURL(path.join(repoRoot(), 'dist/main/ring-writer.js')).href
)) as typeof import('../dist/main/ring-writer.js');
async function openRunner(competitor: CompetitorKey, file: string): Promise<Runner> {
  switch (competitor) {
    case 'sync': {
      const sink = new JSONLSinkCollector(file);
      return { emit: (i) => sink.emit(events[i % count]), close: () => sink.close() };
    }
    case 'threaded':
    case 'threaded-prebuilt': {
      // `--ring-size N` (child runs only) measures another ring size; the suite uses the default.
      const ringSize = Number(readArgs().get('ring-size') ?? THREADED_DEFAULTS.ringSize);
      const sink = new ThreadedJSONLSinkCollector(file, { ringSize });
      const writer = new RingWriter(sink.handle, () => {
        throw new Error('no drops in wait mode');
      });
      return {
        emit:
          competitor === 'threaded'
            ? (i) => sink.emit(events[i % count])
            : (i) => {
                const bytes = prebuilt[i % count];
                writer.write(bytes, 0, bytes.length);
              },
        ringHighWaterBytes: () => sink.stats().highWaterBytes,
        close: () => {
          sink.close();
          const { droppedEvents } = sink.stats();
          if (droppedEvents !== 0) throw new Error(`threaded sink dropped ${droppedEvents} events`);
        },
      };
    }
    case 'sonic': {
      const sonic = new SonicBoom({ dest: file, sync: false });
      await once(sonic, 'ready');
      return {
        emit: (i) => sonic.write(`${JSON.stringify(records[i % count])}\n`),
        close: async () => {
          const closed = once(sonic, 'close');
          sonic.flushSync();
          sonic.end();
          await closed;
        },
      };
    }
    case 'pino': {
      const transport = pino.transport({ target: 'pino/file', options: { destination: file } });
      await once(transport, 'ready');
      const logger = pino(transport);
      return {
        emit: (i) => logger.info(records[i % count]),
        close: async () => {
          await closePino(logger, transport);
        },
      };
    }
    case 'floor':
      throw new Error('the floor has its own loop');
  }
}

/** The floor: `bytesOf(n)` bytes of the same lines, `fs.writeSync` in 1 MiB chunks. */
async function runFloor(file: string, n: number, mode: Mode): Promise<{ emitLoopMs: number }> {
  const turn = Buffer.from(lines.join(''));
  // Prebuilt: enough whole turns to cut any 1 MiB window out of the repeating pattern.
  const pattern = Buffer.concat(Array.from({ length: Math.ceil(CHUNK / turn.length) + 1 }, () => turn));
  const total = bytesOf(n);
  const fd = fs.openSync(file, 'w', 0o600);
  let loopMs = 0;
  let started = performance.now();
  for (let offset = 0; offset < total; ) {
    const length = Math.min(CHUNK, total - offset);
    const start = offset % turn.length;
    let written = 0;
    while (written < length) written += fs.writeSync(fd, pattern, start + written, length - written);
    offset += length;
    if (mode === 'yield') {
      loopMs += performance.now() - started;
      await yieldToLoop();
      started = performance.now();
    }
  }
  loopMs += performance.now() - started;
  fs.closeSync(fd);
  return { emitLoopMs: loopMs };
}

/** The child: one competitor, one mode, n events; prints its RunResult as JSON. */
async function child(competitor: CompetitorKey, mode: Mode, n: number): Promise<RunResult> {
  const dir = makeTempDir();
  try {
    const file = path.join(dir, `${competitor}-${mode}.jsonl`);
    const runner = competitor === 'floor' ? undefined : await openRunner(competitor, file);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

    const cpuBefore = process.cpuUsage();
    const mainBefore = mainThreadCpuMs();
    const started = performance.now();
    let emitLoopMs: number;
    if (!runner) {
      ({ emitLoopMs } = await runFloor(file, n, mode));
    } else if (mode === 'tight') {
      for (let i = 0; i < n; i++) runner.emit(i);
      emitLoopMs = performance.now() - started;
    } else {
      emitLoopMs = 0;
      let stretch = performance.now();
      for (let i = 0; i < n; i++) {
        runner.emit(i);
        if ((i + 1) % YIELD_EVERY === 0) {
          emitLoopMs += performance.now() - stretch;
          await yieldToLoop();
          stretch = performance.now();
        }
      }
      emitLoopMs += performance.now() - stretch;
    }
    const loopEnded = performance.now();
    await runner?.close();
    const ended = performance.now();
    const mainAfter = mainThreadCpuMs();
    const cpuMs = processCpuMs(cpuBefore);
    const maxRssBytes = process.resourceUsage().maxRSS * 1024;

    const linesWritten = countLines(file);
    if (linesWritten !== n) throw new Error(`${competitor}/${mode}: ${linesWritten} lines, expected ${n}`);
    const bytes = fs.statSync(file).size;
    // pino writes its own line format (level, time, pid, hostname added); the others write ours.
    if (competitor !== 'pino' && bytes !== bytesOf(n)) {
      throw new Error(`${competitor}/${mode}: ${bytes} bytes, expected ${bytesOf(n)}`);
    }
    return {
      competitor,
      mode,
      events: n,
      wallMs: ended - started,
      emitLoopMs,
      closeMs: ended - loopEnded,
      bytes,
      mainCpuMs: mainBefore === undefined || mainAfter === undefined ? null : mainAfter - mainBefore,
      processCpuMs: cpuMs,
      maxRssBytes,
      ringHighWaterBytes: runner?.ringHighWaterBytes?.() ?? null,
    };
  } finally {
    removeDir(dir);
  }
}

/** Runs one competitor in a fresh node process. */
export function spawnRun(competitor: CompetitorKey, mode: Mode, n: number): RunResult {
  const script = fileURLToPath(import.meta.url);
  const args = [script, '--child', competitor, '--mode', mode, '--events', String(n)];
  const child = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1024 * 1024,
    // A hung child (a writer that never reports 'close') fails the run instead of stalling it.
    timeout: 180_000,
  });
  if (child.status !== 0) {
    throw new Error(`${competitor}/${mode}/${n}: child exited with ${child.status ?? child.signal}`);
  }
  const last = child.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as RunResult;
}

export interface EndToEndResult {
  events: number;
  repetitions: number;
  /** Median of the repetitions, per competitor and mode (peak RSS: the largest). */
  runs: RunResult[];
  /** Every run, in order: repetition by repetition. */
  allRuns: (RunResult & { repetition: number })[];
  /** Tight loop, sync and threaded sinks only, at `events` and at `largeEvents`. */
  memory: { events: number; sync: number; threaded: number }[];
  largeEvents: number;
  ringSize: number;
}

/** Repetitions are interleaved (all competitors, then again) so that a noisy stretch hits all. */
export function runEndToEnd(quick: boolean, log: (line: string) => void = () => {}): EndToEndResult {
  const n = quick ? 300_000 : 1_000_000;
  const largeEvents = quick ? 1_500_000 : 5_000_000;
  const repetitions = quick ? 1 : 3;
  const all: (RunResult & { repetition: number })[] = [];
  for (let rep = 0; rep < repetitions; rep++) {
    for (const mode of MODES) {
      for (const competitor of COMPETITORS) {
        const run = spawnRun(competitor, mode, n);
        log(`  ${competitor}/${mode} #${rep + 1}: ${formatRate(run.events / (run.wallMs / 1000), ' ev/s')}`);
        all.push({ ...run, repetition: rep });
      }
    }
  }
  const runs: RunResult[] = [];
  for (const mode of MODES) {
    for (const competitor of COMPETITORS) {
      const mine = all.filter((run) => run.competitor === competitor && run.mode === mode);
      const middle = median(mine.map((run) => run.wallMs));
      const chosen = mine.find((run) => run.wallMs === middle) ?? mine[0];
      runs.push({ ...chosen, maxRssBytes: Math.max(...mine.map((run) => run.maxRssBytes)) });
    }
  }
  const peak = (competitor: CompetitorKey): number =>
    runs.find((run) => run.competitor === competitor && run.mode === 'tight')!.maxRssBytes;
  const memory = [{ events: n, sync: peak('sync'), threaded: peak('threaded') }];
  const large = { events: largeEvents, sync: 0, threaded: 0 };
  for (const competitor of ['sync', 'threaded'] as const) {
    const run = spawnRun(competitor, 'tight', largeEvents);
    log(`  ${competitor}/tight ${formatCount(largeEvents)}: peak RSS ${formatBytes(run.maxRssBytes)}`);
    large[competitor] = run.maxRssBytes;
  }
  memory.push(large);
  return {
    events: n,
    repetitions,
    runs,
    allRuns: all,
    memory,
    largeEvents,
    ringSize: THREADED_DEFAULTS.ringSize,
  };
}

export function endToEndTable(result: EndToEndResult): string {
  return markdownTable(
    [
      `${formatCount(result.events)} events`,
      'mode',
      'events/s',
      'bytes/s',
      'wall',
      'emit loop',
      'close/flush',
      'main-thread CPU/event',
      'process CPU/event',
      'peak RSS',
    ],
    result.runs.map((run) => [
      COMPETITOR_NAMES[run.competitor],
      run.mode,
      formatRate(run.events / (run.wallMs / 1000)),
      formatBytesPerSecond(run.bytes / (run.wallMs / 1000)),
      `${run.wallMs.toFixed(0)} ms`,
      `${run.emitLoopMs.toFixed(0)} ms`,
      `${run.closeMs.toFixed(0)} ms`,
      run.mainCpuMs === null ? '–' : formatNs((run.mainCpuMs * 1e6) / run.events),
      formatNs((run.processCpuMs * 1e6) / run.events),
      formatBytes(run.maxRssBytes),
    ]),
  );
}

/** How full the threaded sink's ring got: at its size, the producer waited for the drain at least once. */
export function ringNote(result: EndToEndResult): string {
  const parts = (['threaded', 'threaded-prebuilt'] as const).map((competitor) => {
    const marks = result.runs
      .filter((run) => run.competitor === competitor && run.ringHighWaterBytes !== null)
      .map((run) => `${run.mode} ${formatBytes(run.ringHighWaterBytes!)}`);
    return `${COMPETITOR_NAMES[competitor]}: ${marks.join(', ')}`;
  });
  return [
    `Ring high-water mark (the ring is ${formatBytes(result.ringSize)}): ${parts.join('; ')}.`,
    "A mark at the ring's size means the ring was full at least once: the producer waited for the drain.",
  ].join(' ');
}

export function memoryTable(result: EndToEndResult): string {
  return markdownTable(
    ['tight loop', 'sync sink peak RSS', 'threaded sink peak RSS', 'difference'],
    result.memory.map((row) => [
      `${formatCount(row.events)} events`,
      formatBytes(row.sync),
      formatBytes(row.threaded),
      formatBytes(row.threaded - row.sync),
    ]),
  );
}

if (isMain(import.meta.url)) {
  const args = readArgs();
  const competitor = args.get('child') as CompetitorKey | undefined;
  if (competitor) {
    const result = await child(competitor, (args.get('mode') ?? 'tight') as Mode, Number(args.get('events')));
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const result = runEndToEnd(args.quick, (line) => console.log(line));
    console.log(endToEndTable(result));
    console.log(ringNote(result));
    console.log(memoryTable(result));
    writeJson(args.json, result);
  }
}
