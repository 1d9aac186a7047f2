/**
 * `verify`: every line of every source parsed and checked (check-record.ts), then the
 * integrity chain when there is one (integrity.ts). Problems name their file and line.
 * Memory stays flat: only the first `keepProblems` problems are kept; all are counted.
 */
import { type LineVisitor, scanLines } from '../input/line-scanner.js';
import type { TrailSource } from '../input/sources.js';
import { isBlank, notACutRecord, parseLine } from '../record/parse-line.js';
import type { ReadOptions } from '../record/read-records.js';
import { recordProblems } from './check-record.js';
import { checkIntegrity, type IntegrityOutcome } from './integrity.js';

export interface VerifyProblem {
  /** `not-json`, `not-object`, `envelope`, `field`, `torn-line`, `blank-line`, or the integrity checker's kinds. */
  readonly kind: string;
  readonly file: string;
  readonly line?: number;
  readonly message: string;
}

export interface VerifyResult {
  readonly ok: boolean;
  /** 0 when sound, 1 when a problem was found. */
  readonly exitCode: 0 | 1;
  readonly sources: readonly string[];
  readonly lines: number;
  readonly records: number;
  /** Every problem found. */
  readonly problemCount: number;
  /** The first `keepProblems` of them, in reading order. */
  readonly problems: readonly VerifyProblem[];
  readonly integrity: IntegrityOutcome;
}

export interface VerifyOptions extends ReadOptions {
  /** The inputs as given (files or base paths) for the integrity checker. @default the source paths */
  readonly inputs?: readonly string[];
  /** PEM text of the key the checkpoints are signed with. */
  readonly publicKey?: string;
  /** Problems kept in the result (all are counted). @default 1000 */
  readonly keepProblems?: number;
  /** Told of each problem as it is found (for printing as the read goes). */
  readonly onProblem?: (problem: VerifyProblem) => void;
}

export async function verifyTrail(
  sources: readonly TrailSource[],
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const keep = options.keepProblems ?? 1000;
  const problems: VerifyProblem[] = [];
  let problemCount = 0;
  let lines = 0;
  let records = 0;
  const report = (problem: VerifyProblem) => {
    problemCount++;
    if (problems.length < keep) problems.push(problem);
    options.onProblem?.(problem);
  };
  const visitor: LineVisitor = {
    line(chunk, start, end, cursor) {
      lines++;
      const file = cursor.source.name;
      const line = cursor.line;
      if (isBlank(chunk, start, end)) {
        report({ kind: 'blank-line', file, line, message: 'a blank line (no record)' });
        return;
      }
      const parsed = parseLine(chunk, start, end);
      if (typeof parsed === 'string') {
        report({
          kind: parsed.startsWith('not JSON') ? 'not-json' : 'not-object',
          file,
          line,
          message: parsed,
        });
        return;
      }
      records++;
      for (const [kind, message] of recordProblems(parsed)) report({ kind, file, line, message });
    },
    torn(bytes, cursor) {
      lines++;
      const problem = notACutRecord(bytes);
      if (problem !== null) {
        const kind = problem.startsWith('not the start') ? 'not-json' : 'not-object';
        report({ kind, file: cursor.source.name, line: cursor.line, message: problem });
        return;
      }
      const torn = { source: cursor.source.name, line: cursor.line, bytes: bytes.length };
      options.onTorn?.(torn);
      report({
        kind: 'torn-line',
        file: torn.source,
        line: torn.line,
        message: `${torn.bytes} bytes with no newline at the end of the file (a write cut short)`,
      });
    },
  };
  await scanLines(sources, visitor, options);
  const inputs = options.inputs ?? sources.flatMap((source) => (source.path === null ? [] : [source.path]));
  const integrity = await checkIntegrity(inputs, sources, options.publicKey);
  for (const problem of integrity.problems) report(problem);
  return {
    ok: problemCount === 0,
    exitCode: problemCount === 0 ? 0 : 1,
    sources: sources.map((source) => source.name),
    lines,
    records,
    problemCount,
    problems,
    integrity,
  };
}
