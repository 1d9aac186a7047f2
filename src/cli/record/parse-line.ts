/**
 * One line, parsed in full: what every command falls back to when a cheap look at the bytes
 * cannot decide, and what `pretty`, `turns` and `report` use throughout.
 */

/** A record as read back: the envelope's keys, and whatever the type adds. */
export interface ReadRecord {
  event_type: string;
  timestamp?: unknown;
  agent_id?: unknown;
  turn_id?: unknown;
  session_id?: unknown;
  severity?: unknown;
  metadata?: unknown;
  [key: string]: unknown;
}

/** The record on the line, or why it is not one (a sentence fragment for an error message). */
export function parseLine(chunk: Buffer, start: number, end: number): ReadRecord | string {
  const text = chunk.toString('utf8', start, end);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not JSON (${(error as Error).message})`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `not a JSON object (${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value})`;
  }
  if (typeof (value as ReadRecord).event_type !== 'string') return 'no "event_type" string';
  return value as ReadRecord;
}

/**
 * Why bytes at the end of a file with no newline are not a record cut short, or null when
 * they can be one. A write cut short leaves a record's first bytes: `{"` and JSON that does
 * not end (or, cut just before its newline, a whole record). Anything else (another kind of
 * file that does not end with a newline) is not an audit trail, and is said so.
 */
export function notACutRecord(bytes: Buffer): string | null {
  if (bytes[0] !== OPEN_BRACE || (bytes.length > 1 && bytes[1] !== QUOTE)) {
    return 'not the start of a record (and no newline at the end of the file)';
  }
  const parsed = parseLine(bytes, 0, bytes.length);
  if (typeof parsed !== 'string' || parsed.startsWith('not JSON')) return null;
  return `${parsed} (and no newline at the end of the file)`;
}

const OPEN_BRACE = 0x7b;
const QUOTE = 0x22;

/** Whether the line holds only whitespace (a blank line carries no record). */
export function isBlank(chunk: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const byte = chunk[i];
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  }
  return true;
}

/** A short, printable excerpt of a line for messages. */
export function excerpt(chunk: Buffer, start: number, end: number, max = 80): string {
  const text = chunk.toString('utf8', start, Math.min(end, start + max * 4));
  const cut = [...text];
  return JSON.stringify(cut.length > max ? `${cut.slice(0, max).join('')}…` : text);
}
