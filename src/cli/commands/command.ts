/**
 * What a command of the `calute-audit` command line is: its name, help text, options (for
 * `node:util` parseArgs) and the function that runs it. The table of commands is
 * command-table.ts; adding one is a file here and a line there.
 */
import type { ParseArgsConfig } from 'node:util';

/** The process's streams and environment, passed in so that tests can give their own. */
export interface CliIo {
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly stdout: NodeJS.WritableStream & {
    readonly isTTY?: boolean;
    readonly columns?: number;
    hasColors?(env?: object): boolean;
  };
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean; readonly columns?: number };
  readonly env: NodeJS.ProcessEnv;
  /** Ends a command that runs until stopped (`tail -f`). */
  readonly signal?: AbortSignal;
}

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Command {
  readonly name: string;
  /** One line for the list of commands. */
  readonly summary: string;
  /** `calute-audit <name> …`: the synopsis. */
  readonly usage: string;
  /** The options and exit status, one per line, for `--help`. */
  readonly help: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** Runs the command; resolves to its exit status. */
  run(values: OptionValues, positionals: string[], io: CliIo): Promise<number>;
}
