/**
 * OS thread ids, for telling whether another thread of this process still exists: a
 * worker that was terminated (or died holding the ring lock) cannot say so itself, and its
 * 'exit' event cannot reach a thread that is blocked waiting for it. Linux /proc; elsewhere
 * ids are unknown (0) and every thread counts as alive.
 */
import fs from 'node:fs';

/** This thread's OS id, or 0 when unknown. */
export function currentThreadId(): number {
  try {
    return Number(fs.readlinkSync('/proc/thread-self').split('/').pop()) || 0;
  } catch {
    return 0;
  }
}

/** Whether the OS thread `tid` of this process still exists. Unknown (0, no /proc) counts as alive. */
export function isThreadAlive(tid: number): boolean {
  if (tid === 0 || !fs.existsSync('/proc/self/task')) return true;
  return fs.existsSync(`/proc/self/task/${tid}`);
}
