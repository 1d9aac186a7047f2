/**
 * The model-call event: `emitModelCall` and `ModelCallEvent` write `model_call` records with
 * the provider, model, operation, tokens, duration and finish reason, and the optional
 * fields (response model and id, cached and reasoning tokens, tool call count, input and
 * output previews) only when given. A record is written when the call ended: its timestamp
 * is the end, `timestamp - duration_ms` the start.
 */
import path from 'node:path';
import { AuditEmitter, InMemoryCollector, ModelCallEvent, ThreadedJSONLSinkCollector } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-files.js';
import { readLines } from './support/threaded-sink-kit.js';

const ENDED = '2025-06-15T14:30:01.000000+00:00';
const ENVELOPE = `"timestamp":"${ENDED}","agent_id":"planner","turn_id":"t-1","session_id":"s-1","severity":"info","metadata":{}`;

const FULL_LINE =
  `{"event_type":"model_call",${ENVELOPE},"provider":"openai","model":"gpt-4o","operation":"chat",` +
  '"input_tokens":1200,"output_tokens":300,"duration_ms":850.5,"finish_reason":"tool_calls",' +
  '"response_model":"gpt-4o-2024-08-06","response_id":"chatcmpl-1","cached_input_tokens":100,"reasoning_tokens":0,' +
  '"tool_call_count":2,"input_preview":"[{\\"role\\":\\"user\\",\\"content\\":\\"Plan a trip\\"}]","output_preview":"Here is the plan"}';
const MINIMAL_LINE =
  `{"event_type":"model_call",${ENVELOPE},"provider":"","model":"gpt-4o","operation":"chat",` +
  '"input_tokens":null,"output_tokens":null,"duration_ms":0,"finish_reason":""}';

describe('emitModelCall and ModelCallEvent', () => {
  const tempDir = useTempDir();

  it('every argument through the offloaded sink: the exact line; only the model: the defaults, no optional key', () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file);
    const audit = new AuditEmitter({ collector: sink, sessionId: 's-1' }).child({
      agentId: 'planner',
      turnId: 't-1',
    });
    audit.emitModelCall({
      timestamp: ENDED,
      provider: 'openai',
      model: 'gpt-4o',
      inputTokens: 1200,
      outputTokens: 300,
      durationMs: 850.5,
      finishReason: 'tool_calls',
      responseModel: 'gpt-4o-2024-08-06',
      responseId: 'chatcmpl-1',
      cachedInputTokens: 100,
      reasoningTokens: 0,
      toolCallCount: 2,
      input: [{ role: 'user', content: 'Plan a trip' }],
      output: 'Here is the plan',
    });
    audit.emitModelCall({ timestamp: ENDED, model: 'gpt-4o' });
    sink.close();
    expect(readLines(file)).toStrictEqual([FULL_LINE, MINIMAL_LINE]);
  });

  it('the constructor writes the same records from the same values', () => {
    const envelope = { timestamp: ENDED, agentId: 'planner', turnId: 't-1', sessionId: 's-1' };
    const full = new ModelCallEvent({
      ...envelope,
      provider: 'openai',
      model: 'gpt-4o',
      inputTokens: 1200,
      outputTokens: 300,
      durationMs: 850.5,
      finishReason: 'tool_calls',
      responseModel: 'gpt-4o-2024-08-06',
      responseId: 'chatcmpl-1',
      cachedInputTokens: 100,
      reasoningTokens: 0,
      toolCallCount: 2,
      inputPreview: '[{"role":"user","content":"Plan a trip"}]',
      outputPreview: 'Here is the plan',
    });
    expect(full.serialize()).toBe(FULL_LINE);
    expect(new ModelCallEvent({ ...envelope, model: 'gpt-4o' }).serialize()).toBe(MINIMAL_LINE);
    expect(ModelCallEvent.eventType).toBe('model_call');
    expect(full.severity).toBe('info');
  });

  it('tokens: 0 is written as 0, null as null, a missing count as null', () => {
    const memory = new InMemoryCollector();
    const audit = new AuditEmitter({ collector: memory });
    audit.emitModelCall({ model: 'm', inputTokens: 0, outputTokens: null });
    audit.emitModelCall({ model: 'm', outputTokens: 5 });
    expect(
      memory.getEvents().map((event) => [event.toDict().input_tokens, event.toDict().output_tokens]),
    ).toStrictEqual([
      [0, null],
      [null, 5],
    ]);
  });

  it('written when the call ended: the given timestamp is the end, less duration_ms the start', () => {
    const memory = new InMemoryCollector();
    const audit = new AuditEmitter({ collector: memory });
    const startedAt = Date.UTC(2025, 5, 15, 14, 30, 0, 150);
    audit.emitModelCall({ model: 'm', durationMs: 850, timestamp: ENDED });
    const record = memory.getEvents()[0].toDict();
    expect(record.timestamp).toBe(ENDED);
    const end = Date.parse((record.timestamp as string).replace('+00:00', 'Z'));
    expect(end - (record.duration_ms as number)).toBe(startedAt);
  });

  it('input and output are previews: objects serialized, cut at 200 characters by default', () => {
    const memory = new InMemoryCollector();
    const messages = Array.from({ length: 20 }, (_, index) => ({
      role: 'user',
      content: `message ${index}`,
    }));
    new AuditEmitter({ collector: memory }).emitModelCall({
      model: 'm',
      input: messages,
      output: 'é'.repeat(300),
    });
    const record = memory.getEvents()[0].toDict();
    expect(record.input_preview).toBe(JSON.stringify(messages).slice(0, 200));
    expect(record.output_preview).toBe('é'.repeat(200));
  });

  it('model is required; a count that is not a number is refused, naming it', () => {
    const audit = new AuditEmitter();
    expect(() => audit.emitModelCall({} as never)).toThrow('emitModelCall needs "model" (a required option)');
    expect(() => audit.emitModelCall({ model: 'm', cachedInputTokens: '100' as never })).toThrow(
      'Invalid option "cachedInputTokens" of emitModelCall: expected a number or null, got "100"',
    );
  });
});
