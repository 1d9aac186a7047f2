/**
 * The names of one audit trail's files, from its base path. The sink writes the base path
 * (`audit.jsonl`); a rotation renames it to the base name with the rotation's UTC time
 * between stem and extension, and compression adds `.gz`:
 *
 *   audit.jsonl                                 the active file
 *   audit.20261127T130500.123000Z.jsonl         rotated at 2026-11-27 13:05:00.123 UTC
 *   audit.20261127T140500.000012Z.jsonl.gz      rotated, then gzipped
 *
 * The time has a fixed width, so names sort in time order; the active file comes last. The
 * drain (rotation), the owner (retention, compression) and the readers use this one module.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface TrailFile {
  readonly path: string;
  /** When the file was rotated (ISO 8601, microseconds), or null for the active file. */
  readonly rotatedAt: string | null;
  /** The rotation time in epoch milliseconds, or null for the active file. */
  readonly rotatedAtMs: number | null;
  readonly compressed: boolean;
}

/** `audit.jsonl` → { dir, stem: 'audit', ext: '.jsonl' }. */
function splitBase(basePath: string): { dir: string; stem: string; ext: string } {
  const dir = path.dirname(basePath);
  const name = path.basename(basePath);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? { dir, stem: name.slice(0, dot), ext: name.slice(dot) } : { dir, stem: name, ext: '' };
}

/** The name a file rotated at `epochMicros` gets. */
export function rotatedPath(basePath: string, epochMicros: number): string {
  const { dir, stem, ext } = splitBase(basePath);
  const micros = Math.floor(epochMicros);
  const iso = new Date(Math.floor(micros / 1000)).toISOString(); // 2026-11-27T13:05:00.123Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  const fraction = String(micros % 1_000_000).padStart(6, '0');
  return path.join(dir, `${stem}.${stamp}.${fraction}Z${ext}`);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Matches the rotated files of `basePath`; groups: date, time, fraction, gz. */
function rotatedPattern(basePath: string): RegExp {
  const { stem, ext } = splitBase(basePath);
  return new RegExp(`^${escapeRegExp(stem)}\\.(\\d{8})T(\\d{6})\\.(\\d{6})Z${escapeRegExp(ext)}(\\.gz)?$`);
}

/** Whether `candidate` (a path) is a rotated file of `basePath`. */
export function isRotatedFileOf(basePath: string, candidate: string): boolean {
  return (
    path.resolve(path.dirname(candidate)) === path.resolve(path.dirname(basePath)) &&
    rotatedPattern(basePath).test(path.basename(candidate))
  );
}

/**
 * Every file of the trail in time order: rotated files (plain or gzipped), then the active
 * file if it exists. A rotated file present both plain and gzipped (a compression that had
 * not finished) is listed once, plain.
 */
export function listTrailFiles(basePath: string): TrailFile[] {
  const { dir } = splitBase(basePath);
  const pattern = rotatedPattern(basePath);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    names = [];
  }
  const files: TrailFile[] = [];
  const seen = new Set<string>();
  // Sorted names are in time order, and a plain name sorts before its `.gz`.
  for (const name of names.sort()) {
    const match = pattern.exec(name);
    if (match === null) continue;
    const [, date, time, fraction, gz] = match;
    const key = name.replace(/\.gz$/, '');
    if (seen.has(key)) continue;
    seen.add(key);
    const iso = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${time.slice(0, 2)}:${time.slice(2, 4)}:${time.slice(4, 6)}`;
    files.push({
      path: path.join(dir, name),
      rotatedAt: `${iso}.${fraction}Z`,
      rotatedAtMs: Date.parse(`${iso}Z`) + Math.floor(Number(fraction) / 1000),
      compressed: gz !== undefined,
    });
  }
  let active = false;
  try {
    active = fs.statSync(basePath).isFile();
  } catch {
    // No active file (between a rotation's rename and the next open, or never written).
  }
  if (active) files.push({ path: basePath, rotatedAt: null, rotatedAtMs: null, compressed: false });
  return files;
}
