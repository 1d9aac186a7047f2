/**
 * Question: what do the audit file's life options cost? The integrity chain (SHA-256 over
 * every record's bytes, a CRC-32 per line, an Ed25519 signature per 1,000 records) runs on
 * the drain, so the agent's thread should not see it; rotation every 10 MB renames and
 * opens a file on the drain between two writes.
 *
 * End to end: N events in a tight loop until `close()` returned, each variant in a fresh
 * node process (this file with `--child`), repetitions interleaved, the median kept; every
 * trail is checked for exactly N lines and the expected bytes. The CPU of the main thread
 * and of the whole process are measured, so the drain's share (the difference) shows where
 * the chain's cost goes. Per call: tinybench times `emit` alone with the chain off and on,
 * as bench/per-call.bench.ts does (a turn of the event loop every 1,000 calls).
 *
 * Run: node .bench-dist/bench/lifecycle.bench.js [--quick] [--json out.json]
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ThreadedJSONLSinkCollector, type ThreadedJSONLSinkOptions } from 'calute-audit';
import { listTrailFiles } from 'calute-audit/trail';
import { Bench } from 'tinybench';
import { bytesOf, events } from './fixture.js';
import {
  countLines,
  formatBytes,
  formatNs,
  formatRate,
  isMain,
  type Latency,
  latencyOf,
  latencyTable,
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

export const VARIANTS = ['plain', 'chain', 'rotate-10mb', 'chain+rotate'] as const;
export type VariantKey = (typeof VARIANTS)[number];

export const VARIANT_NAMES: Record<VariantKey, string> = {
  plain: 'ThreadedJSONLSinkCollector (no rotation, no chain)',
  chain: 'integrity chain on (checkpoint every 1,000)',
  'rotate-10mb': 'rotation every 10 MB',
  'chain+rotate': 'integrity chain + rotation every 10 MB',
};

/** 10 MB: the rotation size the target for rotation's cost is stated at. */
const ROTATE_BYTES = 10 * 1000 * 1000;
/** Left to the sink after it is open, before the clock starts (as in end-to-end.bench.ts). */
const SETTLE_MS = 100;
/** Calls between two turns of the event loop in the per-call runs. */
const YIELD_EVERY = 1000;

function optionsFor(variant: VariantKey): ThreadedJSONLSinkOptions {
  const privateKey = crypto.generateKeyPairSync('ed25519').privateKey;
  const chain = variant === 'chain' || variant === 'chain+rotate';
  const rotate = variant === 'rotate-10mb' || variant === 'chain+rotate';
  return {
    ...(chain ? { integrity: { privateKey } } : {}),
    ...(rotate ? { rotation: { maxBytes: ROTATE_BYTES } } : {}),
  };
}

export interface LifecycleRun {
  variant: VariantKey;
  events: number;
  wallMs: number;
  emitLoopMs: number;
  closeMs: number;
  bytes: number;
  files: number;
  rotations: number;
  /** Main-thread CPU over `wallMs` (Linux /proc, 10 ms ticks); null elsewhere. */
  mainCpuMs: number | null;
  processCpuMs: number;
}

