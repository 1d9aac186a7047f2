import { prettyTrail } from '../pretty/pretty-trail.js';
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

export const prettyCommand: Command = {
  name: 'pretty',
  summary: 'one readable, colored line per record, indented under its turn',
  usage: 'calute-audit pretty [input...] [--width N] [--no-color]',
  help: [
    INPUT_HELP,
    '  --width N             characters kept of each text value (default 60)',
    COLOR_HELP,
    'Exit status: 0 done; 2 bad usage, an input that cannot be read or is not an audit trail.',
  ].join('\n'),
  options: { ...COLOR_OPTIONS, width: { type: 'string' } },
  async run(values, positionals, io) {
    const width = integerOption(values, 'width', 60, 8);
    const sources = sourcesOf(positionals, io);
    const read = readOptions(io, sources, true);
    try {
      await prettyTrail(sources, io.stdout, { ...read, palette: palette(values, io), width });
    } finally {
      read.finish();
    }
    return 0;
  },
};
