/**
 * What the command reads: each argument is a file (plain or gzipped), the base path of a
 * trail (then every file of it, rotated ones first, in time order), or `-` for stdin. With
 * no argument, stdin is read when it is not a terminal. Errors name the argument.
 */
import fs from 'node:fs';
import { listTrailFiles } from 'calute-audit/trail';
import { describeSystemError, inputError, usageError } from '../errors.js';

export interface TrailSource {
  /** How messages name it: the path as found, or `stdin`. */
  readonly name: string;
  /** The file to read, or null for stdin. */
  readonly path: string | null;
  /** Its size on disk (compressed, for a gzipped file), when known: for the progress bar. */
  readonly size: number | null;
}

export const STDIN_NAME = 'stdin';

export interface ResolveOptions {
  /** Whether stdin is a terminal: then no argument is an error rather than a read of stdin. */
  readonly stdinIsTTY?: boolean;
}

/** The sources the arguments name, in order. Throws a `CliError` (exit 2) naming a bad one. */
export function resolveSources(specs: readonly string[], options: ResolveOptions = {}): TrailSource[] {
  if (specs.length === 0) {
    if (options.stdinIsTTY) {
      throw usageError('no input: give an audit file or a trail base path, or pipe records into stdin');
    }
    return [stdinSource()];
  }
  return specs.flatMap((spec) => (spec === '-' ? [stdinSource()] : sourcesOfPath(spec)));
}

function stdinSource(): TrailSource {
  return { name: STDIN_NAME, path: null, size: null };
}

function sourcesOfPath(spec: string): TrailSource[] {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(spec);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw inputError(describeSystemError(spec, error), error);
  }
  if (stat?.isDirectory()) {
    throw inputError(
      `${spec}: is a directory, not an audit file (give a file in it, or a trail's base path such as ${spec.replace(/\/$/, '')}/audit.jsonl)`,
    );
  }
  // A base path whose rotated files exist stands for the whole trail, even when the active
  // file is missing (between a rotation and the next record).
  const trail = listTrailFiles(spec);
  if (trail.length === 0 || (trail.length === 1 && stat !== undefined)) {
    if (stat === undefined) throw inputError(`${spec}: no such file`);
    return [{ name: spec, path: spec, size: stat.isFile() ? stat.size : null }];
  }
  return trail.map((file) => ({ name: file.path, path: file.path, size: sizeOf(file.path) }));
}

function sizeOf(path: string): number | null {
  try {
    return fs.statSync(path).size;
  } catch {
    return null;
  }
}
