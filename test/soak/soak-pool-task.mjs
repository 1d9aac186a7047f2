/**
 * The piscina task of the soak's concurrent part: emits `count` numbered events of
 * `producer`, from `from`, into the sink whose ring handle came in the pool's workerData.
 * Sizes come from `sizeOf` (shared with soak.mjs), from a few bytes to more than the ring.
 */
import { workerData } from 'node:worker_threads';
import { connectCollector, ToolCallAttemptEvent } from 'calute-audit';

/** Mixed sizes: mostly tiny, some a few KiB, one in 5000 larger than a 64 KiB ring. */
export function sizeOf(seq) {
  if (seq % 5000 === 4999) return 100_000 + (seq % 7) * 1000;
  if (seq % 100 === 99) return 2000 + (seq % 13) * 300;
  return seq % 40;
}

export function soakEvent(producer, seq) {
  return new ToolCallAttemptEvent({
    toolName: 'soak',
    argumentsPreview: 'p'.repeat(sizeOf(seq)),
    metadata: { producer, seq },
  });
}

export default function emitRange({ producer, from, count }) {
  const audit = connectCollector(workerData.handle);
  for (let seq = from; seq < from + count; seq++) audit.emit(soakEvent(producer, seq));
  return count;
}
