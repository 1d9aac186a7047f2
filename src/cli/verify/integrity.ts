/**
 * The integrity chain: an SHA-256 chain with signed checkpoints in a sidecar file
 * (`<file>.checkpoints`) beside each audit file, checked by `verifyAuditTrail` from
 * `calute-audit/trail`. `verify` calls it when a sidecar exists or a public key is given;
 * until `calute-audit/trail` provides it, `verify` says that the chain was not checked.
 */
import fs from 'node:fs';
import { sidecarPath, verifyAuditTrail } from 'calute-audit/trail';
import type { TrailSource } from '../input/sources.js';
import type { VerifyProblem } from './verify-trail.js';

export interface IntegrityOutcome {
  /** `checked`: the chain was verified; `absent`: no sidecar and no key. */
  readonly status: 'checked' | 'absent';
  /** What fails the verification. */
  readonly problems: readonly VerifyProblem[];
  /** Warnings (an unprotected tail after a crash, a trail that starts after deleted files), for stderr. */
  readonly note: string | null;
}

/** The sidecars beside the sources that have one. */
export function sidecarsOf(sources: readonly TrailSource[]): string[] {
  return sources
    .map((source) => source.path)
    .filter((path): path is string => path !== null)
    .map((path) => sidecarPath(path))
    .filter((sidecar, index, all) => all.indexOf(sidecar) === index && fs.existsSync(sidecar));
}

/** Checks the chain of each input (as given: a file or a trail's base path) when there is one to check. */
export async function checkIntegrity(
  inputs: readonly string[],
  sources: readonly TrailSource[],
  publicKey: string | undefined,
): Promise<IntegrityOutcome> {
  const sidecars = sidecarsOf(sources);
  if (sidecars.length === 0 && publicKey === undefined) return { status: 'absent', problems: [], note: null };
  const problems: VerifyProblem[] = [];
  const warnings: string[] = [];
  for (const input of inputs.filter((input) => input !== '-')) {
    const result = await verifyAuditTrail(input, publicKey === undefined ? {} : { publicKey });
    for (const problem of result.problems) {
      const found = {
        kind: problem.kind,
        file: problem.file,
        line: problem.line ?? undefined,
        message: problem.message,
      };
      if (problem.severity === 'error') problems.push(found);
      else warnings.push(problem.message);
    }
  }
  return { status: 'checked', problems, note: warnings.length === 0 ? null : warnings.join('; ') };
}
