/** Every command, in the order `--help` lists them. A new command is one module beside these and one entry here. */
import type { Command } from './command.js';
import { exportCommand } from './export-command.js';
import { filterCommand } from './filter-command.js';
import { prettyCommand } from './pretty-command.js';
import { reportCommand } from './report-command.js';
import { statsCommand } from './stats-command.js';
import { tailCommand } from './tail-command.js';
import { turnsCommand } from './turns-command.js';
import { verifyCommand } from './verify-command.js';

export const COMMANDS: readonly Command[] = [
  prettyCommand,
  tailCommand,
  filterCommand,
  statsCommand,
  turnsCommand,
  verifyCommand,
  exportCommand,
  reportCommand,
];
