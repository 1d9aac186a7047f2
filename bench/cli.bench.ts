/**
 * Question: how fast does the `calute-audit` command read a large trail, against `jq`
 * (Debian's) on the same file, and does its memory stay flat as the file grows?
 *
 *   filter --type tool_call_failure   vs   jq -c 'select(.event_type=="tool_call_failure")'
 *     (the outputs must be byte-identical)
 *   stats and verify: bytes per second
 *   peak RSS of filter, stats and verify at two file sizes
 *
 * Every command is a fresh process, as a user runs it (`node dist/cli/bin.js …`, output
 * to a file), timed from spawn to exit; the median of the repetitions is reported. The
 * trail is an agent loop's records made by the package's own event classes (turn, model
 * call, two tool calls, one turn in ten with a failure), about 330 bytes a line; it is
 * generated in a temporary directory and removed at the end. Without jq, its rows are
 * skipped with a note.
 *
 * Run: node .bench-dist/bench/cli.bench.js [--quick] [--size-mb N] [--json out.json]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  ModelCallEvent,
  ToolCallAttemptEvent,
  ToolCallCompleteEvent,
  ToolCallFailureEvent,
  TurnEndEvent,
  TurnStartEvent,
} from 'calute-audit';
import { repoRoot } from './fixture.js';
import {
  formatBytes,
  formatBytesPerSecond,
  isMain,
  makeTempDir,
  markdownTable,
  median,
  readArgs,
  removeDir,
  writeJson,
} from './util.js';

const MB = 1024 * 1024;
const BIN = path.join(repoRoot(), 'dist', 'cli', 'bin.js');
const PRELOAD = pathToFileURL(fileURLToPath(new URL('./cli-rss-preload.js', import.meta.url))).href;
const JQ_FILTER = 'select(.event_type=="tool_call_failure")';

export interface CliBenchResult {
  sizeBytes: number;
  repetitions: number;
  jq: string | null;
  /** Wall milliseconds of each repetition. */
  filterMs: number[];
  jqMs: number[] | null;
  statsMs: number[];
  verifyMs: number[];
  /** filter's output equals jq's, byte for byte. */
  identical: boolean | null;
  matchedLines: number;
  /** Peak RSS (bytes) of each command at each size. */
  memory: { sizeBytes: number; filter: number; stats: number; verify: number }[];
}

/** Writes about `bytes` of trail: whole turns of the loop, every value made by the event classes. */
export function writeTrail(file: string, bytes: number): void {
  const fd = fs.openSync(file, 'w');
  const at = (second: number, micros: number) =>
    `2025-06-15T${String(10 + (Math.floor(second / 3600) % 14)).padStart(2, '0')}:${String(Math.floor(second / 60) % 60).padStart(2, '0')}:${String(second % 60).padStart(2, '0')}.${String(micros).padStart(6, '0')}+00:00`;
  let written = 0;
  let batch: string[] = [];
  let batchBytes = 0;
  const push = (line: string) => {
    batch.push(line, '\n');
    batchBytes += line.length + 1;
  };
  for (let turn = 0; written < bytes; turn++) {
    const base = {
      agentId: `agent-${turn % 4}`,
      turnId: `turn-${turn.toString(16).padStart(8, '0')}`,
      sessionId: `session-${Math.floor(turn / 1000)}`,
    };
    const second = turn % 86_400;
    push(
      new TurnStartEvent({
        ...base,
        timestamp: at(second, 1),
        promptPreview: `Turn ${turn}: summarize the quarterly cost report and check the totals.`,
      }).serialize(),
    );
    push(
      new ModelCallEvent({
        ...base,
        timestamp: at(second, 2),
        provider: 'openai',
        model: 'gpt-4o',
        inputTokens: 1000 + (turn % 500),
        outputTokens: 200 + (turn % 50),
        durationMs: 400 + (turn % 400),
        finishReason: 'tool_calls',
      }).serialize(),
    );
    for (const [index, tool] of ['web_search', 'calculator'].entries()) {
      const id = `call-${turn}-${index}`;
      push(
        new ToolCallAttemptEvent({
          ...base,
          timestamp: at(second, 10 + index),
          toolName: tool,
          argumentsPreview: `{"query": "cost drivers ${turn}"}`,
          toolCallId: id,
        }).serialize(),
      );
      if (index === 1 && turn % 10 === 0) {
        push(
          new ToolCallFailureEvent({
            ...base,
            timestamp: at(second, 20 + index),
            toolName: tool,
            errorType: 'TypeError',
            errorMessage: `not an arithmetic expression: turn ${turn}`,
            toolCallId: id,
            durationMs: (turn % 100) + 0.5,
          }).serialize(),
        );
      } else {
        push(
          new ToolCallCompleteEvent({
            ...base,
            timestamp: at(second, 20 + index),
            toolName: tool,
            durationMs: (turn % 300) + 0.25,
            resultPreview: `Found ${turn % 17} results for cost drivers ${turn}`,
            toolCallId: id,
          }).serialize(),
        );
      }
    }
    push(
      new TurnEndEvent({
        ...base,
        timestamp: at(second, 30),
        contentPreview: `Turn ${turn} done: three cost drivers.`,
        functionCallsCount: 2,
      }).serialize(),
    );
    if (batchBytes >= 4 * MB) {
      fs.writeSync(fd, batch.join(''));
      written += batchBytes;
      batch = [];
      batchBytes = 0;
    }
  }
  if (batch.length > 0) fs.writeSync(fd, batch.join(''));
  fs.closeSync(fd);
}

