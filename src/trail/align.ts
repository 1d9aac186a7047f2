/**
 * Where a checkpoint's lines went: the checkpoint lists each line's CRC-32; the file's lines
 * have theirs. An alignment of the two (the fewest insertions, removals and changes that turn
 * the checkpoint's list into a prefix of the file's) names each line that was modified,
 * removed, inserted or moved.
 */

export type LineChange =
  | { readonly kind: 'modified'; readonly expected: number; readonly actual: number }
  | { readonly kind: 'removed'; readonly expected: number; readonly after: number }
  | { readonly kind: 'inserted'; readonly actual: number }
  | { readonly kind: 'reordered'; readonly expected: number; readonly actual: number };

export interface Alignment {
  /** How many of the file's lines the checkpoint's lines account for. */
  readonly consumed: number;
  /** Indexes are 0-based within the two lists. */
  readonly changes: readonly LineChange[];
}

/** The most cells an alignment may take (about 160 MB of Int32Array would be 4e7): past it, no alignment. */
const MAX_CELLS = 40_000_000;

/**
 * Aligns `expected` (a checkpoint's CRCs) with a prefix of `actual` (the file's lines from the
 * checkpoint's start, with some to spare). Null when the lists are too long to align.
 */
export function alignLines(expected: ArrayLike<number>, actual: ArrayLike<number>): Alignment | null {
  const n = expected.length;
  const m = actual.length;
  if ((n + 1) * (m + 1) > MAX_CELLS) return null;
  const width = m + 1;
  // cost[i][j]: the fewest edits turning expected[0..i) into actual[0..j).
  const cost = new Int32Array((n + 1) * width);
  for (let j = 0; j <= m; j++) cost[j] = j;
  for (let i = 1; i <= n; i++) {
    const row = i * width;
    cost[row] = i;
    for (let j = 1; j <= m; j++) {
      const same = expected[i - 1] === actual[j - 1] ? 0 : 1;
      cost[row + j] = Math.min(
        cost[row - width + j - 1] + same,
        cost[row - width + j] + 1,
        cost[row + j - 1] + 1,
      );
    }
  }
  // The checkpoint ends somewhere in `actual`: the cheapest end, the nearest to n on a tie.
  let end = 0;
  for (let j = 0; j <= m; j++) {
    const here = cost[n * width + j];
    const best = cost[n * width + end];
    if (here < best || (here === best && Math.abs(j - n) < Math.abs(end - n))) end = j;
  }
  const changes: LineChange[] = [];
  let i = n;
  let j = end;
  while (i > 0 || j > 0) {
    const here = cost[i * width + j];
    if (
      i > 0 &&
      j > 0 &&
      here === cost[(i - 1) * width + j - 1] + (expected[i - 1] === actual[j - 1] ? 0 : 1)
    ) {
      if (expected[i - 1] !== actual[j - 1])
        changes.push({ kind: 'modified', expected: i - 1, actual: j - 1 });
      i--;
      j--;
    } else if (i > 0 && here === cost[(i - 1) * width + j] + 1) {
      changes.push({ kind: 'removed', expected: i - 1, after: j - 1 });
      i--;
    } else {
      changes.push({ kind: 'inserted', actual: j - 1 });
      j--;
    }
  }
  changes.reverse();
  return { consumed: end, changes: findMoves(changes, expected, actual) };
}

/**
 * When the lines the changes took away are exactly the lines they added (the same CRCs, as
 * many of each), nothing was altered but the order: each such line is reported as moved.
 */
function findMoves(
  changes: LineChange[],
  expected: ArrayLike<number>,
  actual: ArrayLike<number>,
): LineChange[] {
  const lost: { index: number; crc: number }[] = [];
  const gained: { index: number; crc: number }[] = [];
  for (const change of changes) {
    if (change.kind === 'removed' || change.kind === 'modified') {
      lost.push({ index: change.expected, crc: expected[change.expected] });
    }
    if (change.kind === 'inserted' || change.kind === 'modified') {
      gained.push({ index: change.actual, crc: actual[change.actual] });
    }
  }
  if (lost.length === 0 || lost.length !== gained.length) return changes;
  const unclaimed = [...gained];
  const moves: LineChange[] = [];
  for (const line of lost) {
    const at = unclaimed.findIndex((candidate) => candidate.crc === line.crc);
    if (at === -1) return changes;
    moves.push({ kind: 'reordered', expected: line.index, actual: unclaimed[at].index });
    unclaimed.splice(at, 1);
  }
  return moves;
}
