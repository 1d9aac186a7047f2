import { TurnStartEvent } from 'calute-audit';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** `2025-06-15T14:30:00.123456+00:00` → epoch microseconds. */
function micros(timestamp: string): number {
  return Date.parse(`${timestamp.slice(0, 19)}Z`) * 1000 + Number(timestamp.slice(20, 26));
}

/** Waits on the monotonic clock so the next event reads the wall clock again. */
function spinMs(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {}
}

function eventMicros(): number {
  return micros(new TurnStartEvent().timestamp);
}

describe('event timestamps from one thread', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('never go back when the wall clock steps back by a few milliseconds', () => {
    const realNow = Date.now.bind(Date);
    let offsetMs = 0;
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs);

    spinMs(2);
    const before = eventMicros();
    offsetMs = -5;
    spinMs(2);
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) {
      seen.push(eventMicros());
      spinMs(0.5);
    }
    expect(seen[0]).toBeGreaterThanOrEqual(before);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] as number);
  });

  it('show a real clock change of seconds as it is', () => {
    const realNow = Date.now.bind(Date);
    let offsetMs = 0;
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs);

    spinMs(2);
    const before = eventMicros();
    offsetMs = -2000;
    spinMs(2);
    const after = eventMicros();
    // About 2 s earlier, less the few milliseconds spent spinning.
    expect(before - after).toBeGreaterThan(1_900_000);
    expect(before - after).toBeLessThan(2_100_000);
  });
});
