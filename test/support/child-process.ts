/**
 * Forked children for the fault tests: run a fixture under test/fixtures/ with a bound on
 * its life, collect its output, and kill it (SIGKILL) if it outlives the bound or the test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** How a child ended. `timedOut` is true when the bound ran out and the child was killed. */
export interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunningChild {
  readonly child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Resolves with the stdout text once it matches `pattern`; rejects if the child ends first. */
  waitForStdout(pattern: RegExp): Promise<string>;
  readonly ended: Promise<Ended>;
}

export interface StartOptions {
  /** Node flags before the fixture, e.g. `--import <preload>`. */
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  /** The child is killed with SIGKILL after this long. @default 15000 */
  timeoutMs?: number;
}

const alive = new Set<ChildProcess>();

/** Kills every child a test left running (after a failed assertion, say). Call once per file. */
export function killChildrenAfterEach(): void {
  afterEach(() => {
    for (const child of alive) child.kill('SIGKILL');
    alive.clear();
  });
}

/** Starts `node [execArgv] test/fixtures/<fixture> ...args`. */
export function startFixture(
  fixture: string,
  args: readonly string[],
  options: StartOptions = {},
): RunningChild {
  return startNode([...(options.execArgv ?? []), path.join(FIXTURES, fixture), ...args], options);
}

/** Starts `node ...args` (for instance `-e <script>`), bounded like a fixture. */
export function startNode(args: readonly string[], options: StartOptions = {}): RunningChild {
  const child = spawn(process.execPath, args, {
    cwd: FIXTURES,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  alive.add(child);
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  const listeners = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  // Node's stdio pipes are socket pairs: a child that dies with output unread by it can reset
  // them (ECONNRESET). What was read is kept, and 'close' still reports how the child ended;
  // without a listener the reset would be an uncaught error in the test runner.
  for (const stream of [child.stdout, child.stderr]) stream?.on('error', () => {});
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 15_000);
  const ended = new Promise<Ended>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      alive.delete(child);
      for (const listener of listeners) listener();
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
  const waitForStdout = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (pattern.test(stdout)) {
          listeners.delete(check);
          resolve(stdout);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          listeners.delete(check);
          reject(
            new Error(`the child ended before printing ${pattern}; stdout: ${stdout}; stderr: ${stderr}`),
          );
        }
      };
      listeners.add(check);
      check();
    });
  return { child, stdout: () => stdout, waitForStdout, ended };
}

/** Runs a fixture to its end. */
export function runFixture(fixture: string, args: readonly string[], options?: StartOptions): Promise<Ended> {
  return startFixture(fixture, args, options).ended;
}
