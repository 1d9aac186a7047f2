import fs from 'node:fs';

/** The error `action` throws; fails the test when it does not throw. */
export function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** How many descriptors of this process point at `file` (Linux /proc). */
export function openDescriptors(file: string): number {
  let count = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) === file) count++;
    } catch {
      // the descriptor readdir itself used is gone by now
    }
  }
  return count;
}
