import fs from 'node:fs';
import path from 'node:path';
import {
  AuditClosedError,
  type AuditCollector,
  AuditCompositeError,
  AuditError,
  type AuditEvent,
  AuditOptionError,
  CompositeCollector,
  InMemoryCollector,
  JSONLSinkCollector,
  TurnEndEvent,
  TurnStartEvent,
} from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { thrownBy } from './support/assertions.js';
import { readRecords, useTempDir } from './support/temp-files.js';

/** A child that logs every call into a shared log, and can be told to throw. */
class Recorder implements AuditCollector {
  readonly received: AuditEvent[] = [];
  constructor(
    readonly label: string,
    readonly log: string[],
    readonly failWith?: Error,
  ) {}
  emit(event: AuditEvent): void {
    this.log.push(`${this.label}.emit`);
    if (this.failWith) throw this.failWith;
    this.received.push(event);
  }
  flush(): void {
    this.log.push(`${this.label}.flush`);
    if (this.failWith) throw this.failWith;
  }
  close(): void {
    this.log.push(`${this.label}.close`);
    if (this.failWith) throw this.failWith;
  }
}

describe('CompositeCollector: fan-out', () => {
  it('emit() and flush(): every child, in the order added', () => {
    const log: string[] = [];
    const [a, b, c] = ['a', 'b', 'c'].map((label) => new Recorder(label, log));
    const composite = new CompositeCollector([a, b]);
    composite.add(c);
    const event = new TurnStartEvent();
    composite.emit(event);
    composite.flush();
    expect(log).toStrictEqual(['a.emit', 'b.emit', 'c.emit', 'a.flush', 'b.flush', 'c.flush']);
    for (const child of [a, b, c]) expect(child.received).toStrictEqual([event]);
  });

  it('add(): a child added later gets only the events after it', () => {
    const first = new InMemoryCollector();
    const late = new InMemoryCollector();
    const composite = new CompositeCollector([first]);
    composite.emit(new TurnStartEvent());
    composite.add(late);
    const second = new TurnEndEvent();
    composite.emit(second);
    expect(first.length).toBe(2);
    expect(late.getEvents()).toStrictEqual([second]);
  });

  it('CompositeCollector(): starts empty; any iterable of children; collectors is a copy', () => {
    expect(() => new CompositeCollector().emit(new TurnStartEvent())).not.toThrow();
    const a = new InMemoryCollector();
    const b = new InMemoryCollector();
    const composite = new CompositeCollector(new Set([a, b]));
    expect(composite.collectors).toStrictEqual([a, b]);
    composite.collectors.pop();
    composite.emit(new TurnStartEvent());
    expect([a.length, b.length]).toStrictEqual([1, 1]);
  });

  it('a composite inside a composite: events reach the grandchildren', () => {
    const inner = new InMemoryCollector();
    const outer = new CompositeCollector([new CompositeCollector([inner])]);
    outer.emit(new TurnStartEvent());
    expect(inner.length).toBe(1);
  });

  it('add(non-collector) and a non-collector child: AuditOptionError naming "collector"', () => {
    const composite = new CompositeCollector();
    const error = thrownBy(() => composite.add({ emit() {} } as unknown as AuditCollector));
    expect(error).toBeInstanceOf(AuditOptionError);
    expect((error as Error).message).toMatch(
      /^Invalid option "collector": expected an object with emit\(\) and flush\(\)/,
    );
    expect(() => new CompositeCollector([null as unknown as AuditCollector])).toThrow(AuditOptionError);
  });

  it('bad options: AuditOptionError naming the option', () => {
    expect(
      thrownBy(() => new CompositeCollector([], { deliverToAll: 'yes' as unknown as boolean })),
    ).toMatchObject({
      message: 'Invalid option "deliverToAll": expected a boolean, got "yes"',
    });
    expect(
      (thrownBy(() => new CompositeCollector([], { everyone: true } as object)) as Error).message,
    ).toMatch(/^Invalid option "options.everyone"/);
  });
});

