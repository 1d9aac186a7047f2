/**
 * The audit file's life as a property (fast-check; the seed is printed, replay a failure with
 * FC_SEED=<seed>): arbitrary sequences of emits (records of arbitrary sizes), flushes,
 * `rotate()` calls and restarts (close, then a new sink on the same path with the same key),
 * through a sink that also rotates by size and keeps the integrity chain. Afterwards the
 * trail, read in `listTrailFiles` order, holds every record exactly once and in order, and
 * `verifyAuditTrail` passes it without a single problem.
 */
import path from 'node:path';
import { ThreadedJSONLSinkCollector, TurnStartEvent } from 'calute-audit';
import { verifyAuditTrail } from 'calute-audit/trail';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyPair, trailLines } from './support/lifecycle-kit.js';
import { useTempDir } from './support/temp-files.js';
import { seedFrom } from './support/threaded-sink-kit.js';

const RUNS = 25;
const { privateKey, publicKey } = keyPair();

type Step =
  | { kind: 'emit'; sizes: number[] }
  | { kind: 'flush' }
  | { kind: 'rotate' }
  | { kind: 'restart'; async: boolean };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('emit' as const),
      sizes: fc.array(fc.nat(3000), { minLength: 1, maxLength: 40 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flush' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('rotate' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), async: fc.boolean() }) },
);

const scenarioArb = fc.record({
  steps: fc.array(stepArb, { minLength: 1, maxLength: 12 }),
  checkpointEvery: fc.integer({ min: 1, max: 25 }),
  maxBytes: fc.constantFrom(4096, 16 * 1024, 1024 * 1024),
});

describe('ThreadedJSONLSinkCollector lifecycle: property', () => {
  const tempDir = useTempDir('calute-lifecycle-property-');

  it('emits, flushes, rotate() and restarts in any order: every record once and in order, and the trail verifies', async () => {
    const seed = seedFrom('FC_SEED', 'lifecycle-property');
    const seen = { rotations: 0, restarts: 0, files: 0, records: 0 };
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ steps, checkpointEvery, maxBytes }) => {
        const base = path.join(tempDir(), 'audit.jsonl');
        const options = { rotation: { maxBytes }, integrity: { privateKey, checkpointEvery } };
        let sink = new ThreadedJSONLSinkCollector(base, options);
        const written: string[] = [];
        try {
          for (const step of steps) {
            if (step.kind === 'emit') {
              for (const size of step.sizes) {
                const event = new TurnStartEvent({
                  timestamp: '2025-06-15T14:30:00.123456+00:00',
                  promptPreview: `record ${written.length}`,
                  metadata: { seq: written.length, pad: 'x'.repeat(size) },
                });
                written.push(event.serialize());
                sink.emit(event);
              }
            } else if (step.kind === 'flush') {
              sink.flush();
            } else if (step.kind === 'rotate') {
              sink.rotate();
            } else {
              seen.rotations += sink.stats().rotations;
              seen.restarts++;
              if (step.async) await sink.closeAsync();
              else sink.close();
              sink = new ThreadedJSONLSinkCollector(base, options);
            }
          }
        } finally {
          seen.rotations += sink.stats().rotations;
          await sink.closeAsync();
        }
        const lines = trailLines(base);
        expect(lines).toStrictEqual(written);
        const report = await verifyAuditTrail(base, { publicKey });
        if (report.problems.length > 0)
          console.log(JSON.stringify({ steps, checkpointEvery, maxBytes, problems: report.problems }));
        expect(report.problems).toStrictEqual([]);
        expect(report.exitCode).toBe(0);
        seen.files += report.files.length;
        seen.records += written.length;
      }),
      // No shrinking: each shrink step replays sinks and workers, and would outlast the test's time.
      { seed, numRuns: RUNS, endOnFailure: true },
    );
    console.log(`lifecycle-property: runs covered ${JSON.stringify(seen)}`);
    expect(seen.rotations).toBeGreaterThan(0);
    expect(seen.restarts).toBeGreaterThan(0);
  });
});
