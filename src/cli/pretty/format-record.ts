/**
 * `pretty`: one line per record, made from the record alone (any type, built-in or not):
 *
 *   14:30:00.123  turn_start           agent-1  3f9a1c07b2e4  prompt_preview="Summarize…"
 *   14:30:00.125    tool_call_complete  agent-1  3f9a1c07b2e4  web_search  142.5 ms  status="success" …
 *
 * time of day (UTC, as recorded), the type (records inside a turn indented under it,
 * colored by severity, else by family), agent, turn, then the type's own fields in record
 * order: names (`*_name`, `model`) bare and bold, durations (`*_ms`) in readable units,
 * text quoted and cut to `width` characters, empty values left out; non-empty metadata last.
 */
import type { Palette } from '../output/palette.js';
import { formatMs } from '../output/units.js';
import { ownFields, shortValue } from '../record/own-fields.js';
import type { ReadRecord } from '../record/parse-line.js';
import { parseTimestamp, timeOfDay } from '../record/timestamps.js';

export interface PrettyOptions {
  readonly palette: Palette;
  /** Characters kept of each text value. @default 60 */
  readonly width?: number;
}

/** The longest built-in type, `tool_policy_decision`, and the indent of a record in a turn. */
const TYPE_WIDTH = 20 + 2;

export class RecordFormatter {
  readonly #palette: Palette;
  readonly #width: number;
  /** Agent and turn column widths: the longest id seen so far, at least 8 and 12 (a generated turn id). */
  #agentWidth = 8;
  #turnWidth = 12;

  constructor(options: PrettyOptions) {
    this.#palette = options.palette;
    this.#width = options.width ?? 60;
  }

  format(record: ReadRecord): string {
    const p = this.#palette;
    const type = record.event_type;
    const micros = parseTimestamp(record.timestamp);
    const time = micros === null ? String(record.timestamp ?? '-').padEnd(12) : timeOfDay(micros);
    const inTurn = typeof record.turn_id === 'string' && type !== 'turn_start' && type !== 'turn_end';
    const agent = typeof record.agent_id === 'string' ? record.agent_id : '-';
    this.#agentWidth = Math.max(this.#agentWidth, [...agent].length);
    const turn = typeof record.turn_id === 'string' ? record.turn_id : '-';
    this.#turnWidth = Math.max(this.#turnWidth, [...turn].length);
    const parts = [
      p.dim(time),
      `${inTurn ? '  ' : ''}${this.#typeColor(record)(type)}${' '.repeat(Math.max(0, (inTurn ? TYPE_WIDTH - 2 : TYPE_WIDTH) - type.length))}`,

      agent.padEnd(this.#agentWidth),
      p.dim(turn.padEnd(this.#turnWidth)),
    ];
    for (const [key, value] of ownFields(record)) {
      if (value === '' || value === null || value === undefined) continue;
      if ((key.endsWith('_name') || key === 'model') && typeof value === 'string') parts.push(p.bold(value));
      else if (key.endsWith('_ms') && typeof value === 'number') parts.push(formatMs(value));
      else parts.push(`${key}=${shortValue(value, this.#width)}`);
    }
    const metadata = record.metadata;
    if (typeof metadata === 'object' && metadata !== null && Object.keys(metadata).length > 0) {
      parts.push(p.dim(`metadata=${shortValue(metadata, this.#width)}`));
    }
    return parts.join('  ');
  }

  #typeColor(record: ReadRecord): (text: string) => string {
    const p = this.#palette;
    if (record.severity === 'error') return p.red;
    if (record.severity === 'warning') return p.yellow;
    const type = record.event_type;
    if (type.startsWith('turn_')) return p.magenta;
    if (type.startsWith('tool_')) return p.cyan;
    if (type === 'model_call') return p.blue;
    return (text) => text;
  }
}
