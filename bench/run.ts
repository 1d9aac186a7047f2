/**
 * Runs every bench file, each in its own node process, one after the other in this one run,
 * then prints the tables and the ratios against the targets: the sink's, the events', the
 * audit file's life (the integrity chain and rotation) and the command's (the calute-audit
 * command against jq). A full run writes
 * the results into bench/README.md between the `results` markers; the rest of the README
 * (method, and the hand-written "why" of each miss) is kept as it is.
 *
 * Run: npm run bench            (full: about 6 minutes on the 2-core machine; the command's
 *                                 bench writes a 1 GB trail and runs jq on it)
 *      npm run bench -- --quick  (short: about 2 minutes; prints only, README untouched)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AdaptersResult, adaptersTable } from './adapters.bench.js';
import { type CliBenchResult, cliChecks, cliMemoryTable, cliTable } from './cli.bench.js';
import {
  COMPETITOR_NAMES,
  type CompetitorKey,
  type EndToEndResult,
  endToEndTable,
  MODES,
  memoryTable,
  type RunResult,
  ringNote,
} from './end-to-end.bench.js';
import { repoRoot } from './fixture.js';
import {
  emitTable,
  type LifecycleResult,
  lifecycleTable,
  perRepetition,
  rateOf,
  VARIANT_NAMES,
  type VariantKey,
} from './lifecycle.bench.js';
import { type OtelBenchResult, otelTable } from './otel.bench.js';
import { type PerCallResult, perCallTable } from './per-call.bench.js';
import { type PoolResult, poolTable } from './pool-producers.bench.js';
import { formatBytes, formatBytesPerSecond, formatNs, formatRate, markdownTable, readArgs } from './util.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const MB = 1024 * 1024;

function runBench<T>(file: string, quick: boolean, outDir: string): T {
  const json = path.join(outDir, `${path.basename(file, '.js')}.json`);
  const args = [path.join(here, file), '--json', json, ...(quick ? ['--quick'] : [])];
  console.log(`\n> node ${path.relative(process.cwd(), args[0])}${quick ? ' --quick' : ''}`);
  const child = spawnSync(process.execPath, args, { stdio: 'inherit', timeout: 600_000 });
  if (child.status !== 0) throw new Error(`${file} failed: ${child.status ?? child.signal}`);
  return JSON.parse(fs.readFileSync(json, 'utf8')) as T;
}

interface Check {
  target: string;
  measured: string;
  ratio: number;
  /** The bound, as a ratio; `atMost` ratios must not exceed it (`strict`: stay below it), others must reach it. */
  bound: number;
  atMost: boolean;
  strict?: boolean;
}

const met = (check: Check): boolean =>
  check.atMost
    ? check.strict
      ? check.ratio < check.bound
      : check.ratio <= check.bound
    : check.ratio >= check.bound;

const relation = (check: Check): string => (check.atMost ? (check.strict ? '<' : '≤') : '≥');

/** The per-call task `key`; a missing one is a bench bug. */
function taskOf(perCall: PerCallResult, key: string): PerCallResult['tasks'][number] {
  const found = perCall.tasks.find((t) => t.key === key);
  if (!found) throw new Error(`per-call: no ${key}`);
  return found;
}

/** "`mine` ≤ `bound` × `other`", with both figures shown. */
function atMost(target: string, mine: number, other: number, bound: number): Check {
  return {
    target,
    measured: `${formatNs(mine)} vs ${formatNs(other)}`,
    ratio: mine / other,
    bound,
    atMost: true,
  };
}

