/**
 * `AuditEmitter` tool call ids: with `toolCallIds: true` an attempt without an id gets one,
 * which `emitToolCallAttempt` returns (like turn ids) for the outcome to carry; off by
 * default, so that records built the reference's way stay the reference's. A given id is
 * always kept and returned, and the other tool records write it when given.
 */
import { AuditEmitter, AuditOptionError, InMemoryCollector, newToolCallId } from 'calute-audit';
import { describe, expect, it } from 'vitest';

const ID = /^[0-9a-f]{12}$/;

function emitter(toolCallIds?: boolean): { audit: AuditEmitter; records: () => Record<string, unknown>[] } {
  const memory = new InMemoryCollector();
  const audit = new AuditEmitter(
    toolCallIds === undefined ? { collector: memory } : { collector: memory, toolCallIds },
  );
  return { audit, records: () => memory.getEvents().map((event) => event.toDict()) };
}

describe('AuditEmitter({ toolCallIds: true })', () => {
  it('emitToolCallAttempt() without an id: a new 12-hex id, returned and recorded; 1000 calls, 1000 ids', () => {
    const { audit, records } = emitter(true);
    const ids = Array.from({ length: 1000 }, () => audit.emitToolCallAttempt({ toolName: 'search' }));
    for (const id of ids) expect(id).toMatch(ID);
    expect(new Set(ids).size).toBe(1000);
    expect(records().map((record) => record.tool_call_id)).toStrictEqual(ids);
  });

  it('a given id is kept and returned; "" and null count as none and get a new one', () => {
    const { audit, records } = emitter(true);
    expect(audit.emitToolCallAttempt({ toolName: 't', toolCallId: 'call_abc' })).toBe('call_abc');
    const fromEmpty = audit.emitToolCallAttempt({ toolName: 't', toolCallId: '' });
    const fromNull = audit.emitToolCallAttempt({ toolName: 't', toolCallId: null });
    expect(fromEmpty).toMatch(ID);
    expect(fromNull).toMatch(ID);
    expect(records().map((record) => record.tool_call_id)).toStrictEqual(['call_abc', fromEmpty, fromNull]);
  });

  it('the id returned by the attempt, passed to complete and failure: the three records share it', () => {
    const { audit, records } = emitter(true);
    const ok = audit.emitToolCallAttempt({ toolName: 'search', args: 'a' });
    const bad = audit.emitToolCallAttempt({ toolName: 'search', args: 'b' });
    audit.emitToolCallFailure({ toolName: 'search', toolCallId: bad!, errorType: 'Timeout', durationMs: 30 });
    audit.emitToolCallComplete({ toolName: 'search', toolCallId: ok!, durationMs: 12, result: 'r' });
    expect(records().map((record) => [record.event_type, record.tool_call_id])).toStrictEqual([
      ['tool_call_attempt', ok],
      ['tool_call_attempt', bad],
      ['tool_call_failure', bad],
      ['tool_call_complete', ok],
    ]);
  });

  it('"" as the id of an outcome or a decision is no id, as for the attempt: the key is left out', () => {
    const { audit, records } = emitter(true);
    audit.emitToolCallComplete({ toolName: 't', toolCallId: '' });
    audit.emitToolCallFailure({ toolName: 't', toolCallId: '' });
    audit.emitToolPolicyDecision({ toolName: 't', action: 'allow', toolCallId: '' });
    audit.emitSandboxDecision({ toolName: 't', toolCallId: '' });
    expect(records().map((record) => Object.hasOwn(record, 'tool_call_id'))).toStrictEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('other methods never make an id: complete, failure, policy and sandbox records leave it out unless given', () => {
    const { audit, records } = emitter(true);
    audit.emitToolCallComplete({ toolName: 't' });
    audit.emitToolCallFailure({ toolName: 't' });
    audit.emitToolPolicyDecision({ toolName: 't', action: 'allow' });
    audit.emitSandboxDecision({ toolName: 't' });
    audit.emitToolPolicyDecision({ toolName: 't', action: 'deny', toolCallId: 'p-1' });
    audit.emitSandboxDecision({ toolName: 't', toolCallId: 's-1' });
    expect(records().map((record) => record.tool_call_id)).toStrictEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      'p-1',
      's-1',
    ]);
  });

  it('a child emitter keeps the setting', () => {
    const { audit } = emitter(true);
    expect(audit.child({ agentId: 'a' }).emitToolCallAttempt({ toolName: 't' })).toMatch(ID);
  });
});

describe('AuditEmitter() without toolCallIds (the default)', () => {
  it('emitToolCallAttempt() without an id: returns null and the record has no tool_call_id', () => {
    const { audit, records } = emitter();
    expect(audit.emitToolCallAttempt({ toolName: 't' })).toBeNull();
    expect(Object.keys(records()[0])).not.toContain('tool_call_id');
  });

  it('a given id is still kept and returned', () => {
    const { audit, records } = emitter(false);
    expect(audit.emitToolCallAttempt({ toolName: 't', toolCallId: 'call_1' })).toBe('call_1');
    audit.emitToolCallComplete({ toolName: 't', toolCallId: 'call_1' });
    expect(records().map((record) => record.tool_call_id)).toStrictEqual(['call_1', 'call_1']);
  });
});

describe('tool call ids: checks', () => {
  it('toolCallIds that is not a boolean: AuditOptionError naming it', () => {
    expect(() => new AuditEmitter({ toolCallIds: 'yes' as never })).toThrow(
      new AuditOptionError('ERR_AUDIT_OPTION', 'Invalid option "toolCallIds": expected a boolean, got "yes"'),
    );
  });

  it('a toolCallId that is not a string: refused by every method, naming it, nothing emitted', () => {
    const { audit, records } = emitter(true);
    for (const call of [
      () => audit.emitToolCallAttempt({ toolName: 't', toolCallId: 7 as never }),
      () => audit.emitToolCallComplete({ toolName: 't', toolCallId: {} as never }),
      () => audit.emitToolCallFailure({ toolName: 't', toolCallId: true as never }),
    ]) {
      expect(call).toThrow(/Invalid option "toolCallId" of emitToolCall\w+: expected a string or null/);
    }
    expect(records()).toStrictEqual([]);
  });

  it('newToolCallId(): the same 12-hex form', () => {
    for (let i = 0; i < 100; i++) expect(newToolCallId()).toMatch(ID);
  });
});
