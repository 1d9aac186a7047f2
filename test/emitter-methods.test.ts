import { AuditEmitter, type AuditEvent, InMemoryCollector } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { REFERENCE_CLASSES, referenceKeys, TIMESTAMP_FORMAT } from './support/reference-tables.js';

type Call = (emitter: AuditEmitter) => unknown;

interface MethodCase {
  method: string;
  eventType: string;
  /** Every parameter given, with the reference's parameter names. */
  full: Call;
  /** The record's own fields (after the envelope) that `full` must produce. */
  fullFields: Record<string, unknown>;
  /** Only the required parameters. */
  minimal: Call;
  /** The record's own fields that `minimal` must produce: the reference's defaults. */
  minimalFields: Record<string, unknown>;
  severity: string;
}

const ctx = { agentId: 'agent-7', turnId: 'turn-7' };

const CASES: MethodCase[] = [
  {
    method: 'emitTurnStart',
    eventType: 'turn_start',
    full: (e) => e.emitTurnStart({ ...ctx, prompt: 'What is up?' }),
    fullFields: { prompt_preview: 'What is up?' },
    minimal: (e) => e.emitTurnStart({ ...ctx }),
    minimalFields: { prompt_preview: '' },
    severity: 'info',
  },
  {
    method: 'emitTurnEnd',
    eventType: 'turn_end',
    full: (e) => e.emitTurnEnd({ ...ctx, content: 'All done', fcCount: 4 }),
    fullFields: { content_preview: 'All done', function_calls_count: 4 },
    minimal: (e) => e.emitTurnEnd({ ...ctx }),
    minimalFields: { content_preview: '', function_calls_count: 0 },
    severity: 'info',
  },
  {
    method: 'emitToolCallAttempt',
    eventType: 'tool_call_attempt',
    full: (e) => e.emitToolCallAttempt({ ...ctx, toolName: 'search', args: '{"q":"cats"}' }),
    fullFields: { tool_name: 'search', arguments_preview: '{"q":"cats"}' },
    minimal: (e) => e.emitToolCallAttempt({ ...ctx, toolName: 'search' }),
    minimalFields: { tool_name: 'search', arguments_preview: '' },
    severity: 'info',
  },
  {
    method: 'emitToolCallComplete',
    eventType: 'tool_call_complete',
    full: (e) =>
      e.emitToolCallComplete({
        ...ctx,
        toolName: 'search',
        status: 'partial',
        durationMs: 12.5,
        result: '3 hits',
      }),
    fullFields: { tool_name: 'search', status: 'partial', duration_ms: 12.5, result_preview: '3 hits' },
    minimal: (e) => e.emitToolCallComplete({ ...ctx, toolName: 'search' }),
    minimalFields: { tool_name: 'search', status: 'success', duration_ms: 0, result_preview: '' },
    severity: 'info',
  },
  {
    method: 'emitToolCallFailure',
    eventType: 'tool_call_failure',
    full: (e) =>
      e.emitToolCallFailure({ ...ctx, toolName: 'search', errorType: 'Timeout', errorMsg: 'slow' }),
    fullFields: { tool_name: 'search', error_type: 'Timeout', error_message: 'slow' },
    minimal: (e) => e.emitToolCallFailure({ ...ctx, toolName: 'search' }),
    minimalFields: { tool_name: 'search', error_type: '', error_message: '' },
    severity: 'error',
  },
  {
    method: 'emitToolPolicyDecision',
    eventType: 'tool_policy_decision',
    full: (e) =>
      e.emitToolPolicyDecision({ ...ctx, toolName: 'shell', action: 'deny', source: 'org-policy' }),
    fullFields: { tool_name: 'shell', action: 'deny', policy_source: 'org-policy' },
    minimal: (e) => e.emitToolPolicyDecision({ ...ctx, toolName: 'shell' }),
    minimalFields: { tool_name: 'shell', action: '', policy_source: '' },
    severity: 'info',
  },
  {
    method: 'emitToolLoopWarning',
    eventType: 'tool_loop_warning',
    full: (e) =>
      e.emitToolLoopWarning({
        ...ctx,
        toolName: 'search',
        pattern: 'same-args',
        severity: 'critical',
        count: 5,
      }),
    fullFields: { tool_name: 'search', pattern: 'same-args', severity_level: 'critical', call_count: 5 },
    minimal: (e) => e.emitToolLoopWarning({ ...ctx, toolName: 'search' }),
    minimalFields: { tool_name: 'search', pattern: '', severity_level: 'warning', call_count: 0 },
    // The `severity` argument goes to severity_level; the event's own severity stays "warning".
    severity: 'warning',
  },
  {
    method: 'emitToolLoopBlock',
    eventType: 'tool_loop_block',
    full: (e) => e.emitToolLoopBlock({ ...ctx, toolName: 'search', pattern: 'same-args', count: 9 }),
    fullFields: { tool_name: 'search', pattern: 'same-args', call_count: 9 },
    minimal: (e) => e.emitToolLoopBlock({ ...ctx, toolName: 'search' }),
    minimalFields: { tool_name: 'search', pattern: '', call_count: 0 },
    severity: 'error',
  },
  {
    method: 'emitSandboxDecision',
    eventType: 'sandbox_decision',
    full: (e) =>
      e.emitSandboxDecision({
        ...ctx,
        toolName: 'shell',
        context: 'untrusted',
        reason: 'writes files',
        backendType: 'docker',
      }),
    fullFields: { tool_name: 'shell', context: 'untrusted', reason: 'writes files', backend_type: 'docker' },
    minimal: (e) => e.emitSandboxDecision({ ...ctx, toolName: 'shell' }),
    minimalFields: { tool_name: 'shell', context: '', reason: '', backend_type: '' },
    severity: 'info',
  },
  {
    method: 'emitHookMutation',
    eventType: 'hook_mutation',
    full: (e) => e.emitHookMutation({ ...ctx, hookName: 'redact', toolName: 'search', field: 'query' }),
    fullFields: { hook_name: 'redact', tool_name: 'search', mutated_field: 'query' },
    minimal: (e) => e.emitHookMutation({ ...ctx, hookName: 'redact' }),
    minimalFields: { hook_name: 'redact', tool_name: '', mutated_field: '' },
    severity: 'info',
  },
  {
    method: 'emitError',
    eventType: 'error',
    full: (e) => e.emitError({ ...ctx, errorType: 'ValueError', errorMsg: 'bad value', context: 'parsing' }),
    fullFields: { error_type: 'ValueError', error_message: 'bad value', error_context: 'parsing' },
    minimal: (e) => e.emitError({ ...ctx }),
    minimalFields: { error_type: '', error_message: '', error_context: '' },
    severity: 'error',
  },
  {
    method: 'emitSkillUsed',
    eventType: 'skill_used',
    full: (e) =>
      e.emitSkillUsed({
        ...ctx,
        skillName: 'summarize',
        version: '1.2.0',
        outcome: 'success',
        durationMs: 40.25,
        triggeredAutomatically: false,
      }),
    fullFields: {
      skill_name: 'summarize',
      version: '1.2.0',
      outcome: 'success',
      duration_ms: 40.25,
      triggered_automatically: false,
    },
    minimal: (e) => e.emitSkillUsed({ ...ctx, skillName: 'summarize' }),
    minimalFields: {
      skill_name: 'summarize',
      version: '',
      outcome: 'unknown',
      duration_ms: 0,
      triggered_automatically: true,
    },
    severity: 'info',
  },
  {
    method: 'emitSkillAuthored',
    eventType: 'skill_authored',
    full: (e) =>
      e.emitSkillAuthored({
        ...ctx,
        skillName: 'summarize',
        version: '0.1.0',
        sourcePath: 'skills/summarize.md',
        toolCount: 2,
        uniqueTools: ['read', 'search'],
        confirmedByUser: true,
      }),
    fullFields: {
      skill_name: 'summarize',
      version: '0.1.0',
      source_path: 'skills/summarize.md',
      tool_count: 2,
      unique_tools: ['read', 'search'],
      confirmed_by_user: true,
    },
    minimal: (e) => e.emitSkillAuthored({ ...ctx, skillName: 'summarize' }),
    minimalFields: {
      skill_name: 'summarize',
      version: '',
      source_path: '',
      tool_count: 0,
      unique_tools: [],
      confirmed_by_user: false,
    },
    severity: 'info',
  },
  {
    method: 'emitSkillFeedback',
    eventType: 'skill_feedback',
    full: (e) =>
      e.emitSkillFeedback({
        ...ctx,
        skillName: 'summarize',
        rating: 'positive',
        reason: 'concise',
        source: 'auto',
      }),
    fullFields: { skill_name: 'summarize', rating: 'positive', reason: 'concise', source: 'auto' },
    minimal: (e) => e.emitSkillFeedback({ ...ctx, skillName: 'summarize' }),
    minimalFields: { skill_name: 'summarize', rating: 'neutral', reason: '', source: 'user' },
    severity: 'info',
  },
  {
    method: 'emitAgentSwitch',
    eventType: 'agent_switch',
    full: (e) => e.emitAgentSwitch({ ...ctx, fromAgent: 'planner', toAgent: 'coder', reason: 'needs code' }),
    fullFields: { from_agent: 'planner', to_agent: 'coder', reason: 'needs code' },
    minimal: (e) => e.emitAgentSwitch({ ...ctx, fromAgent: 'planner', toAgent: 'coder' }),
    minimalFields: { from_agent: 'planner', to_agent: 'coder', reason: '' },
    severity: 'info',
  },
];

