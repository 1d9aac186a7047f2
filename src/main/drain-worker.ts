/**
 * Finding and starting the drain worker: a plain `worker_threads` Worker, not a piscina task
 * (a task that never returns keeps the process alive, and piscina has no unref; see
 * docs/design.md). The worker file is resolved here and nowhere else:
 *
 * 1. the sink's `drainWorker` option (a path or a file URL), else
 * 2. `globalThis.__bundlerPathsOverrides['calute-audit-drain']`, the override pino's bundler
 *    plugins use (for frameworks that cannot pass options), else
 * 3. `../worker/drain.js` next to this module, as installed from npm.
 *
 * A bundled application has no `../worker/drain.js` beside its bundle: the file is checked
 * before a Worker is made, and a missing one is reported at once, so the sink can write from
 * the emitting thread instead of waiting for a worker that will never run.
 */
import fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DrainMessage, DrainSettings } from '#shared/protocol.js';

/** The key of `globalThis.__bundlerPathsOverrides` that names the drain worker's file. */
export const BUNDLER_OVERRIDE_KEY = 'calute-audit-drain';

/** Where this module thinks the worker is; null when it cannot tell (a CommonJS bundle has no import.meta.url). */
function defaultWorkerUrl(): URL | null {
  try {
    return new URL('../worker/drain.js', import.meta.url);
  } catch {
    return null;
  }
}

/** The worker file to start: the option, the global override, or the installed file. */
export function resolveDrainWorker(option: string | URL | undefined): URL | null {
  if (option !== undefined) return option instanceof URL ? option : pathToFileURL(option);
  const overrides = (globalThis as { __bundlerPathsOverrides?: Record<string, unknown> })
    .__bundlerPathsOverrides;
  const override = overrides?.[BUNDLER_OVERRIDE_KEY];
  if (typeof override === 'string' && override.length > 0) {
    return override.startsWith('file:') ? new URL(override) : pathToFileURL(override);
  }
  return defaultWorkerUrl();
}

/** Why the worker file cannot be started, or null when it looks startable. */
export function missingWorker(url: URL | null): string | null {
  if (url === null) {
    return (
      'the drain worker file is unknown here (a CommonJS bundle has no import.meta.url): pass the drainWorker option ' +
      `or set globalThis.__bundlerPathsOverrides['${BUNDLER_OVERRIDE_KEY}'] (see "Bundlers" in the README)`
    );
  }
  if (url.protocol !== 'file:') return null;
  try {
    if (fs.statSync(fileURLToPath(url)).isFile()) return null;
  } catch {
    // Reported below.
  }
  return `the drain worker file ${fileURLToPath(url)} does not exist (a bundled application: see "Bundlers" in the README)`;
}

/**
 * Flags of this process that a worker must not inherit: they describe the main script
 * (`node --input-type=module -e ...`, `--test`, `--watch`), and a worker given them fails
 * to start.
 */
const MAIN_SCRIPT_FLAGS = /^(?:--input-type|--test|--watch|--check$|-c$|--interactive$|-i$)/;
const FLAGS_WITH_VALUE = new Set(['-e', '--eval', '-p', '--print']);

export function workerExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index < execArgv.length; index++) {
    const flag = execArgv[index];
    if (FLAGS_WITH_VALUE.has(flag)) {
      index++;
      continue;
    }
    if (MAIN_SCRIPT_FLAGS.test(flag) || /^(?:--eval|--print)=/.test(flag)) continue;
    kept.push(flag);
  }
  return kept;
}

/**
 * A worker refuses V8 and per-process flags (`--max-old-space-size`, `--stack-size`,
 * `--title`: ERR_WORKER_INVALID_EXEC_ARGV, whose message lists them). Without a list of
 * which flags those are, the drain worker is started again without the ones refused (and a
 * value that followed one as its own argument); null when `error` is something else.
 */
function withoutRefusedFlags(execArgv: readonly string[], error: unknown): string[] | null {
  const { code, message } = error as NodeJS.ErrnoException;
  if (code !== 'ERR_WORKER_INVALID_EXEC_ARGV' || typeof message !== 'string') return null;
  const refused = new Set(message.slice(message.indexOf(': ') + 2).split(', '));
  const kept: string[] = [];
  for (let index = 0; index < execArgv.length; index++) {
    const flag = execArgv[index];
    if (refused.has(flag) || refused.has(flag.split('=')[0])) {
      if (!flag.includes('=') && execArgv[index + 1]?.startsWith('-') === false) index++;
      continue;
    }
    kept.push(flag);
  }
  return kept.length < execArgv.length ? kept : null;
}

export interface DrainWorkerEvents {
  onMessage(message: DrainMessage): void;
  /** The worker ended; `error` is what it threw, if it threw. */
  onExit(worker: Worker, code: number, error: Error | undefined): void;
}

export function startDrainWorker(
  url: URL,
  settings: DrainSettings & { readonly generation: number },
  events: DrainWorkerEvents,
): Worker {
  const options = {
    workerData: settings,
    name: 'calute-audit drain',
    // The drain's own output is not the application's.
    stdout: false,
    stderr: false,
  };
  const execArgv = workerExecArgv(process.execArgv);
  let worker: Worker;
  try {
    worker = new Worker(url, { ...options, execArgv });
  } catch (error) {
    const kept = withoutRefusedFlags(execArgv, error);
    if (kept === null) throw error;
    worker = new Worker(url, { ...options, execArgv: kept });
  }
  let thrown: Error | undefined;
  worker.on('message', (message: DrainMessage) => events.onMessage(message));
  worker.on('error', (error) => {
    thrown = error;
  });
  worker.on('exit', (code) => events.onExit(worker, code, thrown));
  // After the listeners: adding a 'message' listener refs the worker's port again (Node 20).
  // The drain never keeps the process alive; exit hooks flush synchronously instead.
  worker.unref();
  return worker;
}
