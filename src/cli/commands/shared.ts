/** What the commands share: input options, warnings, colors, the progress bar, numbers. */
import { usageError } from '../errors.js';
import { resolveSources, type TrailSource } from '../input/sources.js';
import { colorWanted, makePalette, type Palette } from '../output/palette.js';
import { NO_PROGRESS, progressBar } from '../output/progress.js';
import { type ReadOptions, tornLineText } from '../record/read-records.js';
import type { CliIo, OptionValues } from './command.js';

export const INPUT_HELP =
  'Input: audit files (plain or gzipped), a trail base path (its rotated files, then the active one), or - for stdin; stdin when none is given and it is not a terminal.';

export const COLOR_OPTIONS = {
  color: { type: 'boolean' },
} as const;
export const COLOR_HELP =
  '  --color, --no-color   force colors on or off (default: on for a terminal, off with NO_COLOR)';

/** Prints a warning on stderr. */
export function warn(io: CliIo, message: string): void {
  io.stderr.write(`calute-audit: warning: ${message}\n`);
}

export function sourcesOf(positionals: readonly string[], io: CliIo): TrailSource[] {
  return resolveSources(positionals, { stdinIsTTY: io.stdin.isTTY === true });
}

/**
 * Reading options: torn lines become warnings, stdin is the given stream, and a progress
 * bar goes to stderr when it is a terminal and the command's output does not go to that
 * same terminal line by line (`streams`: the command writes records to stdout as it reads).
 */
export function readOptions(
  io: CliIo,
  sources: readonly TrailSource[],
  streams: boolean,
): ReadOptions & {
  finish(): void;
} {
  const total = sources.every((source) => source.size !== null)
    ? sources.reduce((sum, source) => sum + (source.size ?? 0), 0)
    : null;
  const progress =
    streams && io.stdout.isTTY === true ? NO_PROGRESS : progressBar(io.stderr as never, { total });
  return {
    stdin: io.stdin,
    signal: io.signal,
    onRawBytes: (bytes) => progress.add(bytes),
    onTorn: (torn) => {
      progress.done();
      warn(io, tornLineText(torn));
    },
    finish: () => progress.done(),
  };
}

export function palette(values: OptionValues, io: CliIo): Palette {
  return makePalette(colorWanted(io.stdout, io.env, values.color as boolean | undefined));
}

/** A whole number option, at least `min`; a usage error names the option otherwise. */
export function integerOption(values: OptionValues, name: string, fallback: number, min = 0): number {
  const text = values[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (typeof text !== 'string' || !/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw usageError(`--${name} ${JSON.stringify(text)}: expected a whole number of at least ${min}`);
  }
  return value;
}

/** The values of a repeatable option, each also split at commas when `commas`. */
export function listOption(values: OptionValues, name: string, commas = false): string[] | undefined {
  const given = values[name];
  if (given === undefined) return undefined;
  const list = (Array.isArray(given) ? given : [given]).map(String);
  return commas ? list.flatMap((value) => value.split(',')).filter((value) => value !== '') : list;
}
