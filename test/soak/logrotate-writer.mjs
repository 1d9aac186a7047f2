/**
 * The writer for logrotate.mjs: emits `count` numbered records into an offloaded sink at an
 * even pace over `durationMs`, in batches of 1,000, yielding to the event loop after each
 * batch (so a SIGHUP handler can run, as in any agent loop); prints "ready" once the drain
 * runs, "progress <n>" after each batch, then "done <stats>".
 *   node logrotate-writer.mjs <file> <count> <reopenOnSighup: 0|1> <durationMs>
 */
import fs from 'node:fs';
import { ThreadedJSONLSinkCollector, TurnStartEvent } from 'calute-audit';

const [file, countText, sighupText, durationText] = process.argv.slice(2);
const count = Number(countText);
const BATCH = 1000;
const sink = new ThreadedJSONLSinkCollector(file, { reopenOnSighup: sighupText === '1' });
const errors = [];
sink.on('error', (error) => errors.push(error.message));
await sink.ready();
fs.writeSync(1, 'ready\n');
const started = performance.now();
const duration = Number(durationText);
for (let seq = 0; seq < count; ) {
  const end = Math.min(count, seq + BATCH);
  for (; seq < end; seq++) sink.emit(new TurnStartEvent({ agentId: 'logrotate', metadata: { seq } }));
  fs.writeSync(1, `progress ${seq}\n`);
  // Keeps to the pace: the batch's share of the duration, at least one turn of the event loop.
  const ahead = started + (seq / count) * duration - performance.now();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, ahead)));
}
await sink.closeAsync();
fs.writeSync(1, `done ${JSON.stringify({ written: sink.stats().writtenEvents, errors })}\n`);
