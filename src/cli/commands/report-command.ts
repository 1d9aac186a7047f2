import { usageError } from '../errors.js';
import { writeReport } from '../report/write-report.js';
import type { Command } from './command.js';
import { INPUT_HELP, readOptions, sourcesOf } from './shared.js';

export const reportCommand: Command = {
  name: 'report',
  summary: 'one self-contained HTML page: timeline, tool latency chart, failures and errors',
  usage: 'calute-audit report [input...] -o run.html [--title TEXT]',
  help: [
    INPUT_HELP,
    '  -o, --output FILE     where to write the page (required)',
    '  --title TEXT          the page title (default: calute-audit: <input names>)',
    'The page needs no network and no server: open it in any browser.',
    'Exit status: 0 written; 2 bad usage, an input that cannot be read or is not an audit trail, or the page cannot be written.',
  ].join('\n'),
  options: { output: { type: 'string', short: 'o' }, title: { type: 'string' } },
  async run(values, positionals, io) {
    const output = values.output as string | undefined;
    if (output === undefined || output === '')
      throw usageError('report: -o FILE is required (where to write the page)');
    const sources = sourcesOf(positionals, io);
    const read = readOptions(io, sources, false);
    let data: Awaited<ReturnType<typeof writeReport>>;
    try {
      data = await writeReport(sources, output, { ...read, title: values.title as string | undefined });
    } finally {
      read.finish();
    }
    const c = data.counts;
    const n = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
    io.stderr.write(
      `calute-audit: wrote ${output}: ${n(c.sessions, 'session')}, ${n(c.turns, 'turn')}, ${n(c.toolCalls, 'tool call')} (${c.failedToolCalls} failed), ${n(c.modelCalls, 'model call')}\n`,
    );
    return 0;
  },
};
