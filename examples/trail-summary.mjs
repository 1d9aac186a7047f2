// Reads an audit trail back the way a person would look at it: one turn as a tree (the turn,
// then its model calls and tool calls in the order they started, with durations and
// outcomes) and the number of records of each type. Tool calls are paired with their outcome
// by tool_call_id, so it does not matter which thread wrote which record.
import fs from 'node:fs';

/** The trail's records, one per line. */
export function readTrail(file) {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** Microseconds since 1970 of a record timestamp (`2025-06-15T14:30:00.123456+00:00`). */
function micros(timestamp) {
  return Date.parse(`${timestamp.slice(0, 23)}Z`) * 1000 + Number(timestamp.slice(23, 26));
}

const ms = (value) => (typeof value === 'number' ? `${value.toFixed(2)} ms` : '');
/** Long results and messages are cut, so that the tree stays one line per call. */
const cut = (text, length = 60) => (text.length > length ? `${text.slice(0, length - 1)}…` : text);

/** The lines of the tree of turn `turnId`. */
export function turnTree(records, turnId) {
  const own = records.filter((record) => record.turn_id === turnId);
  const start = own.find((record) => record.event_type === 'turn_start');
  const end = own.find((record) => record.event_type === 'turn_end');
  const outcomes = new Map(
    own
      .filter(
        (record) => record.event_type === 'tool_call_complete' || record.event_type === 'tool_call_failure',
      )
      .map((record) => [record.tool_call_id, record]),
  );
  const children = [];
  for (const record of own) {
    if (record.event_type === 'model_call') {
      const detail = `${record.finish_reason}${record.tool_call_count ? `, ${record.tool_call_count} tool calls` : ''}`;
      children.push({
        at: micros(record.timestamp) - record.duration_ms * 1000,
        cells: [`${record.operation} ${record.model}`, ms(record.duration_ms), detail],
      });
    } else if (record.event_type === 'tool_call_attempt') {
      const outcome = outcomes.get(record.tool_call_id);
      const detail =
        outcome === undefined
          ? 'no outcome recorded'
          : outcome.event_type === 'tool_call_complete'
            ? `${outcome.status}: ${outcome.result_preview}`
            : `failure: ${outcome.error_type}: ${outcome.error_message}`;
      children.push({
        at: micros(record.timestamp),
        cells: [record.tool_name, ms(outcome?.duration_ms), cut(detail)],
      });
    }
  }
  children.sort((a, b) => a.at - b.at);
  const took = start && end ? ms((micros(end.timestamp) - micros(start.timestamp)) / 1000) : 'not ended';
  const widths = [0, 1].map((column) => Math.max(...children.map((child) => child.cells[column].length)));
  const lines = [`turn ${turnId}  ${start?.agent_id ?? '?'}  ${took}  "${start?.prompt_preview ?? ''}"`];
  children.forEach((child, index) => {
    const branch = index === children.length - 1 ? '└─' : '├─';
    const [name, duration, detail] = child.cells;
    lines.push(`${branch} ${name.padEnd(widths[0])}  ${duration.padStart(widths[1])}  ${detail}`);
  });
  return lines;
}

/** [event_type, count] pairs, most frequent first. */
export function countsByType(records) {
  const counts = new Map();
  for (const record of records) counts.set(record.event_type, (counts.get(record.event_type) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
