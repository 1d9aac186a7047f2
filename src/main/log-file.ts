/**
 * Opening an audit log file from the emitting thread (the sinks' constructors and
 * `reopen()`): the shared rules of `#shared/open-file.js`, with errors that name the path
 * as `AuditPathError`s, thrown where the call was made.
 */
import { fileURLToPath } from 'node:url';
import { OpenFailure, type OpenOptions, openForAppend } from '#shared/open-file.js';
import { errors } from './errors.js';

export type LogFileOptions = OpenOptions;

export interface OpenLogFile {
  fd: number;
  path: string;
}

export function pathOf(target: string | URL): string {
  if (!(target instanceof URL)) return target;
  try {
    return fileURLToPath(target);
  } catch (error) {
    // An http: URL, or a file: URL with a host: name the URL rather than throw a bare TypeError.
    throw errors.openFailed(target.href, error);
  }
}

export function openLogFile(target: string | URL, options: LogFileOptions): OpenLogFile {
  const path = pathOf(target);
  let opened: ReturnType<typeof openForAppend>;
  try {
    opened = openForAppend(path, options);
  } catch (error) {
    if (!(error instanceof OpenFailure)) throw error;
    if (error.reason === 'special') throw errors.notRegularFile(path, error.message);
    throw errors.openFailed(path, error);
  }
  if (opened.endedTornLine > 0) reportTornLine(path, opened.endedTornLine);
  return { fd: opened.fd, path };
}

/** Not silent: the torn line is the head of a record a crash left unfinished. */
export function reportTornLine(path: string, bytes: number): void {
  process.emitWarning(
    `"${path}" ended in a torn line of ${bytes} bytes (a write cut short by a crash); it was ended with a newline and kept`,
    { code: 'CALUTE_AUDIT_TORN_LINE' },
  );
}
