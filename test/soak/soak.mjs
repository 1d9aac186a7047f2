/**
 * The long cases, not part of `npm test`. Runs against dist/ (build first):
 *   node test/soak/soak.mjs [--quick]
 * --quick divides every count by 10.
 *
 * 1. Rotation soak: 10,000,000 events from the main thread, flush() every 10,000, and every
 *    1,000,000 a log rotation (rename the file to .1, .2, ..., then reopen()). RSS is sampled
 *    along the way. The rotated files, read in order, must hold the whole sequence in order;
 *    each is checked (streaming, with a fixed buffer) and deleted once complete.
 * 2. Concurrent soak: 1,000,000 events from the main thread and a piscina pool of four
 *    workers (five producers), mixed sizes from tiny to larger than the 64 KiB ring; every
 *    producer's sequence must be complete and in its own order, every line whole JSON.
 * 3. Integrity soak (integrity-soak.mjs): 10,000,000 events through a sink that rotates every
 *    100 MB, gzips and keeps the signed chain; then verifyAuditTrail over the whole trail.
 * Prints the figures (events/s, RSS samples, min and max) and exits non-zero on any failure.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ThreadedJSONLSinkCollector, TurnStartEvent } from 'calute-audit';
import { Piscina } from 'piscina';
import { integritySoak } from './integrity-soak.mjs';
import { soakEvent } from './soak-pool-task.mjs';

const quick = process.argv.includes('--quick');
const scale = quick ? 10 : 1;
const ROTATION_EVENTS = 10_000_000 / scale;
const ROTATE_EVERY = 1_000_000 / scale;
const FLUSH_EVERY = 10_000;
const SAMPLE_EVERY = 100_000 / scale;
const CONCURRENT_EVENTS = 1_000_000 / scale;
const POOL_THREADS = 4;
const TASK_EVENTS = 5_000;
const CONCURRENT_RING = 64 * 1024;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calute-soak-'));
const failures = [];
const fail = (message) => {
  failures.push(message);
  console.error(`FAIL: ${message}`);
};
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Calls `onLine(text)` for every line of `file`, reading 1 MiB at a time; returns the count. */
function forEachLine(file, onLine) {
  const fd = fs.openSync(file, 'r');
  const buffer = Buffer.alloc(1024 * 1024);
  let carry = Buffer.alloc(0);
  let lines = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      let chunk = carry.length > 0 ? Buffer.concat([carry, buffer.subarray(0, n)]) : buffer.subarray(0, n);
      let start = 0;
      for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
        onLine(chunk.toString('utf8', start, end));
        lines++;
        start = end + 1;
      }
      chunk = chunk.subarray(start);
      carry = Buffer.from(chunk);
    }
  } finally {
    fs.closeSync(fd);
  }
  if (carry.length > 0) fail(`${file}: ${carry.length} bytes after the last newline (a torn line)`);
  return lines;
}

function parse(file, line) {
  try {
    return JSON.parse(line);
  } catch {
    fail(`${file}: a line is not whole JSON: ${line.slice(0, 120)}`);
    return undefined;
  }
}

/** Part 1: one producer, flushes, a rotation every ROTATE_EVERY events. */
function rotationSoak() {
  const file = path.join(dir, 'rotation.jsonl');
  const sink = new ThreadedJSONLSinkCollector(file);
  const rss = [];
  let expected = 0;
  let rotations = 0;
  /** Checks one finished file: it must continue the sequence exactly where the last one ended. */
  const verify = (finished) => {
    const lines = forEachLine(finished, (line) => {
      const seq = parse(finished, line)?.metadata?.seq;
      if (seq !== expected) {
        if (failures.length < 20) fail(`${finished}: expected seq ${expected}, found ${seq}`);
        expected = seq ?? expected;
      }
      expected++;
    });
    fs.rmSync(finished);
    return lines;
  };
  const started = performance.now();
  let verifyMs = 0;
  for (let seq = 0; seq < ROTATION_EVENTS; seq++) {
    sink.emit(new TurnStartEvent({ metadata: { seq } }));
    if (seq % FLUSH_EVERY === FLUSH_EVERY - 1) sink.flush();
    if (seq % SAMPLE_EVERY === SAMPLE_EVERY - 1) rss.push(process.memoryUsage().rss);
    if (seq % ROTATE_EVERY === ROTATE_EVERY - 1 && seq !== ROTATION_EVENTS - 1) {
      const rotated = `${file}.${++rotations}`;
      fs.renameSync(file, rotated);
      sink.reopen();
      // Everything emitted before reopen() belongs to the renamed file; once flushed, it is whole.
      sink.flush();
      const verifyStarted = performance.now();
      verify(rotated);
      verifyMs += performance.now() - verifyStarted;
    }
  }
  sink.close();
  const elapsed = performance.now() - started - verifyMs;
  const stats = sink.stats();
  verify(file);
  if (expected !== ROTATION_EVENTS)
    fail(`rotation: the files held ${expected} events, not ${ROTATION_EVENTS}`);
  if (stats.writtenEvents !== ROTATION_EVENTS)
    fail(`rotation: stats().writtenEvents is ${stats.writtenEvents}`);
  const [min, max] = [Math.min(...rss), Math.max(...rss)];
  console.log(`\nrotation soak: ${ROTATION_EVENTS.toLocaleString()} events, ${rotations} rotations`);
  console.log(
    `  ${Math.round(ROTATION_EVENTS / (elapsed / 1000)).toLocaleString()} events/s (emit + flush + reopen)`,
  );
  console.log(`  RSS samples (MiB, every ${SAMPLE_EVERY.toLocaleString()} events):`);
  console.log(`  ${rss.map((bytes) => (bytes / 2 ** 20).toFixed(0)).join(' ')}`);
  console.log(`  RSS min ${mib(min)}, max ${mib(max)}`);
  // Flat: the second half of the run may not grow past the first half's peak by much.
  const half = rss.slice(0, Math.ceil(rss.length / 2));
  const firstPeak = Math.max(...half);
  if (max > firstPeak + 64 * 2 ** 20) fail(`rotation: RSS grew from ${mib(firstPeak)} to ${mib(max)}`);
  return { min, max };
}

