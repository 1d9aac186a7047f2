/**
 * The drain thread never keeps a process alive: a program that emits and returns, without
 * close(), ends on its own, promptly, with every event in the file.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-files.js';
import { checkNumberedLine, parseLines, readLines } from './support/threaded-sink-kit.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/emit-and-return.mjs', import.meta.url));
/** Loose: a hung child is killed after this long, and the test then fails on its exit. */
const LIVENESS_BOUND_MS = 10_000;

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function runChild(args: string[]): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FIXTURE, ...args], {
      cwd: path.dirname(FIXTURE),
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: LIVENESS_BOUND_MS,
      killSignal: 'SIGKILL',
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('ThreadedJSONLSinkCollector: a program that returns without close()', () => {
  const tempDir = useTempDir('calute-');
  const COUNT = 500;

  for (const mode of ['main', 'flushAsync', 'worker'] as const) {
    it(`emit() and return (${mode}): the process exits on its own with code 0 and every line written`, async () => {
      const file = path.join(tempDir(), 'exit.jsonl');
      const ended = await runChild([file, String(COUNT), mode]);
      expect(ended.stderr).toBe('');
      expect(ended.signal).toBeNull();
      expect(ended.code).toBe(0);

      const lines = readLines(file);
      parseLines(lines);
      if (mode === 'worker') {
        expect(lines.map((line) => checkNumberedLine(line))).toStrictEqual(
          Array.from({ length: COUNT }, (_, seq) => ({ producer: 'worker', seq })),
        );
      } else {
        const records = lines.map((line) => JSON.parse(line));
        expect(records.map((record) => record.metadata)).toStrictEqual(
          Array.from({ length: COUNT }, (_, seq) => ({ producer: 'main', seq })),
        );
        expect(records.map((record) => record.prompt_preview)).toStrictEqual(
          Array.from({ length: COUNT }, (_, seq) => `main ${seq}`),
        );
      }
    });
  }
});
