import { once } from 'node:events';
/** Helpers shared by the bench files: arguments, temporary files, line counts, CPU time, tables. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type pino from 'pino';
import type { Task } from 'tinybench';

/** Whether the module at `url` is the script node was started with. */
export const isMain = (url: string): boolean =>
  process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;

/** `--quick`, `--json <file>` and `--name value` pairs, as given to a bench file. */
export function readArgs(argv: readonly string[] = process.argv.slice(2)): {
  quick: boolean;
  json: string | undefined;
  get(name: string): string | undefined;
} {
  const value = (name: string): string | undefined => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  return { quick: argv.includes('--quick'), json: value('json'), get: value };
}

/** A fresh directory under the OS temp dir; the caller removes it with `removeDir`. */
export function makeTempDir(prefix = 'calute-audit-bench-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Counts newline bytes, reading in 4 MiB chunks (files here reach gigabytes). */
export function countLines(file: string): number {
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.allocUnsafe(4 * 1024 * 1024);
  let lines = 0;
  try {
    for (;;) {
      const read = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) return lines;
      let at = chunk.indexOf(10, 0);
      while (at !== -1 && at < read) {
        lines++;
        at = chunk.indexOf(10, at + 1);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * CPU time of the main thread alone, in ms, from `/proc/self/task/<pid>/stat` (Linux: the
 * main thread's id is the process id). Node 20 has no `process.threadCpuUsage`. The kernel
 * counts in clock ticks (USER_HZ, 100 per second on Linux), so the resolution is 10 ms:
 * fine over runs of seconds. `undefined` where /proc is not available.
 */
export function mainThreadCpuMs(): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3, "state".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
    return (utime + stime) * 10;
  } catch {
    return undefined;
  }
}

/** Whole-process CPU (every thread) in ms since `since`. */
export function processCpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

export function writeJson(file: string | undefined, data: unknown): void {
  if (file) fs.writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}

export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// ---- Formatting -------------------------------------------------------------------------

/** Nanoseconds with a unit that keeps three significant digits. */
export function formatNs(ns: number | undefined): string {
  if (ns === undefined || !Number.isFinite(ns)) return '–';
  if (ns < 1000) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1000).toFixed(ns < 1e4 ? 2 : 1)} µs`;
  return `${(ns / 1e6).toFixed(1)} ms`;
}

export function formatRate(perSecond: number | undefined, unit = '/s'): string {
  if (perSecond === undefined || !Number.isFinite(perSecond)) return '–';
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M${unit}`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(0)} k${unit}`;
  return `${perSecond.toFixed(0)}${unit}`;
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '–';
  if (bytes < 0) return `-${formatBytes(-bytes)}`;
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${bytes} B`;
}

export const formatBytesPerSecond = (bytesPerSecond: number | undefined): string =>
  bytesPerSecond === undefined ? '–' : `${formatBytes(bytesPerSecond)}/s`;

export const formatCount = (n: number): string => n.toLocaleString('en-US');

/** A Markdown table with its columns padded, so it also reads well in a terminal. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => (cell ?? '').padEnd(widths[column])).join(' | ')} |`;
  return [
    line(header),
    `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`,
    ...rows.map(line),
  ].join('\n');
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Ends a pino logger and its worker transport once every line is written. */
export async function closePino(
  logger: { flush(callback: (error?: Error) => void): void },
  transport: ReturnType<typeof pino.transport>,
): Promise<void> {
  // Flush first and wait for it: ending while a flush is queued makes pino's worker
  // flush a destroyed sonic-boom ("SonicBoom destroyed").
  await new Promise<void>((resolve, reject) => logger.flush((error) => (error ? reject(error) : resolve())));
  const closed = once(transport, 'close');
  // pino's worker is unref'd: without this the process may exit before 'close'
  // (thread-stream has `ref()`; its types do not say so).
  (transport as unknown as { ref(): void }).ref();
  transport.end();
  await closed;
}

/** One tinybench task's timing of a single call, in nanoseconds. */
export interface Latency {
  name: string;
  meanNs: number;
  p50Ns: number;
  p99Ns: number;
  samples: number;
}

/** The latency of a finished tinybench task; a task that did not complete is a bench bug. */
export function latencyOf(task: Task): Latency {
  const result = task.result;
  if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`);
  return {
    name: task.name,
    meanNs: result.latency.mean * 1e6,
    p50Ns: result.latency.p50 * 1e6,
    p99Ns: result.latency.p99 * 1e6,
    samples: result.latency.samplesCount,
  };
}

/** Mean, p50, p99 and samples of each row, the first column headed `what`. */
export function latencyTable(what: string, rows: readonly Latency[]): string {
  return markdownTable(
    [what, 'mean', 'p50', 'p99', 'samples'],
    rows.map((row) => [
      row.name,
      formatNs(row.meanNs),
      formatNs(row.p50Ns),
      formatNs(row.p99Ns),
      row.samples.toLocaleString('en-US'),
    ]),
  );
}
