/**
 * Outside rotation with the real logrotate (Debian's `logrotate`; not part of `npm test`):
 *   node test/soak/logrotate.mjs [--quick]        (build first; --quick divides the counts by 10)
 * 1. `create` + SIGHUP: a writer with `reopenOnSighup: true` emits 300,000 records while
 *    logrotate renames the file 15 times, creates a new one and sends SIGHUP (postrotate).
 * 2. `copytruncate`: a writer emits 2,000,000 records while logrotate copies the file and
 *    truncates it in place 15 times; records written between the copy and the truncation
 *    are lost, which is inherent to copy-then-truncate.
 * Each case reads every file back (audit.jsonl.15 … .1, then audit.jsonl) and counts the
 * records lost and repeated. Prints the figures; exits non-zero when `create` lost any.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const quick = process.argv.includes('--quick');
const ROTATIONS = 15;
const here = path.dirname(new URL(import.meta.url).pathname);

function logrotateVersion() {
  const found = spawnSync('logrotate', ['--version'], { encoding: 'utf8' });
  if (found.error) throw new Error('logrotate is not installed (Debian: apt-get install -y logrotate)');
  return (found.stdout || found.stderr).split('\n')[0];
}

/** The logrotate configuration of one case. */
function config(file, mode, pid) {
  const common = ['  size 1', `  rotate ${ROTATIONS + 5}`, '  missingok', '  nocompress'];
  const specific =
    mode === 'create'
      ? ['  create 0600', '  postrotate', `    kill -HUP ${pid}`, '  endscript']
      : ['  copytruncate'];
  return `${file} {\n${[...common, ...specific].join('\n')}\n}\n`;
}

/** Every seq in the files, oldest file first: counts of each. */
function countSeqs(file, count) {
  const seen = new Uint8Array(count);
  const files = [];
  for (let index = ROTATIONS + 5; index >= 1; index--) {
    if (fs.existsSync(`${file}.${index}`)) files.push(`${file}.${index}`);
  }
  files.push(file);
  let lines = 0;
  let torn = 0;
  for (const name of files) {
    const text = fs.readFileSync(name, 'utf8');
    for (const line of text.split('\n')) {
      if (line === '') continue;
      lines++;
      const match = /^\{"event_type":"turn_start",.*"metadata":\{"seq":(\d+)\}.*\}$/.exec(line);
      if (match === null) {
        torn++;
        continue;
      }
      const seq = Number(match[1]);
      if (seen[seq] < 255) seen[seq]++;
    }
  }
  let lost = 0;
  let repeated = 0;
  for (const times of seen) {
    if (times === 0) lost++;
    if (times > 1) repeated += times - 1;
  }
  return { files: files.length, lines, lost, repeated, torn };
}

async function runCase(mode, count, durationMs) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `calute-logrotate-${mode}-`));
  try {
    const file = path.join(dir, 'audit.jsonl');
    const writer = spawn(
      process.execPath,
      [
        path.join(here, 'logrotate-writer.mjs'),
        file,
        String(count),
        mode === 'create' ? '1' : '0',
        String(durationMs),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const conf = path.join(dir, 'logrotate.conf');
    fs.writeFileSync(conf, config(file, mode, writer.pid));
    const state = path.join(dir, 'logrotate.state');
    let progress = 0;
    let ready = false;
    let done = null;
    let buffered = '';
    writer.stdout.setEncoding('utf8').on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) {
        if (line === 'ready') ready = true;
        if (line.startsWith('progress ')) progress = Number(line.slice(9));
        if (line.startsWith('done ')) done = JSON.parse(line.slice(5));
      }
    });
    const ended = new Promise((resolve) => writer.once('close', resolve));
    while (!ready && writer.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = performance.now();
    let rotations = 0;
    // Rotate at evenly spaced moments of the run, while the writer writes: 1/16, 2/16, ... 15/16.
    while (rotations < ROTATIONS) {
      const due = started + ((rotations + 1) * durationMs) / (ROTATIONS + 1);
      while (performance.now() < due && writer.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      if (writer.exitCode !== null || progress >= count) break;
      const rotated = spawnSync('logrotate', ['-f', '-s', state, conf], { encoding: 'utf8' });
      if (rotated.status !== 0) throw new Error(`logrotate failed: ${rotated.stderr}`);
      rotations++;
    }
    await ended;
    const seconds = (performance.now() - started) / 1000;
    if (done === null) throw new Error(`${mode}: the writer did not finish`);
    const counted = countSeqs(file, count);
    return { mode, count, rotations, seconds, written: done.written, errors: done.errors, ...counted };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const scale = quick ? 10 : 1;
console.log(
  `${logrotateVersion()}, Node ${process.version}, ${os.cpus().length} CPUs${quick ? ' (--quick: counts / 10)' : ''}`,
);
// The writers' paces: about 50,000 and 200,000 records a second, well within what one
// producer sustains here, so the rotations fall while records are being written.
const results = [
  await runCase('create', 300_000 / scale, 6000 / scale),
  await runCase('copytruncate', 2_000_000 / scale, 10_000 / scale),
];
let failed = false;
for (const result of results) {
  console.log(
    `\n${result.mode}${result.mode === 'create' ? ' + SIGHUP (reopenOnSighup: true)' : ''}: ${result.count.toLocaleString()} records, ${result.rotations} rotations in ${result.seconds.toFixed(1)} s`,
  );
  console.log(
    `  lost ${result.lost.toLocaleString()} of ${result.count.toLocaleString()} (${((100 * result.lost) / result.count).toFixed(2)}%), repeated ${result.repeated}, lines not whole ${result.torn}, ${result.files} files, sink wrote ${result.written.toLocaleString()}`,
  );
  if (result.errors.length > 0) console.log(`  sink errors: ${result.errors.join('; ')}`);
  if (result.mode === 'create' && (result.lost > 0 || result.repeated > 0 || result.torn > 0)) failed = true;
  if (result.rotations !== ROTATIONS) failed = true;
}
if (failed) {
  console.error(
    '\nlogrotate: FAILED (create + SIGHUP must lose nothing, and every case must rotate 15 times)',
  );
  process.exit(1);
}
console.log('\nlogrotate: create + SIGHUP lost nothing');
