/**
 * The integrity chain: an SHA-256 chain with signed checkpoints in a sidecar file
 * (`<file>.checkpoints`) beside each audit file, checked by `verifyAuditTrail` from
 * `calute-audit/trail`. `verify` calls it when a sidecar exists or a public key is given;
 * until `calute-audit/trail` provides it, `verify` says that the chain was not checked.
 */
import fs from 'node:fs';
import * as trail from 'calute-audit/trail';
import { usageError } from '../errors.js';
import type { TrailSource } from '../input/sources.js';
import type { VerifyProblem } from './verify-trail.js';

/** What `verifyAuditTrail(basePath, { publicKey })` resolves to. */
interface ChainResult {
  readonly ok: boolean;
  readonly problems: readonly VerifyProblem[];
}
type ChainChecker = (basePath: string, options: { publicKey?: string }) => Promise<ChainResult>;

export interface IntegrityOutcome {
  /** `checked`: the chain was verified; `absent`: no sidecar and no key; `unavailable`: see `note`. */
  readonly status: 'checked' | 'absent' | 'unavailable';
  readonly problems: readonly VerifyProblem[];
  readonly note: string | null;
}

export const SIDECAR_SUFFIX = '.checkpoints';

/** The sidecars beside the sources that have one. */
export function sidecarsOf(sources: readonly TrailSource[]): string[] {
  return sources
    .map((source) => source.path)
    .filter((path): path is string => path !== null)
    .flatMap((path) => [path, path.replace(/\.gz$/, '')])
    .map((path) => path + SIDECAR_SUFFIX)
    .filter((sidecar, index, all) => all.indexOf(sidecar) === index && fs.existsSync(sidecar));
}

/**
 * Checks the chain of each input (as given: a file or a trail's base path) when there is
 * one to check. A public key with no checker to use it is a usage error (exit 2): the user
 * asked for a check that cannot be made.
 */
export async function checkIntegrity(
  inputs: readonly string[],
  sources: readonly TrailSource[],
  publicKey: string | undefined,
): Promise<IntegrityOutcome> {
  const sidecars = sidecarsOf(sources);
  if (sidecars.length === 0 && publicKey === undefined) return { status: 'absent', problems: [], note: null };
  const checker = (trail as Record<string, unknown>).verifyAuditTrail as ChainChecker | undefined;
  if (typeof checker !== 'function') {
    if (publicKey !== undefined) {
      throw usageError('--public-key: this version of calute-audit cannot check integrity chains');
    }
    return {
      status: 'unavailable',
      problems: [],
      note: `integrity chain not checked: ${sidecars.join(', ')} found, and this version of calute-audit cannot check them`,
    };
  }
  const problems: VerifyProblem[] = [];
  for (const input of inputs.filter((input) => input !== '-')) {
    const result = await checker(input, publicKey === undefined ? {} : { publicKey });
    problems.push(...result.problems);
  }
  return { status: 'checked', problems, note: null };
}
