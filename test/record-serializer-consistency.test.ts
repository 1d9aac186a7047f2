/**
 * serialize() is compiled per class and remembers the JSON of the last primitive value of
 * each field; whatever the sequence of events, it must write exactly JSON.stringify(toDict()).
 */
import { type AuditEvent, ToolCallAttemptEvent, ToolCallCompleteEvent, TurnStartEvent } from 'calute-audit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const agrees = (event: AuditEvent) => expect(event.serialize()).toBe(JSON.stringify(event.toDict()));

describe('serialize() agrees with toDict() across events of one class', () => {
  it('repeated and changing values: each event writes its own', () => {
    const texts = ['a', 'a', 'b', 'a', '', 'quote"d', 'quote"d', 'a'];
    for (const [index, text] of texts.entries()) {
      const event = new ToolCallAttemptEvent({ agentId: index % 3 ? 'x' : null, toolName: text });
      agrees(event);
      expect(JSON.parse(event.serialize()).tool_name).toBe(text);
    }
  });

  it('an object in a primitive field (a JavaScript caller), changed in place: the new content is written', () => {
    const holder = { v: 1 };
    // The constructor refuses an object there; a JavaScript caller can still assign one.
    const event = Object.assign(new ToolCallAttemptEvent(), { toolName: holder as unknown as string });
    expect(JSON.parse(event.serialize()).tool_name).toStrictEqual({ v: 1 });
    holder.v = 2;
    expect(JSON.parse(event.serialize()).tool_name).toStrictEqual({ v: 2 });
    agrees(event);
  });

  it('a toJSON in metadata that serializes another event of the same class: no field leaks between them', () => {
    const inner = new TurnStartEvent({ agentId: 'inner-agent', promptPreview: 'inner' });
    const outer = new TurnStartEvent({
      agentId: 'outer-agent',
      promptPreview: 'outer',
      metadata: { nested: { toJSON: () => inner.serialize() } },
    });
    const parsed = JSON.parse(outer.serialize());
    expect(parsed.agent_id).toBe('outer-agent');
    expect(parsed.prompt_preview).toBe('outer');
    expect(JSON.parse(parsed.metadata.nested).prompt_preview).toBe('inner');
    agrees(outer);
  });

  it('a toJSON in a primitive field that serializes another event: later events are not poisoned', () => {
    const inner = new TurnStartEvent({ agentId: 'x' });
    const odd = Object.assign(new TurnStartEvent(), {
      agentId: { toJSON: () => inner.serialize() } as unknown as string,
    });
    agrees(odd);
    const later = new TurnStartEvent({ agentId: 'x', promptPreview: 'later' });
    expect(JSON.parse(later.serialize()).agent_id).toBe('x');
    agrees(later);
  });

  it('arbitrary sequences of events drawing from a small pool of values (fast-check)', () => {
    const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
    console.log(`record-serializer-consistency: fast-check seed ${seed} (rerun with FC_SEED=${seed})`);
    const shared = { n: 0 };
    const value = fc.constantFrom<unknown>(
      'a',
      'b',
      '',
      'é\n',
      '\uD800',
      0,
      -0,
      1.5,
      Number.NaN,
      null,
      true,
      5n,
      shared,
    );
    const step = fc.record({
      agentId: value,
      toolName: value,
      status: value,
      durationMs: value,
      bump: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        for (const { bump, ...fields } of steps) {
          if (bump) shared.n++;
          const event = Object.assign(new ToolCallCompleteEvent(), fields);
          expect(event.serialize()).toBe(JSON.stringify(event.toDict()));
        }
      }),
      { seed, verbose: true, numRuns: 300 },
    );
  });
});
