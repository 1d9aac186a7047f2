import fs from 'node:fs';
import path from 'node:path';
import {
  type AuditCollector,
  AuditEmitter,
  type AuditEvent,
  AuditOptionError,
  InMemoryCollector,
  JSONLSinkCollector,
} from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { readRecords, useTempDir } from './support/temp-files.js';

/** Calls each of the fifteen emit methods once, with required parameters only. */
function emitEveryType(emitter: AuditEmitter): void {
  emitter.emitTurnStart();
  emitter.emitTurnEnd();
  emitter.emitToolCallAttempt({ toolName: 't' });
  emitter.emitToolCallComplete({ toolName: 't' });
  emitter.emitToolCallFailure({ toolName: 't' });
  emitter.emitToolPolicyDecision({ toolName: 't' });
  emitter.emitToolLoopWarning({ toolName: 't' });
  emitter.emitToolLoopBlock({ toolName: 't' });
  emitter.emitSandboxDecision({ toolName: 't' });
  emitter.emitHookMutation({ hookName: 'h' });
  emitter.emitError();
  emitter.emitSkillUsed({ skillName: 's' });
  emitter.emitSkillAuthored({ skillName: 's' });
  emitter.emitSkillFeedback({ skillName: 's' });
  emitter.emitAgentSwitch({ fromAgent: 'a', toAgent: 'b' });
}

class CountingCollector implements AuditCollector {
  readonly calls: string[] = [];
  emit(event: AuditEvent): void {
    this.calls.push(`emit:${event.eventType}`);
  }
  flush(): void {
    this.calls.push('flush');
  }
}

describe('AuditEmitter: session stamping', () => {
  it('AuditEmitter({ sessionId }): every one of the fifteen event types carries it', () => {
    const collector = new InMemoryCollector();
    emitEveryType(new AuditEmitter({ collector, sessionId: 'sess-42' }));
    const events = collector.getEvents();
    expect(events).toHaveLength(15);
    expect(new Set(events.map((event) => event.eventType)).size).toBe(15);
    for (const event of events) {
      expect(event.sessionId).toBe('sess-42');
      expect(event.toDict().session_id).toBe('sess-42');
    }
  });

  it('AuditEmitter() without sessionId: session_id null on every event', () => {
    const collector = new InMemoryCollector();
    emitEveryType(new AuditEmitter({ collector }));
    expect(collector.getEvents().map((event) => event.toDict().session_id)).toStrictEqual(
      Array(15).fill(null),
    );
  });

  it('two emitters on one collector: each stamps its own session', () => {
    const collector = new InMemoryCollector();
    new AuditEmitter({ collector, sessionId: 'one' }).emitError();
    new AuditEmitter({ collector, sessionId: 'two' }).emitError();
    expect(collector.getEvents().map((event) => event.sessionId)).toStrictEqual(['one', 'two']);
  });
});

describe('AuditEmitter: collector, sessionId, flush', () => {
  const tempDir = useTempDir();

  it('AuditEmitter(): an InMemoryCollector of its own receives the events', () => {
    const emitter = new AuditEmitter();
    expect(emitter.collector).toBeInstanceOf(InMemoryCollector);
    expect(emitter.sessionId).toBeNull();
    emitter.emitTurnStart();
    emitter.emitTurnEnd();
    expect(
      (emitter.collector as InMemoryCollector).getEvents().map((event) => event.eventType),
    ).toStrictEqual(['turn_start', 'turn_end']);
    expect(new AuditEmitter().collector).not.toBe(emitter.collector);
  });

  it('collector and sessionId getters: what was given', () => {
    const collector = new CountingCollector();
    const emitter = new AuditEmitter({ collector, sessionId: 's' });
    expect(emitter.collector).toBe(collector);
    expect(emitter.sessionId).toBe('s');
  });

  it('emit* and flush(): handed to the collector at once, in call order', () => {
    const collector = new CountingCollector();
    const emitter = new AuditEmitter({ collector });
    emitter.emitTurnStart();
    expect(collector.calls).toStrictEqual(['emit:turn_start']);
    emitter.flush();
    emitter.emitError();
    emitter.flush();
    expect(collector.calls).toStrictEqual(['emit:turn_start', 'flush', 'emit:error', 'flush']);
  });

  it('an error from the collector reaches the caller of emit*', () => {
    const failure = new Error('disk full');
    const emitter = new AuditEmitter({
      collector: {
        emit() {
          throw failure;
        },
        flush() {},
      },
    });
    expect(() => emitter.emitError()).toThrow(failure);
  });

  it('with a JSONLSinkCollector: the records on disk carry the session', () => {
    const file = path.join(tempDir(), 'session.jsonl');
    const sink = new JSONLSinkCollector(file);
    const emitter = new AuditEmitter({ collector: sink, sessionId: 'disk-session' });
    const turnId = emitter.emitTurnStart({ agentId: 'a', prompt: 'p' });
    emitter.emitTurnEnd({ agentId: 'a', turnId, fcCount: 0 });
    emitter.flush();
    sink.close();
    const records = readRecords(file);
    expect(records.map((record) => [record.event_type, record.session_id, record.turn_id])).toStrictEqual([
      ['turn_start', 'disk-session', turnId],
      ['turn_end', 'disk-session', turnId],
    ]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  const badOptions: [string, unknown, string][] = [
    [
      'a collector without flush()',
      { collector: { emit() {} } },
      'Invalid option "collector": expected an object',
    ],
    [
      'a sessionId that is a number',
      { sessionId: 5 },
      'Invalid option "sessionId": expected a string or null, got 5',
    ],
    ['a misspelled key', { colector: new InMemoryCollector() }, 'Invalid option "options.colector"'],
    [
      'options that are a string',
      'x',
      'Invalid option "options": expected an options object or a collector, got "x"',
    ],
  ];
  for (const [name, options, message] of badOptions) {
    it(`AuditEmitter(${name}): AuditOptionError naming the option`, () => {
      let thrown: unknown;
      try {
        new AuditEmitter(options as object);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AuditOptionError);
      expect((thrown as Error).message.startsWith(message)).toBe(true);
    });
  }
});
