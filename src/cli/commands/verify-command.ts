import fs from 'node:fs';
import { describeSystemError, inputError } from '../errors.js';
import { verifyTrail } from '../verify/verify-trail.js';
import type { Command } from './command.js';
import {
  COLOR_HELP,
  COLOR_OPTIONS,
  INPUT_HELP,
  integerOption,
  palette,
  readOptions,
  sourcesOf,
} from './shared.js';

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check that every line is an audit record with a sound envelope (and the integrity chain)',
  usage: 'calute-audit verify [input...] [--json] [--public-key FILE] [--max-problems N]',
  help: [
    INPUT_HELP,
    'Every line must be JSON with event_type, timestamp, agent_id, turn_id, session_id, severity and metadata',
    'first, in that order, with the right types, and a built-in type its fields; no torn or blank lines.',
    'When a file has a <file>.checkpoints sidecar, or a key is given, its integrity chain is checked too.',
    '  --public-key FILE     the PEM public key the checkpoints are signed with',
    '  --max-problems N      problems printed (default 100; all are counted)',
    '  --json                the result as JSON',
    COLOR_HELP,
    'Exit status: 0 sound; 1 problems found; 2 bad usage or an input that cannot be read.',
  ].join('\n'),
  options: {
    ...COLOR_OPTIONS,
    json: { type: 'boolean' },
    'public-key': { type: 'string' },
    'max-problems': { type: 'string' },
  },
  async run(values, positionals, io) {
    const maxPrinted = integerOption(values, 'max-problems', 100);
    const keyPath = values['public-key'] as string | undefined;
    let publicKey: string | undefined;
    if (keyPath !== undefined) {
      try {
        publicKey = fs.readFileSync(keyPath, 'utf8');
      } catch (error) {
        throw inputError(`--public-key ${describeSystemError(keyPath, error)}`, error);
      }
    }
    const p = palette(values, io);
    const sources = sourcesOf(positionals, io);
    const read = readOptions(io, sources, false);
    let printed = 0;
    const result = await verifyTrail(sources, {
      ...read,
      onTorn: undefined,
      inputs: positionals.length > 0 ? positionals : undefined,
      publicKey,
      keepProblems: values.json ? 1000 : maxPrinted,
      onProblem: values.json
        ? undefined
        : (problem) => {
            if (printed++ >= maxPrinted) return;
            read.finish();
            const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
            io.stdout.write(`${where}: ${p.red(problem.kind)}: ${problem.message}\n`);
          },
    }).finally(() => read.finish());
    if (values.json) {
      io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return result.exitCode;
    }
    if (result.integrity.note !== null) io.stderr.write(`calute-audit: note: ${result.integrity.note}\n`);
    const what = `${result.sources.length} source${result.sources.length === 1 ? '' : 's'}, ${result.lines} lines, ${result.records} records`;
    const chain = result.integrity.status === 'checked' ? ', integrity chain checked' : '';
    if (result.ok) io.stdout.write(`${p.green('verify: OK')}: ${what}${chain}\n`);
    else {
      const more = result.problemCount > maxPrinted ? ` (${maxPrinted} printed)` : '';
      io.stdout.write(
        `${p.red('verify: FAILED')}: ${result.problemCount} problem${result.problemCount === 1 ? '' : 's'}${more} in ${what}${chain}\n`,
      );
    }
    return result.exitCode;
  },
};