function checks(perCall: PerCallResult, endToEnd: EndToEndResult): Check[] {
  const task = (key: string) => taskOf(perCall, key);
  const list: Check[] = [];
  for (const [emitKey, floorKey, label] of [
    ['threaded', 'stringify', 'fixture values'],
    ['threaded-fresh', 'stringify-fresh', 'fresh values'],
  ] as const) {
    const emit = task(emitKey);
    const floor = task(floorKey);
    list.push({
      target: `emit p50 ≤ JSON.stringify p50 (${label})`,
      measured: `${formatNs(emit.p50Ns)} vs ${formatNs(floor.p50Ns)}`,
      ratio: emit.p50Ns / floor.p50Ns,
      bound: 1,
      atMost: true,
    });
  }
  for (const emitKey of ['threaded', 'threaded-fresh'] as const) {
    const emit = task(emitKey);
    for (const competitor of ['sync', 'sonic', 'pino'] as const) {
      const other = task(competitor);
      list.push({
        target: `emit p99${emitKey === 'threaded-fresh' ? ' (fresh)' : ''} < p50 of ${other.name}`,
        measured: `${formatNs(emit.p99Ns)} vs ${formatNs(other.p50Ns)}`,
        ratio: emit.p99Ns / other.p50Ns,
        bound: 1,
        atMost: true,
        strict: true,
      });
    }
  }
  const run = (competitor: CompetitorKey, mode: string): RunResult =>
    endToEnd.runs.find((r) => r.competitor === competitor && r.mode === mode)!;
  const rate = (r: RunResult) => r.events / (r.wallMs / 1000);
  const byteRate = (r: RunResult) => r.bytes / (r.wallMs / 1000);
  // The same ratio within each repetition (runs of one repetition are minutes apart at most).
  const perRepetition = (mine: CompetitorKey, other: CompetitorKey, mode: string): string => {
    if (endToEnd.repetitions < 2) return '';
    const ratios = Array.from({ length: endToEnd.repetitions }, (_, repetition) => {
      const find = (competitor: CompetitorKey) =>
        endToEnd.allRuns.find(
          (r) => r.competitor === competitor && r.mode === mode && r.repetition === repetition,
        )!;
      return rate(find(mine)) / rate(find(other));
    });
    return ` (each repetition: ${ratios.map((ratio) => `${ratio.toFixed(2)}×`).join(', ')})`;
  };
  for (const mode of MODES) {
    const threaded = run('threaded', mode);
    for (const [other, bound] of [
      ['sync', 3],
      ['pino', 2],
    ] as const) {
      list.push({
        target: `${mode} loop: events/s ≥ ${bound}× ${COMPETITOR_NAMES[other]}`,
        measured: `${formatRate(rate(threaded))} vs ${formatRate(rate(run(other, mode)))}${perRepetition('threaded', other, mode)}`,
        ratio: rate(threaded) / rate(run(other, mode)),
        bound,
        atMost: false,
      });
    }
    const floor = run('floor', mode);
    list.push({
      target: `${mode} loop: bytes/s ≥ 70% of the writeSync floor`,
      measured: `${formatBytesPerSecond(byteRate(threaded))} vs ${formatBytesPerSecond(byteRate(floor))}`,
      ratio: byteRate(threaded) / byteRate(floor),
      bound: 0.7,
      atMost: false,
    });
  }
  for (const row of endToEnd.memory) {
    const allowed = row.sync + endToEnd.ringSize + 32 * MB;
    list.push({
      target: `peak RSS, ${row.events.toLocaleString('en-US')} events, tight ≤ sync + ring + 32 MB`,
      measured: `${formatBytes(row.threaded)} vs ${formatBytes(allowed)} allowed`,
      ratio: row.threaded / allowed,
      bound: 1,
      atMost: true,
    });
  }
  return list;
}

/** The audit file's life: the chain costs the agent's thread nothing and the end to end at most 10%; rotation at most 5%. */
/**
 * The events' targets, same run: with fresh values, emit p50 ≤ 0.5× and p99 ≤ 1.0× the p50 of
 * JSON.stringify(record); repeated values no slower than before the event work (0.536 of
 * JSON.stringify, bench/README.md's run of 2026-11-27 before it); the user's whole call
 * (audit.emitToolCallAttempt) ≤ 1.0×; redaction on ≤ 1.3× redaction off.
 */