/** Runs a command with stdout to `out`; returns the wall time and, for ours, the peak RSS. */
function timed(
  command: string,
  args: readonly string[],
  out: string,
  rssFile?: string,
): { ms: number; rss: number } {
  const fd = fs.openSync(out, 'w');
  const started = performance.now();
  const child = spawnSync(command, args, {
    stdio: ['ignore', fd, 'pipe'],
    env: rssFile ? { ...process.env, CALUTE_AUDIT_BENCH_RSS: rssFile } : process.env,
    maxBuffer: 16 * MB,
  });
  const ms = performance.now() - started;
  fs.closeSync(fd);
  if (child.status !== 0 && !(args.includes('verify') && child.status === 1)) {
    throw new Error(
      `${command} ${args.join(' ')} exited with ${child.status ?? child.signal}: ${child.stderr}`,
    );
  }
  const rss = rssFile && fs.existsSync(rssFile) ? Number(fs.readFileSync(rssFile, 'utf8')) : 0;
  return { ms, rss };
}

const ours = (...args: string[]) => ['--import', PRELOAD, BIN, ...args];

function jqVersion(): string | null {
  const probe = spawnSync('jq', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : null;
}

export function runCliBench(quick: boolean, sizeMb: number): CliBenchResult {
  if (!Number.isFinite(sizeMb) || sizeMb < 4)
    throw new Error(`--size-mb ${sizeMb}: expected a number of megabytes, at least 4`);
  const dir = makeTempDir('calute-audit-cli-bench-');
  try {
    const jq = jqVersion();
    if (jq === null) console.log('jq is not installed: its rows are skipped (apt-get install jq)');
    const file = path.join(dir, 'audit.jsonl');
    const small = path.join(dir, 'small.jsonl');
    console.log(`writing a ${sizeMb} MB trail and a ${sizeMb / 4} MB one`);
    writeTrail(file, sizeMb * MB);
    writeTrail(small, (sizeMb / 4) * MB);
    const sizeBytes = fs.statSync(file).size;
    const rss = path.join(dir, 'rss');
    const repetitions = quick ? 1 : 3;
    const filterMs: number[] = [];
    const jqMs: number[] = [];
    const statsMs: number[] = [];
    const verifyMs: number[] = [];
    const memoryAt = (target: string) => {
      const measure = (...args: string[]) =>
        timed(process.execPath, ours(...args, target), path.join(dir, 'out'), rss).rss;
      return {
        sizeBytes: fs.statSync(target).size,
        filter: measure('filter', '--type', 'tool_call_failure'),
        stats: measure('stats', '--json'),
        verify: measure('verify'),
      };
    };
    for (let repetition = 0; repetition < repetitions; repetition++) {
      filterMs.push(
        timed(
          process.execPath,
          ours('filter', '--type', 'tool_call_failure', file),
          path.join(dir, 'ours.jsonl'),
        ).ms,
      );
      if (jq !== null) jqMs.push(timed('jq', ['-c', JQ_FILTER, file], path.join(dir, 'jq.jsonl')).ms);
      statsMs.push(timed(process.execPath, ours('stats', '--json', file), path.join(dir, 'stats.json')).ms);
      verifyMs.push(timed(process.execPath, ours('verify', file), path.join(dir, 'verify.txt')).ms);
      console.log(
        `repetition ${repetition + 1}: filter ${filterMs.at(-1)!.toFixed(0)} ms${jq ? `, jq ${jqMs.at(-1)!.toFixed(0)} ms` : ''}, stats ${statsMs.at(-1)!.toFixed(0)} ms, verify ${verifyMs.at(-1)!.toFixed(0)} ms`,
      );
    }
    const output = fs.readFileSync(path.join(dir, 'ours.jsonl'));
    const identical = jq === null ? null : output.equals(fs.readFileSync(path.join(dir, 'jq.jsonl')));
    const verdict = fs.readFileSync(path.join(dir, 'verify.txt'), 'utf8');
    if (!verdict.startsWith('verify: OK')) throw new Error(`verify did not pass the bench trail: ${verdict}`);
    const memory = [memoryAt(small), memoryAt(file)];
    return {
      sizeBytes,
      repetitions,
      jq,
      filterMs,
      jqMs: jq === null ? null : jqMs,
      statsMs,
      verifyMs,
      identical,
      matchedLines: output.toString('latin1').split('\n').length - 1,
      memory,
    };
  } finally {
    removeDir(dir);
  }
}

const rate = (bytes: number, ms: number) => bytes / (ms / 1000);

export function cliTable(result: CliBenchResult): string {
  type Row = [name: string, ms: number, note: string];
  const rows: Row[] = [
    ['calute-audit filter --type tool_call_failure', median(result.filterMs), `${result.matchedLines} lines`],
  ];
  if (result.jqMs) {
    const note = result.identical ? 'identical output' : '**output differs**';
    rows.push([`jq -c '${JQ_FILTER}' (${result.jq})`, median(result.jqMs), note]);
  }
  rows.push(
    ['calute-audit stats --json', median(result.statsMs), ''],
    ['calute-audit verify', median(result.verifyMs), ''],
  );
  return markdownTable(
    ['command', 'wall (median)', 'bytes/s', 'note'],
    rows.map(([name, ms, note]) => [
      name,
      `${ms.toFixed(0)} ms`,
      formatBytesPerSecond(rate(result.sizeBytes, ms)),
      note,
    ]),
  );
}

export function cliMemoryTable(result: CliBenchResult): string {
  return markdownTable(
    ['trail', 'filter', 'stats', 'verify'],
    result.memory.map((row) => [
      formatBytes(row.sizeBytes),
      formatBytes(row.filter),
      formatBytes(row.stats),
      formatBytes(row.verify),
    ]),
  );
}

export interface CliCheck {
  target: string;
  measured: string;
  ratio: number;
  bound: number;
  atMost: boolean;
}

/** Peak RSS may grow this much from a trail to one four times larger and still be flat (GC noise). */
const FLAT_RSS_RATIO = 1.25;

export function cliChecks(result: CliBenchResult): CliCheck[] {
  const checks: CliCheck[] = [];
  if (result.jqMs) {
    checks.push({
      target: 'filter by type ≥ 3× jq, identical output',
      measured: `${median(result.filterMs).toFixed(0)} ms vs ${median(result.jqMs).toFixed(0)} ms${result.identical ? '' : ' (OUTPUT DIFFERS)'}`,
      ratio: result.identical ? median(result.jqMs) / median(result.filterMs) : 0,
      bound: 3,
      atMost: false,
    });
  }
  checks.push({
    target: 'stats ≥ 200 MB/s',
    measured: formatBytesPerSecond(rate(result.sizeBytes, median(result.statsMs))),
    ratio: rate(result.sizeBytes, median(result.statsMs)) / (200 * 1000 * 1000),
    bound: 1,
    atMost: false,
  });
  const [small, large] = result.memory;
  for (const command of ['filter', 'stats', 'verify'] as const) {
    checks.push({
      target: `${command}: peak RSS flat (${formatBytes(large.sizeBytes)} vs ${formatBytes(small.sizeBytes)} trail)`,
      measured: `${formatBytes(large[command])} vs ${formatBytes(small[command])}`,
      ratio: large[command] / small[command],
      bound: FLAT_RSS_RATIO,
      atMost: true,
    });
  }
  return checks;
}

if (isMain(import.meta.url)) {
  const args = readArgs();
  const sizeMb = Number(args.get('size-mb') ?? (args.quick ? 256 : 1024));
  const result = runCliBench(args.quick, sizeMb);
  console.log(`\n${cliTable(result)}\n\n${cliMemoryTable(result)}`);
  for (const check of cliChecks(result)) {
    console.log(
      `${check.target}: ${check.measured} (ratio ${check.ratio.toFixed(2)}, bound ${check.atMost ? '≤' : '≥'} ${check.bound})`,
    );
  }
  writeJson(args.json, result);
}
