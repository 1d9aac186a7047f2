import { AuditEmitter, InMemoryCollector, newTurnId } from 'calute-audit';
import { describe, expect, it } from 'vitest';

const TURN_ID = /^[0-9a-f]{12}$/;

describe('AuditEmitter.emitTurnStart: turn ids', () => {
  it('emitTurnStart() without turnId: returns a new 12-hex-character id and records it', () => {
    const collector = new InMemoryCollector();
    const emitter = new AuditEmitter({ collector });
    const turnId = emitter.emitTurnStart({ agentId: 'a1', prompt: 'hi' });
    expect(turnId).toMatch(TURN_ID);
    const [event] = collector.getEvents();
    expect(event.turnId).toBe(turnId);
    expect(event.toDict().turn_id).toBe(turnId);
  });

  it('emitTurnStart() 1000 times: 1000 distinct ids, all in the format', () => {
    const emitter = new AuditEmitter();
    const ids = Array.from({ length: 1000 }, () => emitter.emitTurnStart());
    for (const id of ids) expect(id).toMatch(TURN_ID);
    expect(new Set(ids).size).toBe(1000);
  });

  it('emitTurnStart({ turnId }): the given id is kept and returned', () => {
    const collector = new InMemoryCollector();
    const emitter = new AuditEmitter({ collector });
    expect(emitter.emitTurnStart({ turnId: 'my-own-turn' })).toBe('my-own-turn');
    expect(collector.getEvents()[0].turnId).toBe('my-own-turn');
  });

  it('emitTurnStart({ turnId: "" } or null): treated as none, a new id is made', () => {
    const collector = new InMemoryCollector();
    const emitter = new AuditEmitter({ collector });
    const fromEmpty = emitter.emitTurnStart({ turnId: '' });
    const fromNull = emitter.emitTurnStart({ turnId: null });
    expect(fromEmpty).toMatch(TURN_ID);
    expect(fromNull).toMatch(TURN_ID);
    expect(collector.getEvents().map((event) => event.turnId)).toStrictEqual([fromEmpty, fromNull]);
  });

  it('other methods do not make turn ids: turn_id stays null when none is given', () => {
    const collector = new InMemoryCollector();
    const emitter = new AuditEmitter({ collector });
    emitter.emitTurnEnd();
    emitter.emitToolCallAttempt({ toolName: 't' });
    expect(collector.getEvents().map((event) => event.turnId)).toStrictEqual([null, null]);
  });

  it('newTurnId(): the same format', () => {
    for (let i = 0; i < 100; i++) expect(newTurnId()).toMatch(TURN_ID);
  });
});
