/**
 * The names the reference's `OTelCollector` (`xerxes/audit/otel_exporter.py`) gives, kept so
 * that dashboards and queries written for it find the same span events and attributes here.
 * Its span and attribute prefix is the package's later name, `xerxes`.
 */
import type { AuditRecord } from 'calute-audit';

export const REFERENCE = {
  /** Attributes of the turn span (the reference's span is named `xerxes.turn`). */
  turnId: 'xerxes.turn_id',
  agentId: 'xerxes.agent_id',
  sessionId: 'xerxes.session_id',
  /** Content: set only when content is captured. */
  promptPreview: 'xerxes.prompt_preview',
  functionCallsCount: 'xerxes.function_calls_count',
  serviceName: 'service.name',
  /** The fallback log's name for a `turn_start` (and, here, for one without a `turn_id`). */
  turnFallback: 'turn',
} as const;

/** This package's own attribute: a span ended without the record that closes it (see record-mapper.ts). */
export const INCOMPLETE = 'calute.audit.incomplete';

const text = (value: unknown): string => (value === null || value === undefined ? 'None' : String(value));

/**
 * The name of the span event (or standalone span, or fallback entry) a record becomes:
 * `tool.attempt:<tool_name>`, `tool.complete:<tool_name>`, `tool.failure:<tool_name>`,
 * `skill.used:<skill_name>`, `error:<error_type>`, else the `event_type`. A missing name
 * reads `None`, as the reference's f-string writes it.
 */
export function referenceEventName(record: AuditRecord): string {
  switch (record.event_type) {
    case 'tool_call_attempt':
      return `tool.attempt:${text(record.tool_name)}`;
    case 'tool_call_complete':
      return `tool.complete:${text(record.tool_name)}`;
    case 'tool_call_failure':
      return `tool.failure:${text(record.tool_name)}`;
    case 'skill_used':
      return `skill.used:${text(record.skill_name)}`;
    case 'error':
      return `error:${text(record.error_type)}`;
    default:
      return record.event_type;
  }
}
