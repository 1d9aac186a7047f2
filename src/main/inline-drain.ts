/**
 * Writing the ring from the owning thread: only when no drain worker runs (it died, drains
 * keep dying, or close() found it dead). Follows the drain's rules: what a dead drain's last
 * write already put in the file is skipped, and a pending reopen takes effect at its byte
 * position. See `src/shared/protocol.ts`.
 */
import fs from 'node:fs';
import { regularFileSize } from '#shared/file-size.js';
import {
  bytesWrittenByDeadDrain,
  CURRENT_FD,
  distance,
  IN_FLIGHT_LEN,
  NEWLINE,
  READ,
  REOPEN_AT,
  REOPEN_FD,
  type RingViews,
  WRITE,
  WRITTEN_BYTES,
  WRITTEN_EVENTS,
} from '#shared/protocol.js';

/** Writes every committed byte; throws the write error, if any. */
export function drainInline({ control, stats, data, mask, capacity }: RingViews): void {
  const written = bytesWrittenByDeadDrain(control, stats, regularFileSize(Atomics.load(control, CURRENT_FD)));
  Atomics.store(control, READ, (Atomics.load(control, READ) + written) | 0);
  Atomics.store(control, IN_FLIGHT_LEN, 0);
  for (;;) {
    const read = Atomics.load(control, READ);
    let limit = Atomics.load(control, WRITE);
    const reopenFd = Atomics.load(control, REOPEN_FD);
    if (reopenFd !== -1) {
      const at = Atomics.load(control, REOPEN_AT);
      if (distance(read, at) >= 0) {
        closeQuietly(Atomics.load(control, CURRENT_FD));
        Atomics.store(control, CURRENT_FD, reopenFd);
        Atomics.store(control, REOPEN_FD, -1);
        Atomics.notify(control, REOPEN_FD);
        continue;
      }
      limit = at;
    }
    const pending = distance(limit, read);
    if (pending <= 0) return;
    const start = read & mask;
    const length = Math.min(pending, capacity - start);
    const count = fs.writeSync(Atomics.load(control, CURRENT_FD), data, start, length);
    const bytes = data.subarray(start, start + count);
    for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1))
      stats[WRITTEN_EVENTS]++;
    stats[WRITTEN_BYTES] += count;
    // Gives the space back and confirms the bytes, as the drain would.
    Atomics.store(control, READ, (read + count) | 0);
    Atomics.notify(control, READ);
  }
}

export function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Already closed.
  }
}
