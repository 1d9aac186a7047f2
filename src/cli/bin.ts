#!/usr/bin/env node
/**
 * The `calute-audit` command: arguments in, exit status out. Everything else is in
 * run-cli.ts and the library functions it calls (`calute-audit/cli`). Ctrl-C ends a
 * `tail -f` cleanly (exit 0); stdout's EPIPE (a reader that went away) is handled there.
 */
import { runCli } from './run-cli.js';

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());
// EPIPE is reported to the command through the stream; without a listener here the process
// would also throw it as an uncaught 'error' event.
process.stdout.on('error', () => {});

process.exitCode = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: stop.signal,
});