const REPEATED_BEFORE = 0.536;

function eventChecks(perCall: PerCallResult): Check[] {
  const p50 = (key: string) => taskOf(perCall, key).p50Ns;
  const floor = p50('stringify-fresh');
  return [
    atMost('fresh values: emit p50 ≤ 0.5× JSON.stringify(record) p50', p50('threaded-fresh'), floor, 0.5),
    atMost(
      'fresh values: emit p99 ≤ 1.0× JSON.stringify(record) p50',
      taskOf(perCall, 'threaded-fresh').p99Ns,
      floor,
      1,
    ),
    atMost(
      `repeated values: emit p50 / JSON.stringify p50 ≤ ${REPEATED_BEFORE} (before)`,
      p50('threaded'),
      p50('stringify'),
      REPEATED_BEFORE,
    ),
    atMost(
      'audit.emitToolCallAttempt whole call p50 ≤ 1.0× JSON.stringify(record) p50 (fresh)',
      p50('emitter-fresh'),
      floor,
      1,
    ),
    atMost(
      'redaction on (3 paths, 2 patterns) p50 ≤ 1.3× redaction off',
      p50('emitter-redact-on'),
      p50('emitter-redact-off'),
      1.3,
    ),
  ];
}

function lifecycleChecks(result: LifecycleResult): Check[] {
  const run = (variant: VariantKey) => result.runs.find((r) => r.variant === variant)!;
  const emit = (variant: VariantKey) => result.emit.find((task) => task.variant === variant)!;
  const plain = run('plain');
  const versus = (variant: VariantKey, bound: number): Check => ({
    target: `${VARIANT_NAMES[variant]}: end-to-end events/s ≥ ${bound}× without`,
    measured: `${formatRate(rateOf(run(variant)))} vs ${formatRate(rateOf(plain))} (each repetition: ${perRepetition(result, variant)})`,
    ratio: rateOf(run(variant)) / rateOf(plain),
    bound,
    atMost: false,
  });
  return [
    versus('chain', 0.9),
    // "Unchanged": the p50s of two identical emits differ by about 10% between tinybench tasks here.
    {
      target: 'integrity chain on: emit p50 unchanged (≤ 1.1× chain off)',
      measured: `${formatNs(emit('chain').p50Ns)} vs ${formatNs(emit('plain').p50Ns)}`,
      ratio: emit('chain').p50Ns / emit('plain').p50Ns,
      bound: 1.1,
      atMost: true,
    },
    versus('rotate-10mb', 0.95),
  ];
}

function checksTable(list: Check[]): string {
  return markdownTable(
    ['target', 'measured', 'ratio', 'bound', 'met'],
    list.map((check) => [
      check.target,
      check.measured,
      check.ratio.toFixed(3),
      `${relation(check)} ${check.bound}`,
      met(check) ? 'yes' : '**MISSED**',
    ]),
  );
}

function machine(): string {
  const cpus = os.cpus();
  return [
    `- Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${formatBytes(os.totalmem())} memory, ${os.type()} ${os.release()}`,
    `- Node ${process.version}; date ${new Date().toISOString()}`,
  ].join('\n');
}

const START = '<!-- results:start (written by bench/run.ts; edits inside are overwritten) -->';
const END = '<!-- results:end -->';

function writeReadme(block: string): void {
  const file = path.join(repoRoot(), 'bench', 'README.md');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : `# Benchmarks\n\n${START}\n${END}\n`;
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from === -1 || to === -1) throw new Error(`${file}: no results markers`);
  fs.writeFileSync(file, `${text.slice(0, from + START.length)}\n${block}\n${text.slice(to)}`);
  // The README is linted with the rest (`biome check .`): give the tables biome's layout.
  const biome = path.join(repoRoot(), 'node_modules', '.bin', 'biome');
  const formatted = spawnSync(biome, ['format', '--write', file], { stdio: 'ignore' });
  if (formatted.status !== 0) console.warn(`biome could not format ${file}; run \`npm run format\``);
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
}

