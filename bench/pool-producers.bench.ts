/**
 * Question: with producers in a piscina pool (an agent's tool workers) as well as on the
 * main thread, how many events per second reach the file? The pool's workers emit straight
 * into the sink's ring through `connectCollector(sink.handle)`; the baseline sends the same
 * events to the main thread with `postMessage` (one message per event, and in batches of
 * 1,000) and writes them there with `JSONLSinkCollector`. Meanwhile the main thread emits
 * its own share, yielding to the event loop every 1,000 events. The clock stops when
 * every byte is written (close returned); every file is checked for exactly N lines.
 *
 * Run: node .bench-dist/bench/pool-producers.bench.js [--quick] [--json out.json]
 */
import fs from 'node:fs';
import path from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { type AuditCollector, JSONLSinkCollector, ThreadedJSONLSinkCollector } from 'calute-audit';
import { Piscina } from 'piscina';
import { buildEvent, bytesOf, events, records } from './fixture.js';
import type { EventMessage, PoolTask } from './pool-task.js';
import {
  countLines,
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

export const POOL_MODES = ['ring', 'post', 'post-batched'] as const;
export type PoolMode = (typeof POOL_MODES)[number];

export const POOL_MODE_NAMES: Record<PoolMode, string> = {
  ring: 'pool → connectCollector → ThreadedJSONLSinkCollector',
  post: 'pool → postMessage per event → JSONLSinkCollector on main',
  'post-batched': 'pool → postMessage, batches of 1,000 → JSONLSinkCollector on main',
};

/** Events per piscina task. */
const TASK_EVENTS = 4000;
/** Events per message in the batched baseline, and between the main thread's yields. */
const BATCH = 1000;

export interface PoolRun {
  mode: PoolMode;
  events: number;
  mainEvents: number;
  poolEvents: number;
  wallMs: number;
  mainCpuMs: number | null;
  processCpuMs: number;
}

export interface PoolResult {
  threads: number;
  events: number;
  repetitions: number;
  runs: PoolRun[];
}

const count = records.length;
const TASK_FILE = new URL('./pool-task.js', import.meta.url).href;

async function runMode(pool: Piscina<PoolTask, number>, mode: PoolMode, total: number, threads: number) {
  const dir = makeTempDir();
  try {
    const file = path.join(dir, `${mode}.jsonl`);
    // The main thread's share is one producer's worth; the pool's tasks carry the rest.
    const mainEvents = Math.round(total / (threads + 1) / BATCH) * BATCH;
    const poolEvents = total - mainEvents;
    const threaded = mode === 'ring' ? new ThreadedJSONLSinkCollector(file) : undefined;
    const sync = mode === 'ring' ? undefined : new JSONLSinkCollector(file);
    const sink: AuditCollector = threaded ?? sync!;
    await new Promise((resolve) => setTimeout(resolve, 100));

    let received = 0;
    let allReceived: () => void = () => {};
    const receivedAll = new Promise<void>((resolve) => {
      allReceived = resolve;
    });
    const onEvent = (message: EventMessage): void => {
      sink.emit(buildEvent(message.type, message.options));
    };
    const ports: MessagePort[] = [];

    const cpuBefore = process.cpuUsage();
    const mainBefore = mainThreadCpuMs();
    const started = performance.now();
    const tasks: Promise<number>[] = [];
    for (let sent = 0; sent < poolEvents; sent += TASK_EVENTS) {
      const n = Math.min(TASK_EVENTS, poolEvents - sent);
      if (mode === 'ring') {
        tasks.push(pool.run({ mode, events: n, handle: threaded!.handle }));
        continue;
      }
      const { port1, port2 } = new MessageChannel();
      ports.push(port1);
      port1.on('message', (message: EventMessage | EventMessage[]) => {
        if (Array.isArray(message)) {
          for (const one of message) onEvent(one);
          received += message.length;
        } else {
          onEvent(message);
          received++;
        }
        if (received === poolEvents) allReceived();
      });
      const task: PoolTask =
        mode === 'post' ? { mode, events: n, port: port2 } : { mode, events: n, batch: BATCH, port: port2 };
      tasks.push(pool.run(task, { transferList: [port2] }));
    }
    for (let i = 0; i < mainEvents; i++) {
      sink.emit(events[i % count]);
      if ((i + 1) % BATCH === 0) await yieldToLoop();
    }
    await Promise.all(tasks);
    if (mode !== 'ring') await receivedAll;
    if (threaded) threaded.close();
    else sync!.close();
    const wallMs = performance.now() - started;
    const mainAfter = mainThreadCpuMs();
    const cpuMs = processCpuMs(cpuBefore);
    for (const port of ports) port.close();

    const lines = countLines(file);
    if (lines !== total) throw new Error(`pool/${mode}: ${lines} lines, expected ${total}`);
    const bytes = fs.statSync(file).size;
    if (bytes !== bytesOf(total)) throw new Error(`pool/${mode}: ${bytes} bytes, expected ${bytesOf(total)}`);
    return {
      mode,
      events: total,
      mainEvents,
      poolEvents,
      wallMs,
      mainCpuMs: mainBefore === undefined || mainAfter === undefined ? null : mainAfter - mainBefore,
      processCpuMs: cpuMs,
    } satisfies PoolRun;
  } finally {
    removeDir(dir);
  }
}

export async function runPool(quick: boolean, log: (line: string) => void = () => {}): Promise<PoolResult> {
  const total = quick ? 300_000 : 1_000_000;
  const repetitions = quick ? 1 : 3;
  // One worker per core: the question is producers on every core, plus the main thread.
  const threads = 2;
  const all: PoolRun[] = [];
  for (let rep = 0; rep < repetitions; rep++) {
    for (const mode of POOL_MODES) {
      const pool = new Piscina<PoolTask, number>({
        filename: TASK_FILE,
        minThreads: threads,
        maxThreads: threads,
        // 'sync' (piscina 5's default) parks idle workers in Atomics.wait, which freezes
        // asynchronous work still pending in them.
        atomics: 'disabled',
      });
      await Promise.all(Array.from({ length: threads * 2 }, () => pool.run({ mode: 'warm' })));
      const run = await runMode(pool, mode, total, threads);
      await pool.destroy();
      log(`  ${mode} #${rep + 1}: ${formatRate(run.events / (run.wallMs / 1000), ' ev/s')}`);
      all.push(run);
    }
  }
  const runs = POOL_MODES.map((mode) => {
    const mine = all.filter((run) => run.mode === mode);
    const middle = median(mine.map((run) => run.wallMs));
    return mine.find((run) => run.wallMs === middle) ?? mine[0];
  });
  return { threads, events: total, repetitions, runs };
}

export function poolTable(result: PoolResult): string {
  return markdownTable(
    [
      `${formatCount(result.events)} events, ${result.threads} pool threads + main`,
      'events/s',
      'wall',
      'main-thread CPU per event (of all)',
      'process CPU/event',
    ],
    result.runs.map((run) => [
      POOL_MODE_NAMES[run.mode],
      formatRate(run.events / (run.wallMs / 1000)),
      `${run.wallMs.toFixed(0)} ms`,
      run.mainCpuMs === null ? '–' : formatNs((run.mainCpuMs * 1e6) / run.events),
      formatNs((run.processCpuMs * 1e6) / run.events),
    ]),
  );
}

if (isMain(import.meta.url)) {
  const args = readArgs();
  const result = await runPool(args.quick, (line) => console.log(line));
  console.log(poolTable(result));
  writeJson(args.json, result);
}