/** Part 2: the main thread and a piscina pool of four workers emit concurrently. */
async function concurrentSoak() {
  const file = path.join(dir, 'concurrent.jsonl');
  const sink = new ThreadedJSONLSinkCollector(file, { ringSize: CONCURRENT_RING });
  const pool = new Piscina({
    filename: new URL('./soak-pool-task.mjs', import.meta.url).href,
    minThreads: POOL_THREADS,
    maxThreads: POOL_THREADS,
    workerData: { handle: sink.handle },
  });
  const producers = ['main', ...Array.from({ length: POOL_THREADS }, (_, index) => `pool-${index}`)];
  const perProducer = Math.floor(CONCURRENT_EVENTS / producers.length);
  const rss = [];
  const started = performance.now();
  // Each pool producer's tasks run one after another (any worker may take the next), so its
  // sequence has one order; the producers run at the same time as each other and as main.
  const poolRuns = producers.slice(1).map(async (producer) => {
    for (let from = 0; from < perProducer; from += TASK_EVENTS) {
      await pool.run({ producer, from, count: Math.min(TASK_EVENTS, perProducer - from) });
    }
  });
  for (let seq = 0; seq < perProducer; seq++) {
    sink.emit(soakEvent('main', seq));
    if (seq % 1000 === 999) {
      await new Promise((resolve) => setImmediate(resolve));
      if (seq % 20_000 === 19_999) rss.push(process.memoryUsage().rss);
    }
  }
  await Promise.all(poolRuns);
  sink.flush();
  const elapsed = performance.now() - started;
  const stats = sink.stats();
  await pool.destroy();
  sink.close();

  const next = new Map(producers.map((producer) => [producer, 0]));
  const lines = forEachLine(file, (line) => {
    const record = parse(file, line);
    const producer = record?.metadata?.producer;
    const seq = record?.metadata?.seq;
    if (!next.has(producer)) return fail(`concurrent: unknown producer in ${line.slice(0, 120)}`);
    if (seq !== next.get(producer) && failures.length < 20) {
      fail(`concurrent: ${producer} expected seq ${next.get(producer)}, found ${seq}`);
    }
    if (record.arguments_preview.length !== soakEvent(producer, seq).argumentsPreview.length) {
      fail(`concurrent: ${producer} ${seq} has the wrong size`);
    }
    next.set(producer, seq + 1);
  });
  for (const [producer, count] of next) {
    if (count !== perProducer) fail(`concurrent: ${producer} wrote ${count} events, not ${perProducer}`);
  }
  if (lines !== perProducer * producers.length) fail(`concurrent: ${lines} lines`);
  if (stats.highWaterBytes > CONCURRENT_RING) fail(`concurrent: ring high-water ${stats.highWaterBytes}`);
  const total = perProducer * producers.length;
  console.log(`\nconcurrent soak: ${total.toLocaleString()} events from ${producers.join(', ')}`);
  console.log(
    `  ${Math.round(total / (elapsed / 1000)).toLocaleString()} events/s, ${mib(stats.writtenBytes)} written`,
  );
  console.log(`  ring ${mib(CONCURRENT_RING)}, high-water ${stats.highWaterBytes} bytes`);
  console.log(`  RSS min ${mib(Math.min(...rss))}, max ${mib(Math.max(...rss))}`);
  fs.rmSync(file);
}

console.log(
  `calute-audit soak${quick ? ' (--quick: counts / 10)' : ''}, Node ${process.version}, ${os.cpus().length} CPUs`,
);
try {
  const rotation = rotationSoak();
  await concurrentSoak();
  await integritySoak({ dir, quick, fail });
  console.log(`\nRSS over the rotation soak: min ${mib(rotation.min)}, max ${mib(rotation.max)}`);
} catch (error) {
  fail(`threw: ${error?.stack ?? error}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.error(`\nsoak FAILED: ${failures.length} failure(s)`);
  process.exit(1);
}
console.log('\nsoak passed');
