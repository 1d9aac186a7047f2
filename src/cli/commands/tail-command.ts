import fs from 'node:fs';
import { listTrailFiles } from 'calute-audit/trail';
import { usageError } from '../errors.js';
import { tornLineText } from '../record/read-records.js';
import { FOLLOW_INTERVAL_MS } from '../tail/follow-file.js';
import { tailTrail } from '../tail/tail-trail.js';
import type { Command } from './command.js';
import { COLOR_HELP, COLOR_OPTIONS, integerOption, palette, sourcesOf, warn } from './shared.js';

export const tailCommand: Command = {
  name: 'tail',
  summary: 'the last records, and with -f every record added, across rotation and reopen',
  usage: 'calute-audit tail [input] [-n N] [-f] [--pretty]',
  help: [
    'Input: an audit file or a trail base path (-f follows its active file), or - for stdin (without -f).',
    '  -n, --lines N         records printed from the end first (default 10)',
    '  -f, --follow          then print every record added, until interrupted; follows the file across',
    '                        rotation (renamed, a new file at the path) and reopen, and re-reads it when truncated',
    '  --pretty              format records like `calute-audit pretty` (lines that are not records pass as they are)',
    `  --interval MS         how often a followed file is checked (default ${FOLLOW_INTERVAL_MS})`,
    COLOR_HELP,
    'Exit status: 0 done or interrupted; 2 bad usage or an input that cannot be read.',
  ].join('\n'),
  options: {
    ...COLOR_OPTIONS,
    lines: { type: 'string', short: 'n' },
    follow: { type: 'boolean', short: 'f' },
    pretty: { type: 'boolean' },
    interval: { type: 'string' },
  },
  async run(values, positionals, io) {
    const lines = integerOption(values, 'lines', 10);
    const intervalMs = integerOption(values, 'interval', FOLLOW_INTERVAL_MS, 1);
    if (positionals.length > 1) throw usageError('tail: one input at a time');
    const follow = values.follow === true;
    if (follow && (positionals.length === 0 || positionals[0] === '-')) {
      throw usageError('tail -f: give the file (or trail base path) to follow; stdin cannot be followed');
    }
    // With -f, the active file may not exist yet (a trail between rotation and its next record).
    const waitForFile =
      follow && !fs.existsSync(positionals[0]) && listTrailFiles(positionals[0]).length === 0;
    const sources = waitForFile ? [] : sourcesOf(positionals, io);
    await tailTrail(sources, io.stdout, {
      lines,
      pretty: values.pretty ? { palette: palette(values, io) } : null,
      follow: follow
        ? { path: positionals[0], signal: io.signal ?? new AbortController().signal, intervalMs }
        : undefined,
      onTorn: (torn) => warn(io, tornLineText(torn)),
      onNotice: (message) => warn(io, message),
    });
    return 0;
  },
};