async function child(variant: VariantKey, n: number): Promise<LifecycleRun> {
  const dir = makeTempDir();
  try {
    const base = path.join(dir, 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(base, optionsFor(variant));
    await sink.ready();
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const count = events.length;
    const cpuBefore = process.cpuUsage();
    const mainBefore = mainThreadCpuMs();
    const started = performance.now();
    for (let i = 0; i < n; i++) sink.emit(events[i % count]);
    const loopEnded = performance.now();
    sink.close();
    const ended = performance.now();
    const mainAfter = mainThreadCpuMs();
    const cpuMs = processCpuMs(cpuBefore);

    const files = listTrailFiles(base);
    const lines = files.reduce((sum, file) => sum + countLines(file.path), 0);
    const bytes = files.reduce((sum, file) => sum + fs.statSync(file.path).size, 0);
    if (lines !== n) throw new Error(`${variant}: ${lines} lines, expected ${n}`);
    if (bytes !== bytesOf(n)) throw new Error(`${variant}: ${bytes} bytes, expected ${bytesOf(n)}`);
    if (variant.startsWith('chain') && !fs.existsSync(`${base}.checkpoints`))
      throw new Error(`${variant}: no sidecar`);
    return {
      variant,
      events: n,
      wallMs: ended - started,
      emitLoopMs: loopEnded - started,
      closeMs: ended - loopEnded,
      bytes,
      files: files.length,
      rotations: sink.stats().rotations,
      mainCpuMs: mainBefore === undefined || mainAfter === undefined ? null : mainAfter - mainBefore,
      processCpuMs: cpuMs,
    };
  } finally {
    removeDir(dir);
  }
}

function spawnRun(variant: VariantKey, n: number): LifecycleRun {
  const script = fileURLToPath(import.meta.url);
  const result = spawnSync(process.execPath, [script, '--child', variant, '--events', String(n)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 180_000,
  });
  if (result.status !== 0)
    throw new Error(`${variant}/${n}: child exited with ${result.status ?? result.signal}`);
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as LifecycleRun;
}

export interface EmitLatency extends Latency {
  variant: VariantKey;
}

/** `emit` alone on the calling thread, chain off and on, in one tinybench run, the drain kept up. */
async function perCall(quick: boolean): Promise<{ timeMs: number; tasks: EmitLatency[] }> {
  const timeMs = quick ? 600 : 2000;
  const bench = new Bench({
    name: 'lifecycle emit',
    time: timeMs,
    warmupTime: quick ? 200 : 500,
    timestampProvider: 'hrtimeNow',
    subtractTimerOverhead: true,
    throws: true,
  });
  const dir = makeTempDir();
  const measured = ['plain', 'chain'] as const;
  try {
    for (const variant of measured) {
      let sink: ThreadedJSONLSinkCollector | undefined;
      let i = 0;
      bench.add(VARIANT_NAMES[variant], () => sink!.emit(events[i++ % events.length]), {
        beforeAll: () => {
          sink ??= new ThreadedJSONLSinkCollector(path.join(dir, `${variant}.jsonl`), optionsFor(variant));
        },
        afterAll: (mode) => {
          if (mode === 'run') sink?.close();
        },
        // Every 1,000 calls, outside the timed call, the drain catches up (flush) and the event
        // loop turns: the ring never fills, so a call's time is emit's own on this thread, as
        // in an agent loop, and not a wait for a drain that a tight loop outruns (that is the
        // end-to-end table's measure).
        afterEach: () => {
          if (i % YIELD_EVERY !== 0) return undefined;
          sink!.flush();
          return yieldToLoop();
        },
      });
    }
    await bench.run();
  } finally {
    removeDir(dir);
  }
  const tasks = bench.tasks.map(
    (task, index): EmitLatency => ({ variant: measured[index], ...latencyOf(task) }),
  );
  return { timeMs, tasks };
}

export interface LifecycleResult {
  events: number;
  repetitions: number;
  /** The median run of each variant (by wall time). */
  runs: LifecycleRun[];
  allRuns: (LifecycleRun & { repetition: number })[];
  perCallTimeMs: number;
  emit: EmitLatency[];
}

export async function runLifecycle(
  quick: boolean,
  log: (line: string) => void = () => {},
): Promise<LifecycleResult> {
  const n = quick ? 300_000 : 1_000_000;
  // Three even in --quick: the ratios are the point, and one run on a shared machine is noise.
  const repetitions = quick ? 3 : 5;
  const all: (LifecycleRun & { repetition: number })[] = [];
  for (let repetition = 0; repetition < repetitions; repetition++) {
    for (const variant of VARIANTS) {
      const run = spawnRun(variant, n);
      log(`  ${variant} #${repetition + 1}: ${formatRate(run.events / (run.wallMs / 1000), ' ev/s')}`);
      all.push({ ...run, repetition });
    }
  }
  const runs = VARIANTS.map((variant) => {
    const mine = all.filter((run) => run.variant === variant);
    const middle = median(mine.map((run) => run.wallMs));
    return mine.find((run) => run.wallMs === middle) ?? mine[0];
  });
  const emit = await perCall(quick);
  return { events: n, repetitions, runs, allRuns: all, perCallTimeMs: emit.timeMs, emit: emit.tasks };
}

export const rateOf = (run: LifecycleRun): number => run.events / (run.wallMs / 1000);

export function lifecycleTable(result: LifecycleResult): string {
  const plain = result.runs.find((run) => run.variant === 'plain')!;
  return markdownTable(
    [
      `${result.events.toLocaleString('en-US')} events, tight loop`,
      'events/s',
      'vs plain',
      'wall',
      'emit loop',
      'close',
      'files',
      'main-thread CPU/event',
      'drain + other threads CPU/event',
    ],
    result.runs.map((run) => [
      VARIANT_NAMES[run.variant],
      formatRate(rateOf(run)),
      `${(rateOf(run) / rateOf(plain)).toFixed(3)}×`,
      `${run.wallMs.toFixed(0)} ms`,
      `${run.emitLoopMs.toFixed(0)} ms`,
      `${run.closeMs.toFixed(0)} ms`,
      String(run.files),
      run.mainCpuMs === null ? '–' : formatNs((run.mainCpuMs * 1e6) / run.events),
      run.mainCpuMs === null ? '–' : formatNs(((run.processCpuMs - run.mainCpuMs) * 1e6) / run.events),
    ]),
  );
}

export function emitTable(result: LifecycleResult): string {
  return latencyTable('emit, calling thread', result.emit);
}

/** Each repetition's ratio to plain, so that noise between repetitions is visible. */
export function perRepetition(result: LifecycleResult, variant: VariantKey): string {
  const ratios = Array.from({ length: result.repetitions }, (_, repetition) => {
    const find = (key: VariantKey) =>
      result.allRuns.find((run) => run.variant === key && run.repetition === repetition)!;
    return rateOf(find(variant)) / rateOf(find('plain'));
  });
  return ratios.map((ratio) => `${ratio.toFixed(2)}×`).join(', ');
}

if (isMain(import.meta.url)) {
  const args = readArgs();
  const variant = args.get('child') as VariantKey | undefined;
  if (variant) {
    process.stdout.write(`${JSON.stringify(await child(variant, Number(args.get('events'))))}\n`);
  } else {
    const result = await runLifecycle(args.quick, (line) => console.log(line));
    console.log(lifecycleTable(result));
    for (const key of VARIANTS.slice(1)) console.log(`${key} each repetition: ${perRepetition(result, key)}`);
    console.log(emitTable(result));
    console.log(`bytes per run: ${formatBytes(result.runs[0].bytes)}`);
    writeJson(args.json, result);
  }
}
