import { filterTrail } from '../filter/filter-trail.js';
import type { Command } from './command.js';
import { INPUT_HELP, listOption, readOptions, sourcesOf } from './shared.js';

export const filterCommand: Command = {
  name: 'filter',
  summary: 'the records that match, byte for byte as in the input (or --count)',
  usage:
    'calute-audit filter [input...] [--type T] [--agent A] [--tool T] [--since TIME] [--meta KEY=VALUE] ... [--count]',
  help: [
    INPUT_HELP,
    'Each option given must match (AND); an option given again adds alternatives (OR).',
    '  --type T              event_type (also a comma-separated list)',
    '  --agent A             agent_id',
    '  --session S           session_id',
    '  --turn T              turn_id',
    '  --tool T              tool_name',
    '  --severity S          info, warning or error (also a comma-separated list)',
    '  --since TIME          at or after TIME (ISO 8601, e.g. 2025-06-15T14:30:00Z; a date is its midnight UTC)',
    '  --until TIME          before TIME',
    '  --meta KEY=VALUE      metadata[KEY] (or the dotted path KEY) is VALUE: a string, or the JSON of another value',
    '  --count               print the number of matching records instead',
    'Lines are printed exactly as read, so the output pipes into jq or back into calute-audit.',
    'Exit status: 0 done (matches or not); 2 bad usage, an input that cannot be read, or a line that is not an audit record.',
  ].join('\n'),
  options: {
    type: { type: 'string', multiple: true },
    agent: { type: 'string', multiple: true },
    session: { type: 'string', multiple: true },
    turn: { type: 'string', multiple: true },
    tool: { type: 'string', multiple: true },
    severity: { type: 'string', multiple: true },
    since: { type: 'string' },
    until: { type: 'string' },
    meta: { type: 'string', multiple: true },
    count: { type: 'boolean' },
  },
  async run(values, positionals, io) {
    const criteria = {
      types: listOption(values, 'type', true),
      agents: listOption(values, 'agent'),
      sessions: listOption(values, 'session'),
      turns: listOption(values, 'turn'),
      tools: listOption(values, 'tool'),
      severities: listOption(values, 'severity', true),
      since: values.since as string | undefined,
      until: values.until as string | undefined,
      metadata: listOption(values, 'meta'),
    };
    const sources = sourcesOf(positionals, io);
    const count = values.count === true;
    const read = readOptions(io, sources, !count);
    try {
      const result = await filterTrail(sources, criteria, count ? null : io.stdout, read);
      if (count) io.stdout.write(`${result.matched}\n`);
    } finally {
      read.finish();
    }
    return 0;
  },
};
