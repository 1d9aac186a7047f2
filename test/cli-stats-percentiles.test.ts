/**
 * Duration percentiles in `stats`: exact nearest-rank values while a tool has at most
 * `exactSamples` durations; past that, DDSketch figures within 1% of the exact ones, marked
 * approximate (≈ in the text).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ToolCallCompleteEvent } from 'calute-audit';
import {
  DurationSeries,
  EXACT_SAMPLES,
  formatStats,
  makePalette,
  resolveSources,
  trailStats,
} from 'calute-audit/cli';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-files.js';
import { seededRandom } from './support/threaded-sink-kit.js';

const tempDir = useTempDir('calute-audit-cli-percentiles-');

const nearestRank = (values: number[], percent: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((percent * sorted.length) / 100) - 1];
};

describe('duration percentiles', () => {
  it('exact while small: nearest rank, min, max, mean', () => {
    const series = new DurationSeries();
    for (let value = 100; value >= 1; value--) series.add(value);
    expect(series.summary()).toStrictEqual({
      count: 100,
      min: 1,
      max: 100,
      mean: 50.5,
      p50: 50,
      p95: 95,
      p99: 99,
      approximate: false,
    });
    const two = new DurationSeries();
    two.add(1500);
    two.add(900);
    expect(two.summary()).toMatchObject({ p50: 900, p95: 1500, p99: 1500 });
    expect(new DurationSeries().summary()).toBeNull();
    expect(EXACT_SAMPLES).toBe(10_000);
  });

  it('past the limit: within 1% of the exact values, marked approximate', () => {
    const random = seededRandom(7);
    const values = Array.from({ length: 20_000 }, () => Math.exp(random() * 8)); // 1 ms to 3 s, log-spread
    const series = new DurationSeries(1000);
    for (const value of values) series.add(value);
    const summary = series.summary()!;
    expect(summary.approximate).toBe(true);
    expect(summary.count).toBe(20_000);
    expect(summary.max).toBe(Math.max(...values));
    for (const [key, percent] of [
      ['p50', 50],
      ['p95', 95],
      ['p99', 99],
    ] as const) {
      const exact = nearestRank(values, percent);
      expect(Math.abs(summary[key] - exact) / exact, key).toBeLessThanOrEqual(0.01);
    }
  });

  it('stats on a trail with more durations than kept: ≈ figures in the text, approximate in the result', async () => {
    const file = path.join(tempDir(), 'many.jsonl');
    const lines: string[] = [];
    for (let i = 1; i <= 300; i++) {
      const event = new ToolCallCompleteEvent({
        toolName: 'slow',
        durationMs: i,
        timestamp: '2025-06-15T14:30:00.000000+00:00',
      });
      lines.push(`${event.serialize()}\n`);
    }
    fs.writeFileSync(file, lines.join(''));
    const stats = await trailStats(resolveSources([file]), { exactSamples: 100 });
    const summary = stats.tools[0].durationMs!;
    expect(summary.approximate).toBe(true);
    expect(Math.abs(summary.p50 - 150) / 150).toBeLessThanOrEqual(0.01);
    const text = formatStats(stats, makePalette(false));
    expect(text).toMatch(/^slow +300 +0 +300 +0 +0\.0% +≈\d+\.\d ms +≈\d+\.\d ms +≈\d+\.\d ms +300\.0 ms$/m);
    expect(text).toContain('≈: within 1%');
    const exact = await trailStats(resolveSources([file]));
    expect(exact.tools[0].durationMs).toMatchObject({ p50: 150, p95: 285, p99: 297, approximate: false });
  });
});
