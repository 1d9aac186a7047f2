import { OutputBuffer } from '../output/output-buffer.js';
import { readRuns } from '../runs/build-runs.js';
import { formatTurns } from '../runs/format-turns.js';
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

export const turnsCommand: Command = {
  name: 'turns',
  summary: 'each session as a tree: turn → tool calls and model calls, with durations and outcomes',
  usage: 'calute-audit turns [input...] [--all] [--json]',
  help: [
    INPUT_HELP,
    'A tool call is its attempt paired with its outcome by tool_call_id, or by order per tool where there is none.',
    'Under each turn: tool calls, model calls (with tokens), warnings, errors and policy verdicts other than "allow".',
    '  --all                 every other record of the turn too',
    '  --width N             characters kept of previews and messages (default 80)',
    '  --json                the sessions, turns and calls as JSON (times in epoch microseconds)',
    COLOR_HELP,
    'Exit status: 0 done; 2 bad usage, an input that cannot be read, or a line that is not an audit record.',
  ].join('\n'),
  options: {
    ...COLOR_OPTIONS,
    all: { type: 'boolean' },
    json: { type: 'boolean' },
    width: { type: 'string' },
  },
  async run(values, positionals, io) {
    const width = integerOption(values, 'width', 80, 8);
    const sources = sourcesOf(positionals, io);
    const read = readOptions(io, sources, false);
    let model: Awaited<ReturnType<typeof readRuns>>;
    try {
      model = await readRuns(sources, read);
    } finally {
      read.finish();
    }
    if (values.json) {
      io.stdout.write(`${JSON.stringify(model, null, 2)}\n`);
      return 0;
    }
    const out = new OutputBuffer(io.stdout);
    for (const line of formatTurns(model, {
      palette: palette(values, io),
      all: values.all === true,
      width,
    })) {
      out.pushText(`${line}\n`);
    }
    await out.flush();
    return 0;
  },
};
