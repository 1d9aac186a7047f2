/**
 * The files an export reads: a trail's base path (its rotated files, plain or gzipped, in
 * time order, then the active file; calute-audit/trail names them), a single file, or a list
 * of files. Each must be a readable regular file; an error names the path.
 */
import fs from 'node:fs';
import { AuditPathError } from 'calute-audit';
import { listTrailFiles } from 'calute-audit/trail';
import { optionError } from './options.js';

export interface SourceFile {
  readonly path: string;
  readonly gzipped: boolean;
}

const isGzipName = (file: string): boolean => file.endsWith('.gz');

export function resolveTrailSource(source: unknown): SourceFile[] {
  let files: SourceFile[];
  if (typeof source === 'string' && source !== '') {
    files = listTrailFiles(source).map((file) => ({
      path: file.path,
      gzipped: file.compressed || isGzipName(file.path),
    }));
    if (files.length === 0) {
      // A directory (or another special file) at the base path: say so rather than "no trail".
      if (fs.existsSync(source)) checkRegularFile(source);
      throw new AuditPathError(
        source,
        `No audit trail at "${source}": neither the file nor rotated files of it exist`,
      );
    }
  } else if (
    Array.isArray(source) &&
    source.length > 0 &&
    source.every((item) => typeof item === 'string' && item !== '')
  ) {
    files = source.map((file: string) => ({ path: file, gzipped: isGzipName(file) }));
  } else {
    throw optionError(
      'source',
      "a trail's base path, a file path, or a non-empty array of file paths",
      source,
    );
  }
  for (const file of files) checkRegularFile(file.path);
  return files;
}

function checkRegularFile(file: string): void {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(file);
  } catch (error) {
    throw new AuditPathError(
      file,
      `Cannot read "${file}": ${(error as NodeJS.ErrnoException).code ?? error}`,
      error,
    );
  }
  if (!stats.isFile()) throw new AuditPathError(file, `Cannot read "${file}": not a regular file`);
}

/**
 * A rotated file listed plain may have been gzipped (and removed) since: then its `.gz` is
 * read instead, so an export running beside the compression still reads every record.
 */
export function stillThere(file: SourceFile): SourceFile {
  if (file.gzipped || fs.existsSync(file.path)) return file;
  const gzipped = `${file.path}.gz`;
  return fs.existsSync(gzipped) ? { path: gzipped, gzipped: true } : file;
}
