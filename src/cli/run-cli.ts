/**
 * `calute-audit <command> [options] [input...]`: finds the command, parses its options
 * with `node:util` parseArgs, runs it, and turns what it throws into a message on stderr
 * and an exit status:
 *   0  done (for `verify`: the trail is sound)
 *   1  `verify` found problems
 *   2  bad usage, or an input that cannot be read or is not an audit trail
 * A reader that closes the output early (`… | head`) ends the command with 0.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { CliIo, Command } from './commands/command.js';
import { COMMANDS } from './commands/command-table.js';
import { CliError, usageError } from './errors.js';
import { OutputClosedError } from './output/output-buffer.js';

function version(): string {
  const manifest = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return String(manifest.version);
}

export function generalHelp(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    'calute-audit: read, search, follow, summarize and check audit trails of agent loops.',
    '',
    'Usage: calute-audit <command> [options] [input...]',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Input: audit files (plain or gzipped), a trail base path (its rotated files, then the active one),',
    'or - for stdin (read when no input is given and stdin is not a terminal).',
    '',
    '`calute-audit <command> --help` describes a command and its options.',
    'Exit status: 0 done; 1 verify found problems; 2 bad usage or an input that cannot be read.',
    '',
  ].join('\n');
}

function commandHelp(command: Command): string {
  return `Usage: ${command.usage}\n\n${command.summary}.\n\n${command.help}\n`;
}

/** Runs the command line `argv` (without node and the script); resolves to the exit status. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(generalHelp());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const command = COMMANDS.find((candidate) => candidate.name === rest[0]);
    io.stdout.write(command ? commandHelp(command) : generalHelp());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  try {
    const command = COMMANDS.find((candidate) => candidate.name === name);
    if (command === undefined) {
      throw usageError(
        `unknown command ${JSON.stringify(name)}; the commands are ${COMMANDS.map((c) => c.name).join(', ')} (calute-audit --help)`,
      );
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(commandHelp(command));
      return 0;
    }
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: [...rest],
        options: command.options,
        allowPositionals: true,
        allowNegative: true,
        strict: true,
      });
    } catch (error) {
      throw usageError(`${command.name}: ${(error as Error).message} (calute-audit ${command.name} --help)`);
    }
    return await command.run(parsed.values as never, parsed.positionals, io);
  } catch (error) {
    if (error instanceof OutputClosedError) return 0;
    if (error instanceof CliError) {
      io.stderr.write(`calute-audit: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr.write(
      `calute-audit: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 2;
  }
}
