/**
 * `turns` as text: each session, its turns, and under each turn its tool calls, model calls
 * and notable notes (warnings, errors, policy verdicts other than "allow"; all notes with
 * `all`), in time order. One line each, so the output greps well.
 */
import type { Palette } from '../output/palette.js';
import { formatCount, formatMs } from '../output/units.js';
import { shortValue } from '../record/own-fields.js';
import { dateTime, timeOfDay } from '../record/timestamps.js';
import type { ModelCall, Note, RunModel, Session, ToolCall, Turn } from './run-model.js';

export interface TurnsFormatOptions {
  readonly palette: Palette;
  /** Every note, not only warnings, errors and policy verdicts other than "allow". */
  readonly all?: boolean;
  /** Characters kept of previews and messages. @default 80 */
  readonly width?: number;
}

type Child =
  | { kind: 'tool'; time: number | null; call: ToolCall }
  | { kind: 'model'; time: number | null; call: ModelCall }
  | { kind: 'note'; time: number | null; note: Note };

/** The lines of the tree, one session after another. */
export function* formatTurns(model: RunModel, options: TurnsFormatOptions): Generator<string> {
  for (const session of model.sessions) {
    yield sessionLine(session, options);
    for (const turn of [...session.turns, ...(session.loose ? [session.loose] : [])]) {
      yield turnLine(turn, options);
      const children = childrenOf(turn, options.all === true);
      for (const [index, child] of children.entries()) {
        const branch = index === children.length - 1 ? '└─' : '├─';
        yield `    ${options.palette.dim(branch)} ${childLine(child, turn, options)}`;
      }
    }
  }
}

function span(start: number | null, end: number | null): string {
  return start !== null && end !== null ? formatMs((end - start) / 1000) : 'no end';
}

function sessionLine(session: Session, { palette }: TurnsFormatOptions): string {
  const name = session.sessionId === null ? '(no session)' : session.sessionId;
  const parts = [`${palette.bold('session')} ${palette.bold(name)}`];
  if (session.start !== null) {
    const to = session.end === null ? '' : ` → ${timeOfDay(session.end)}`;
    parts.push(`${dateTime(session.start)}${to}`, span(session.start, session.end));
  }
  parts.push(`${session.turns.length} turn${session.turns.length === 1 ? '' : 's'}`);
  if (session.agents.length > 0) parts.push(`agents: ${session.agents.join(', ')}`);
  return parts.join('  ');
}

function turnLine(turn: Turn, { palette, width = 80 }: TurnsFormatOptions): string {
  const id = turn.turnId === null ? palette.dim('(no turn)') : `turn ${palette.cyan(turn.turnId)}`;
  const parts = [`  ${id}`];
  if (turn.agentId !== null) parts.push(turn.agentId);
  if (turn.start !== null) parts.push(timeOfDay(turn.start));
  if (turn.turnId !== null)
    parts.push(turn.ended ? span(turn.start, turn.end) : palette.yellow('no turn_end'));
  const failed = turn.toolCalls.filter((call) => call.outcome === 'failure').length;
  const calls = turn.toolCalls.length;
  if (calls > 0 || turn.turnId !== null) {
    let callText = `${calls} tool call${calls === 1 ? '' : 's'}`;
    if (failed > 0) callText += palette.red(` (${failed} failed)`);
    parts.push(callText);
  }
  if (turn.modelCalls.length > 0) {
    parts.push(`${turn.modelCalls.length} model call${turn.modelCalls.length === 1 ? '' : 's'}`);
  }
  if (turn.prompt) parts.push(palette.dim(shortValue(turn.prompt, Math.min(width, 60))));
  return parts.join('  ');
}

function notable(note: Note): boolean {
  if (note.severity === 'warning' || note.severity === 'error') return true;
  return note.type === 'tool_policy_decision' && note.fields.action !== 'allow';
}

function childrenOf(turn: Turn, all: boolean): Child[] {
  const children: Child[] = [
    ...turn.toolCalls.map((call): Child => ({ kind: 'tool', time: call.start ?? call.end, call })),
    ...turn.modelCalls.map((call): Child => ({ kind: 'model', time: call.start, call })),
    ...turn.notes
      .filter((note) => all || notable(note))
      .map((note): Child => ({ kind: 'note', time: note.time, note })),
  ];
  // Stable: records of the same time keep their reading order.
  return children
    .map((child, index) => ({ child, index }))
    .sort((a, b) => (a.child.time ?? Infinity) - (b.child.time ?? Infinity) || a.index - b.index)
    .map(({ child }) => child);
}

function offset(time: number | null, turn: Turn): string {
  if (time === null || turn.start === null) return ' '.repeat(10);
  const ms = (time - turn.start) / 1000;
  return `${ms < 0 ? '-' : '+'}${formatMs(Math.abs(ms))}`.padStart(10);
}

function childLine(child: Child, turn: Turn, options: TurnsFormatOptions): string {
  const { palette, width = 80 } = options;
  const at = palette.dim(offset(child.time, turn));
  if (child.kind === 'tool') {
    const call = child.call;
    const parts = [`${at}  tool ${palette.bold(call.toolName)}`];
    if (call.durationMs !== null) parts.push(formatMs(call.durationMs));
    let outcome: string;
    if (call.outcome === 'failure') {
      const message = [call.errorType, call.errorMessage].filter(Boolean).join(': ');
      outcome = palette.red(`failed${message ? ` ${shortValue(message, width).slice(1, -1)}` : ''}`);
    } else if (call.outcome === 'complete') {
      const status = call.status ?? 'success';
      outcome = status === 'success' ? palette.green(status) : palette.yellow(status);
    } else outcome = palette.yellow('no outcome');
    parts.push(outcome);
    if (call.pairedBy === 'none' && call.outcome !== 'pending') parts.push(palette.dim('(no attempt)'));
    return parts.join('  ');
  }
  if (child.kind === 'model') {
    const call = child.call;
    const name = call.provider ? `${call.provider}/${call.model}` : call.model;
    const parts = [`${at}  model ${palette.bold(name)}`];
    if (call.durationMs !== null) parts.push(formatMs(call.durationMs));
    if (call.inputTokens !== null || call.outputTokens !== null) {
      let tokens = `${call.inputTokens === null ? '?' : formatCount(call.inputTokens)} in / ${call.outputTokens === null ? '?' : formatCount(call.outputTokens)} out tokens`;
      const extra = [
        call.cachedInputTokens !== null ? `${formatCount(call.cachedInputTokens)} cached` : null,
        call.reasoningTokens !== null ? `${formatCount(call.reasoningTokens)} reasoning` : null,
      ].filter(Boolean);
      if (extra.length > 0) tokens += ` (${extra.join(', ')})`;
      parts.push(tokens);
    }
    if (call.finishReason) parts.push(call.finishReason);
    return parts.join('  ');
  }
  const note = child.note;
  const color =
    note.severity === 'error' ? palette.red : note.severity === 'warning' ? palette.yellow : palette.magenta;
  const fields = Object.entries(note.fields)
    .filter(([key, value]) => key !== 'tool_name' && value !== '' && value !== null)
    .map(([key, value]) => `${key}=${shortValue(value, Math.min(width, 60))}`);
  const tool = note.toolName ? ` ${palette.bold(note.toolName)}` : '';
  return `${at}  ${color(note.type)}${tool}${fields.length > 0 ? `  ${fields.join(' ')}` : ''}`;
}
