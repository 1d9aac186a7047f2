/**
 * "Did you mean ...?" for a misspelled name: an option, a record key. Kept apart from the
 * errors that use it, since both the option checks and the redaction paths ask it.
 */

/**
 * ` (did you mean "toolName"?)`, or nothing: the known name that differs from `name` only in
 * case and underscores (`tool_name`), whose record key it is (`error_message` for
 * `errorMsg`, given in `recordKeys` as key → name), or that is one or two edits away
 * (`toolNme`, `collecter`).
 */
export function suggestion(
  name: string,
  known: readonly string[],
  recordKeys: ReadonlyMap<string, string> = NO_RECORD_KEYS,
): string {
  const match = closestName(name, known, recordKeys);
  return match === undefined ? '' : ` (did you mean "${match}"?)`;
}

const NO_RECORD_KEYS: ReadonlyMap<string, string> = new Map();

/** `tool_name`, `toolName` and `TOOLNAME` are one name to a person typing it. */
const plain = (text: string) => text.replace(/_/g, '').toLowerCase();

/** The known name `name` most likely means (see `suggestion`), or undefined. */
export function closestName(
  name: string,
  known: readonly string[],
  recordKeys: ReadonlyMap<string, string> = NO_RECORD_KEYS,
): string | undefined {
  const typed = plain(name);
  const same = known.find((candidate) => plain(candidate) === typed);
  if (same !== undefined) return same;
  for (const [key, option] of recordKeys) if (plain(key) === typed) return option;
  // One edit in a short name, two in a longer one: further than that is another word.
  let best: string | undefined;
  let bestDistance = typed.length <= 4 ? 1 : 2;
  for (const candidate of known) {
    const distance = editDistance(typed, plain(candidate), bestDistance);
    if (distance < bestDistance || (distance === bestDistance && best === undefined)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Edits (insert, delete, replace, swap two neighbours) from `a` to `b`, or `limit + 1` once
 * it is certain to exceed `limit`.
 */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, before[j - 2]! + 1);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}
