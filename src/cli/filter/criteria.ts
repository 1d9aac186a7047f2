/**
 * What `filter` selects on: each criterion given must hold (AND); the values given for one
 * criterion are alternatives (OR). Values are compared with the record as JSON.parse reads
 * it, so the selection is the same whatever the bytes look like.
 */
import { SEVERITIES } from 'calute-audit';
import { usageError } from '../errors.js';
import type { ReadRecord } from '../record/parse-line.js';
import { parseTimestamp } from '../record/timestamps.js';

export interface FilterCriteria {
  /** `event_type` is one of these. */
  readonly types?: readonly string[];
  readonly agents?: readonly string[];
  readonly sessions?: readonly string[];
  readonly turns?: readonly string[];
  /** `tool_name` is one of these. */
  readonly tools?: readonly string[];
  readonly severities?: readonly string[];
  /** The record's time is at or after this (ISO 8601; a date alone is its midnight UTC). */
  readonly since?: string;
  /** The record's time is before this. */
  readonly until?: string;
  /**
   * `key=value`: `metadata[key]` (or, when there is no such key, the dotted path `a.b` into
   * nested objects) is `value`: a string equal to it, or a number, boolean or null whose
   * JSON text is it, or an object or array whose compact JSON is it.
   */
  readonly metadata?: readonly string[];
}

export type RecordPredicate = (record: ReadRecord) => boolean;

const oneOf = (values: readonly string[] | undefined, option: string) => {
  if (values === undefined || values.length === 0) return null;
  for (const value of values) {
    if (typeof value !== 'string') throw usageError(`${option}: expected text, got ${typeof value}`);
  }
  return new Set(values);
};

function timeBound(text: string | undefined, option: string): number | null {
  if (text === undefined) return null;
  const micros = parseTimestamp(text);
  if (micros === null) {
    throw usageError(
      `${option} ${JSON.stringify(text)}: expected an ISO 8601 time such as 2025-06-15T14:30:00Z or 2025-06-15`,
    );
  }
  return micros;
}

function metadataTest(pair: string): (metadata: unknown) => boolean {
  const equals = pair.indexOf('=');
  if (equals <= 0) throw usageError(`--meta ${JSON.stringify(pair)}: expected key=value`);
  const key = pair.slice(0, equals);
  const wanted = pair.slice(equals + 1);
  const path = key.split('.');
  return (metadata) => {
    if (typeof metadata !== 'object' || metadata === null) return false;
    let value: unknown;
    if (Object.hasOwn(metadata, key)) value = (metadata as Record<string, unknown>)[key];
    else {
      value = metadata;
      for (const step of path) {
        if (typeof value !== 'object' || value === null || !Object.hasOwn(value, step)) return false;
        value = (value as Record<string, unknown>)[step];
      }
    }
    if (typeof value === 'string') return value === wanted;
    return value !== undefined && JSON.stringify(value) === wanted;
  };
}

/** Checks the criteria (a `CliError` names a bad one) and makes the test of a parsed record. */
export function compileCriteria(criteria: FilterCriteria): RecordPredicate {
  const types = oneOf(criteria.types, '--type');
  const agents = oneOf(criteria.agents, '--agent');
  const sessions = oneOf(criteria.sessions, '--session');
  const turns = oneOf(criteria.turns, '--turn');
  const tools = oneOf(criteria.tools, '--tool');
  const severities = oneOf(criteria.severities, '--severity');
  for (const severity of severities ?? []) {
    if (!(SEVERITIES as readonly string[]).includes(severity)) {
      throw usageError(`--severity ${JSON.stringify(severity)}: expected ${SEVERITIES.join(', ')}`);
    }
  }
  const since = timeBound(criteria.since, '--since');
  const until = timeBound(criteria.until, '--until');
  const metadata = (criteria.metadata ?? []).map(metadataTest);
  const has = (set: Set<string> | null, value: unknown) =>
    set === null || (typeof value === 'string' && set.has(value));
  return (record) => {
    if (!has(types, record.event_type)) return false;
    if (!has(agents, record.agent_id)) return false;
    if (!has(sessions, record.session_id)) return false;
    if (!has(turns, record.turn_id)) return false;
    if (!has(tools, record.tool_name)) return false;
    if (!has(severities, record.severity)) return false;
    if (since !== null || until !== null) {
      const time = parseTimestamp(record.timestamp);
      if (time === null) return false;
      if (since !== null && time < since) return false;
      if (until !== null && time >= until) return false;
    }
    for (const test of metadata) if (!test(record.metadata)) return false;
    return true;
  };
}
