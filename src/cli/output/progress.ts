/**
 * A progress bar on stderr for long reads: bytes read of the total, and the rate. Drawn
 * only on a terminal, only once a read has lasted `SHOW_AFTER_MS` (short reads never
 * flash a bar), at most every `REDRAW_MS`, and erased when the read ends.
 */
import { formatBytes } from './units.js';

/** A read shorter than this shows no bar. */
const SHOW_AFTER_MS = 500;
/** Ten redraws a second: smooth to the eye, and negligible next to the read itself. */
const REDRAW_MS = 100;
const BAR_CELLS = 24;

export interface Progress {
  /** `bytes` more were read. */
  add(bytes: number): void;
  /** Erases the bar. */
  done(): void;
}

export const NO_PROGRESS: Progress = { add() {}, done() {} };

export interface ProgressTarget {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressOptions {
  /** Bytes to read in all, when known. */
  readonly total: number | null;
  /** @default performance.now */
  readonly now?: () => number;
}

/** The line the bar shows after `read` bytes in `elapsedMs`. */
export function progressLine(read: number, total: number | null, elapsedMs: number, columns = 80): string {
  const rate = elapsedMs > 0 ? `${formatBytes(Math.round((read / elapsedMs) * 1000))}/s` : '';
  if (total === null || total <= 0) return `reading ${formatBytes(read)}  ${rate}`.slice(0, columns - 1);
  const share = Math.min(1, read / total);
  const filled = Math.round(share * BAR_CELLS);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_CELLS - filled)}`;
  const percent = `${Math.floor(share * 100)}%`.padStart(4);
  return `reading ${bar} ${percent}  ${formatBytes(read)} of ${formatBytes(total)}  ${rate}`.slice(
    0,
    columns - 1,
  );
}

/** A bar on `target` when it is a terminal; otherwise nothing is drawn. */
export function progressBar(target: ProgressTarget, options: ProgressOptions): Progress {
  if (target.isTTY !== true) return NO_PROGRESS;
  const now = options.now ?? (() => performance.now());
  const started = now();
  let read = 0;
  let drawnAt = Number.NEGATIVE_INFINITY;
  let shown = false;
  return {
    add(bytes) {
      read += bytes;
      const at = now();
      if (at - started < SHOW_AFTER_MS || at - drawnAt < REDRAW_MS) return;
      drawnAt = at;
      shown = true;
      target.write(`\r${progressLine(read, options.total, at - started, target.columns)}\x1b[K`);
    },
    done() {
      if (shown) target.write('\r\x1b[K');
      shown = false;
    },
  };
}
