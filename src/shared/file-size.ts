import fs from 'node:fs';

/**
 * The size of the regular file open as `fd`, or null for pipes, devices and sockets (and a
 * descriptor that cannot be inspected): only a regular file's size tells how much of a
 * write reached it. Both drains (the worker, and the owning thread when no worker runs)
 * use it to resume after a drain died mid-write.
 */
export function regularFileSize(fd: number): number | null {
  try {
    const stats = fs.fstatSync(fd);
    return stats.isFile() ? stats.size : null;
  } catch {
    return null;
  }
}
