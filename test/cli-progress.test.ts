/**
 * The progress bar: drawn on a terminal only, not before half a second, at most ten times
 * a second, with the share, the bytes and the rate; erased at the end.
 */

import { progressBar, progressLine } from 'calute-audit/cli';
import { describe, expect, it } from 'vitest';

describe('progress bar', () => {
  it('the line: bar, percent, bytes of total, rate; bytes and rate alone when the total is unknown', () => {
    expect(progressLine(250_000_000, 1_000_000_000, 1000)).toBe(
      'reading ██████░░░░░░░░░░░░░░░░░░  25%  250 MB of 1.00 GB  250 MB/s',
    );
    expect(progressLine(5_000, null, 500)).toBe('reading 5.00 KB  10.0 KB/s');
    expect(progressLine(10, 10, 1000, 20)).toBe('reading ███████████');
  });

  it('draws on a terminal after 500 ms, every 100 ms at most, and erases itself', () => {
    const written: string[] = [];
    let now = 0;
    const bar = progressBar(
      { isTTY: true, columns: 200, write: (text: string) => written.push(text) },
      { total: 1000, now: () => now },
    );
    bar.add(100);
    now = 400;
    bar.add(100);
    expect(written).toStrictEqual([]);
    now = 600;
    bar.add(100);
    now = 650;
    bar.add(100);
    now = 700;
    bar.add(100);
    expect(written).toStrictEqual([
      `\r${progressLine(300, 1000, 600, 200)}\x1b[K`,
      `\r${progressLine(500, 1000, 700, 200)}\x1b[K`,
    ]);
    bar.done();
    expect(written.at(-1)).toBe('\r\x1b[K');
  });

  it('draws nothing when the target is not a terminal', () => {
    const written: string[] = [];
    let now = 0;
    const bar = progressBar({ write: (text: string) => written.push(text) }, { total: 10, now: () => now });
    now = 5000;
    bar.add(10);
    bar.done();
    expect(written).toStrictEqual([]);
  });
});
