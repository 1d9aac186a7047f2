/**
 * The command's errors. Each carries the exit status it ends the command with, so that the
 * library functions can throw them and `runCli` only has to print the message:
 *   2  the command line is wrong, or an input cannot be read or is not an audit trail
 *   1  the command ran and found problems (`verify`)
 */
import { AuditError } from 'calute-audit';

export class CliError extends AuditError {
  readonly exitCode: 1 | 2;
  constructor(code: string, message: string, exitCode: 1 | 2, options?: { cause?: unknown }) {
    super(code, message, options);
    this.exitCode = exitCode;
  }
}

/** A wrong command line: an unknown command or option, a bad option value. */
export const usageError = (message: string): CliError => new CliError('ERR_AUDIT_CLI_USAGE', message, 2);

/** An input that cannot be read, or is not an audit trail; the message names the file (and line). */
export const inputError = (message: string, cause?: unknown): CliError =>
  new CliError('ERR_AUDIT_CLI_INPUT', message, 2, { cause });

/** `path: message` for a system error while reading or writing `path`. */
export function describeSystemError(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return `${path}: no such file`;
    case 'EISDIR':
      return `${path}: is a directory, not an audit file`;
    case 'EACCES':
    case 'EPERM':
      return `${path}: permission denied`;
    default:
      return `${path}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