/** Runs `call` on a fresh emitter and returns the one event it emitted. */
function emitOne(call: Call): AuditEvent {
  const collector = new InMemoryCollector();
  call(new AuditEmitter({ collector, sessionId: 'sess-7' }));
  expect(collector.length).toBe(1);
  return collector.getEvents()[0];
}

function expectRecord(event: AuditEvent, entry: MethodCase, fields: Record<string, unknown>): void {
  const reference = REFERENCE_CLASSES.find((candidate) => candidate.eventType === entry.eventType)!;
  expect(event).toBeInstanceOf(reference.cls);
  const { timestamp, ...rest } = event.toDict();
  expect(timestamp).toMatch(TIMESTAMP_FORMAT);
  expect(rest).toStrictEqual({
    event_type: entry.eventType,
    agent_id: 'agent-7',
    turn_id: 'turn-7',
    session_id: 'sess-7',
    severity: entry.severity,
    metadata: {},
    ...fields,
  });
  expect(Object.keys(event.toDict())).toStrictEqual(referenceKeys(reference));
}

describe('AuditEmitter: one method per event type', () => {
  it('covers all fifteen event types', () => {
    expect(new Set(CASES.map((entry) => entry.eventType)).size).toBe(15);
    for (const entry of CASES) {
      expect(typeof (AuditEmitter.prototype as unknown as Record<string, unknown>)[entry.method]).toBe(
        'function',
      );
    }
  });

  for (const entry of CASES) {
    it(`${entry.method}(every parameter): each parameter lands in its record field`, () => {
      expectRecord(emitOne(entry.full), entry, entry.fullFields);
    });

    it(`${entry.method}(required only): the reference defaults`, () => {
      expectRecord(emitOne(entry.minimal), entry, entry.minimalFields);
    });
  }

  it('emitSkillAuthored({ uniqueTools }): a copy, so the caller may change its array after', () => {
    const tools = ['read'];
    const event = emitOne((e) => e.emitSkillAuthored({ skillName: 's', uniqueTools: tools }));
    tools.push('write');
    expect(event.toDict().unique_tools).toStrictEqual(['read']);
    const none = emitOne((e) => e.emitSkillAuthored({ skillName: 's', uniqueTools: null }));
    expect(none.toDict().unique_tools).toStrictEqual([]);
  });

  it('a method without agentId or turnId: both null', () => {
    const event = emitOne((e) => e.emitError({ errorType: 'X' }));
    expect(event.agentId).toBeNull();
    expect(event.turnId).toBeNull();
    expect(event.toDict()).toMatchObject({ agent_id: null, turn_id: null });
  });

  it('texts that are not previews (errorMsg, reason, ...) are not cut', () => {
    const long = 'e'.repeat(1000);
    expect(emitOne((e) => e.emitError({ errorMsg: long })).toDict().error_message).toBe(long);
    expect(
      emitOne((e) => e.emitAgentSwitch({ fromAgent: 'a', toAgent: 'b', reason: long })).toDict().reason,
    ).toBe(long);
    expect(
      emitOne((e) => e.emitToolCallFailure({ toolName: 't', errorMsg: long })).toDict().error_message,
    ).toBe(long);
  });
});