const args = readArgs();
const started = performance.now();
const outDir = path.join(here, '..', 'results');
fs.mkdirSync(outDir, { recursive: true });

const perCall = runBench<PerCallResult>('per-call.bench.js', args.quick, outDir);
const endToEnd = runBench<EndToEndResult>('end-to-end.bench.js', args.quick, outDir);
const pool = runBench<PoolResult>('pool-producers.bench.js', args.quick, outDir);
const otel = runBench<OtelBenchResult>('otel.bench.js', args.quick, outDir);
const adapters = runBench<AdaptersResult>('adapters.bench.js', args.quick, outDir);
const cli = runBench<CliBenchResult>('cli.bench.js', args.quick, outDir);
const lifecycle = runBench<LifecycleResult>('lifecycle.bench.js', args.quick, outDir);
const list = [
  ...checks(perCall, endToEnd),
  ...eventChecks(perCall),
  ...cliChecks(cli),
  ...lifecycleChecks(lifecycle),
];
const minutes = (performance.now() - started) / 60_000;

const missed = list.filter((check) => !met(check));
const block = [
  `## Latest results${args.quick ? ' (--quick)' : ''}`,
  '',
  machine(),
  `- Suite: ${args.quick ? '--quick' : 'full'} run, ${minutes.toFixed(1)} minutes`,
  '',
  `### Per call, on the calling thread (tinybench, ${perCall.timeMs} ms per task after ${perCall.warmupTimeMs} ms warmup; ${formatNs(perCall.timerOverheadNs)} of timer overhead subtracted per sample)`,
  '',
  perCallTable(perCall),
  '',
  `### End to end, ${endToEnd.events.toLocaleString('en-US')} events until every byte is written (median of ${endToEnd.repetitions}; peak RSS the largest)`,
  '',
  endToEndTable(endToEnd),
  '',
  ringNote(endToEnd),
  '',
  '### Peak RSS, tight loop',
  '',
  memoryTable(endToEnd),
  '',
  `### Producers in a piscina pool (median of ${pool.repetitions})`,
  '',
  poolTable(pool),
  '',
  `### OpenTelemetry: OTelCollector.emit per event on the calling thread (tinybench, ${otel.timeMs} ms per task; SDK BatchSpanProcessor, discarding exporter)`,
  '',
  otelTable(otel),
  '',
  `### Framework adapters: one framework run with its mock model (tinybench, ${adapters.timeMs} ms per row)`,
  '',
  adaptersTable(adapters),
  '',
  `### The calute-audit command on a ${formatBytes(cli.sizeBytes)} trail (median of ${cli.repetitions}; each command a fresh process)`,
  '',
  cliTable(cli),
  '',
  'Peak RSS of each command at two trail sizes:',
  '',
  cliMemoryTable(cli),
  ...(cli.jq === null
    ? ['', 'jq is not installed: its row and ratio were skipped (apt-get install jq).']
    : []),
  '',
  `### The audit file's life: integrity chain and rotation, ${lifecycle.events.toLocaleString('en-US')} events end to end (median of ${lifecycle.repetitions}), and emit on the calling thread (tinybench, ${lifecycle.perCallTimeMs} ms per task)`,
  '',
  lifecycleTable(lifecycle),
  '',
  emitTable(lifecycle),
  '',
  '### Ratios against the targets',
  '',
  checksTable(list),
  '',
  missed.length === 0
    ? 'Every target is met in this run.'
    : [
        `Missed in this run (${missed.length}), with the measured figure; the reasons are in "Why the misses" below:`,
        '',
        ...missed.map(
          (check) =>
            `- ${check.target}: measured ${check.measured}, ratio ${check.ratio.toFixed(3)} (bound ${relation(check)} ${check.bound})`,
        ),
      ].join('\n'),
].join('\n');

console.log(`\n${block}`);
if (args.quick) console.log('\n(--quick: bench/README.md left as it is)');
else writeReadme(block);
