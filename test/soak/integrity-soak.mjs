/**
 * The soak of the audit file's life: 10,000,000 events (--quick: 1,000,000) from the main
 * thread through a sink that rotates every 100 MB (--quick: 10 MB), gzips the rotated files
 * and keeps the signed integrity chain (a checkpoint every 1,000 records). The loop flushes
 * and yields to the event loop every 10,000 events, as an agent loop would (compression runs
 * on the owner's event loop). Then `verifyAuditTrail` checks the whole trail, and every file
 * is read back (gunzipped) to check that the sequence is complete and in order.
 *
 * Prints events/s, files, bytes, the verification's time and result, RSS; returns nothing,
 * reports failures through `fail`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { ThreadedJSONLSinkCollector, TurnStartEvent } from 'calute-audit';
import { listTrailFiles, verifyAuditTrail } from 'calute-audit/trail';

const FLUSH_EVERY = 10_000;
const MB = 1024 * 1024;
const mib = (bytes) => `${(bytes / MB).toFixed(1)} MiB`;

/** The `seq` of every line of `file`, in order, without parsing whole records. */
async function forEachSeq(file, onSeq) {
  const source = fs.createReadStream(file, { highWaterMark: MB });
  const input = file.endsWith('.gz') ? source.pipe(zlib.createGunzip()) : source;
  const lines = readline.createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    const match = /"seq":(\d+)\}/.exec(line);
    onSeq(match === null ? Number.NaN : Number(match[1]), line);
  }
}

export async function integritySoak({ dir, quick, fail }) {
  const events = quick ? 1_000_000 : 10_000_000;
  const maxBytes = quick ? 10 * MB : 100 * MB;
  const base = path.join(dir, 'integrity.jsonl');
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  const sink = new ThreadedJSONLSinkCollector(base, {
    rotation: { maxBytes },
    compress: true,
    integrity: { privateKey },
  });
  const errors = [];
  sink.on('error', (error) => errors.push(error));
  const rss = [];
  const started = performance.now();
  for (let seq = 0; seq < events; seq++) {
    sink.emit(new TurnStartEvent({ agentId: 'soak', metadata: { seq } }));
    if (seq % FLUSH_EVERY === FLUSH_EVERY - 1) {
      sink.flush();
      await new Promise((resolve) => setImmediate(resolve));
      if (seq % (events / 20) === events / 20 - 1) rss.push(process.memoryUsage().rss);
    }
  }
  sink.flush();
  const writtenMs = performance.now() - started;
  await sink.closeAsync();
  const closedMs = performance.now() - started;
  const stats = sink.stats();
  const files = listTrailFiles(base);
  const diskBytes = files.reduce((sum, file) => sum + fs.statSync(file.path).size, 0);

  const verifyStarted = performance.now();
  const report = await verifyAuditTrail(base, { publicKey });
  const verifyMs = performance.now() - verifyStarted;

  let expected = 0;
  let misplaced = 0;
  for (const file of files) {
    await forEachSeq(file.path, (seq, line) => {
      if (seq !== expected && misplaced++ < 20) {
        fail(`integrity: ${path.basename(file.path)}: expected seq ${expected}, found ${line.slice(0, 120)}`);
        expected = Number.isNaN(seq) ? expected : seq;
      }
      expected++;
    });
  }

  console.log(
    `\nintegrity soak: ${events.toLocaleString()} events, rotation every ${mib(maxBytes)}, gzip, a signed checkpoint every 1,000`,
  );
  console.log(
    `  ${Math.round(events / (writtenMs / 1000)).toLocaleString()} events/s emitted and flushed (close, with the last compressions: ${((closedMs - writtenMs) / 1000).toFixed(1)} s more)`,
  );
  console.log(
    `  ${files.length} files (${stats.rotations} rotations, ${files.filter((file) => file.compressed).length} gzipped), ${mib(stats.writtenBytes)} written, ${mib(diskBytes)} on disk`,
  );
  console.log(
    `  verifyAuditTrail: ${(verifyMs / 1000).toFixed(1)} s (${Math.round(events / (verifyMs / 1000)).toLocaleString()} records/s), exit code ${report.exitCode}, ${report.problems.length} problem(s)`,
  );
  console.log(`  RSS min ${mib(Math.min(...rss))}, max ${mib(Math.max(...rss))}`);

  if (errors.length > 0)
    fail(`integrity: the sink reported ${errors.length} error(s), the first: ${errors[0].message}`);
  if (expected !== events) fail(`integrity: the files held ${expected} events, not ${events}`);
  if (stats.writtenEvents !== events) fail(`integrity: stats().writtenEvents is ${stats.writtenEvents}`);
  if (stats.rotations < Math.floor(stats.writtenBytes / maxBytes))
    fail(`integrity: ${stats.rotations} rotations for ${mib(stats.writtenBytes)}`);
  if (files.slice(0, -1).some((file) => !file.compressed))
    fail('integrity: a rotated file was left uncompressed');
  if (!report.ok || report.problems.length > 0) {
    fail(
      `integrity: verifyAuditTrail exit code ${report.exitCode}: ${report.problems
        .slice(0, 5)
        .map((problem) => `${problem.kind} ${path.basename(problem.file)}:${problem.line}`)
        .join(', ')}`,
    );
  }
  for (const file of files) {
    fs.rmSync(file.path);
    fs.rmSync(`${file.path.replace(/\.gz$/, '')}.checkpoints`, { force: true });
  }
}
