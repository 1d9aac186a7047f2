import { formatStats } from '../stats/format-stats.js';
import { trailStats } from '../stats/trail-stats.js';
import type { Command } from './command.js';
import { COLOR_HELP, COLOR_OPTIONS, INPUT_HELP, palette, readOptions, sourcesOf } from './shared.js';

export const statsCommand: Command = {
  name: 'stats',
  summary: 'counts by type, agent, session and tool; tool failure rates and latency percentiles',
  usage: 'calute-audit stats [input...] [--json]',
  help: [
    INPUT_HELP,
    '  --json                the figures as one JSON object',
    COLOR_HELP,
    'Per tool: records, attempts, completions, failures, failure rate (failed / (completed + failed)),',
    'and p50/p95/p99/max of duration_ms (exact up to 10,000 durations a tool, then within 1%, marked ≈).',
    'Exit status: 0 done; 2 bad usage, an input that cannot be read, or a line that is not an audit record.',
  ].join('\n'),
  options: { ...COLOR_OPTIONS, json: { type: 'boolean' } },
  async run(values, positionals, io) {
    const sources = sourcesOf(positionals, io);
    const read = readOptions(io, sources, false);
    let stats: Awaited<ReturnType<typeof trailStats>>;
    try {
      stats = await trailStats(sources, read);
    } finally {
      read.finish();
    }
    io.stdout.write(
      values.json ? `${JSON.stringify(stats, null, 2)}\n` : formatStats(stats, palette(values, io)),
    );
    return 0;
  },
};