describe('CompositeCollector: a failing child', () => {
  it('default mode, emit(): the child error is thrown as is, later children do not get the event', () => {
    const log: string[] = [];
    const boom = new Error('boom');
    const a = new Recorder('a', log);
    const b = new Recorder('b', log, boom);
    const c = new Recorder('c', log);
    const composite = new CompositeCollector([a, b, c]);
    expect(thrownBy(() => composite.emit(new TurnStartEvent()))).toBe(boom);
    expect(log).toStrictEqual(['a.emit', 'b.emit']);
    expect(a.received).toHaveLength(1);
    expect(c.received).toHaveLength(0);
  });

  it('default mode, flush(): stops at the failing child too', () => {
    const log: string[] = [];
    const boom = new Error('boom');
    const composite = new CompositeCollector([
      new Recorder('a', log),
      new Recorder('b', log, boom),
      new Recorder('c', log),
    ]);
    expect(thrownBy(() => composite.flush())).toBe(boom);
    expect(log).toStrictEqual(['a.flush', 'b.flush']);
  });

  for (const operation of ['emit', 'flush'] as const) {
    it(`deliverToAll mode, ${operation}(): every child gets it, then one AuditCompositeError names each failure`, () => {
      const log: string[] = [];
      const first = new Error('first broke');
      const third = new Error('third broke');
      const children = [
        new Recorder('a', log, first),
        new Recorder('b', log),
        new Recorder('c', log, third),
        new Recorder('d', log),
      ];
      const composite = new CompositeCollector(children, { deliverToAll: true });
      const error = thrownBy(() =>
        operation === 'emit' ? composite.emit(new TurnStartEvent()) : composite.flush(),
      ) as AuditCompositeError;
      expect(log).toStrictEqual(['a', 'b', 'c', 'd'].map((label) => `${label}.${operation}`));
      expect(error).toBeInstanceOf(AuditCompositeError);
      expect(error).toBeInstanceOf(AuditError);
      expect(error.code).toBe('ERR_AUDIT_COMPOSITE');
      expect(error.message).toBe('2 collector(s) failed: #0 Recorder: first broke; #2 Recorder: third broke');
      expect(error.errors).toStrictEqual([first, third]);
      if (operation === 'emit')
        expect(children.map((child) => child.received.length)).toStrictEqual([0, 1, 0, 1]);
    });
  }

  it('deliverToAll mode, no failure: no error, every child has the event', () => {
    const a = new InMemoryCollector();
    const b = new InMemoryCollector();
    const composite = new CompositeCollector([a, b], { deliverToAll: true });
    composite.emit(new TurnStartEvent());
    composite.flush();
    expect([a.length, b.length]).toStrictEqual([1, 1]);
  });
});

describe('CompositeCollector.close()', () => {
  const tempDir = useTempDir();

  it('close(): passed to every child that has close(), skipping those without', () => {
    const file = path.join(tempDir(), 'composite.jsonl');
    const sink = new JSONLSinkCollector(file);
    const memory = new InMemoryCollector();
    const log: string[] = [];
    const recorder = new Recorder('r', log);
    const composite = new CompositeCollector([memory, sink, recorder]);
    composite.emit(new TurnStartEvent({ promptPreview: 'both' }));
    composite.close();
    expect(log).toStrictEqual(['r.emit', 'r.close']);
    expect(() => sink.emit(new TurnStartEvent())).toThrow(AuditClosedError);
    expect(memory.length).toBe(1);
    expect(readRecords(file).map((record) => record.prompt_preview)).toStrictEqual(['both']);
    expect(fs.statSync(file).size).toBeGreaterThan(0);
  });

  it('close() with a failing child (default mode too): the others are still closed, then AuditCompositeError', () => {
    const log: string[] = [];
    const broken = new Error('cannot close');
    const composite = new CompositeCollector([new Recorder('a', log, broken), new Recorder('b', log)]);
    const error = thrownBy(() => composite.close()) as AuditCompositeError;
    expect(log).toStrictEqual(['a.close', 'b.close']);
    expect(error).toBeInstanceOf(AuditCompositeError);
    expect(error.message).toBe('1 collector(s) failed: #0 Recorder: cannot close');
    expect(error.errors).toStrictEqual([broken]);
  });
});
