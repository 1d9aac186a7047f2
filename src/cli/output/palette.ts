/**
 * Colors through `node:util` `styleText`. Whether to color is decided once per command
 * (`colorWanted`) and styleText is told not to decide again: from Node 22.13 it would
 * otherwise check process.stdout itself, which is not always the stream written to.
 */
import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

export interface Palette {
  readonly enabled: boolean;
  dim(text: string): string;
  bold(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
  cyan(text: string): string;
  magenta(text: string): string;
  blue(text: string): string;
}

const NAMES = ['dim', 'bold', 'red', 'yellow', 'green', 'cyan', 'magenta', 'blue'] as const;

export function makePalette(enabled: boolean): Palette {
  const style = (format: Style) =>
    enabled ? (text: string) => styleText(format, text, { validateStream: false }) : (text: string) => text;
  return Object.freeze({
    enabled,
    ...(Object.fromEntries(NAMES.map((name) => [name, style(name)])) as Record<
      (typeof NAMES)[number],
      (text: string) => string
    >),
  });
}

export const PLAIN: Palette = makePalette(false);

/**
 * `--color` / `--no-color` decide when given; otherwise NO_COLOR (any value, per
 * no-color.org) turns colors off, and they are on only when the stream is a terminal that
 * has colors (`hasColors` also reads FORCE_COLOR and TERM=dumb).
 */
export function colorWanted(
  stream: NodeJS.WritableStream & { isTTY?: boolean; hasColors?: (env?: object) => boolean },
  env: NodeJS.ProcessEnv,
  flag: boolean | undefined,
): boolean {
  if (flag !== undefined) return flag;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && (stream.hasColors?.(env) ?? false);
}
