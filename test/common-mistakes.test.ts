/**
 * Common mistakes get named errors or do what was meant, never a TypeError from inside the
 * package or a forged line:
 * - a non-event given to `emit` of any collector (and of the emitter) throws an AuditError
 *   that says an AuditEvent was expected, and writes nothing;
 * - `new AuditEmitter(myCollector)` takes the collector as its collector;
 * - an object carrying its own `serialize()` (or `toJSON()`) that returns two lines is written
 *   by the package's encoder for its class, as one line;
 * - previews given as objects, arrays or numbers are written as their JSON.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  type AuditCollector,
  AuditEmitter,
  AuditError,
  AuditEventError,
  CompositeCollector,
  connectCollector,
  InMemoryCollector,
  JSONLSinkCollector,
  ThreadedJSONLSinkCollector,
  TurnStartEvent,
} from 'calute-audit';
import { afterEach, describe, expect, it } from 'vitest';
import { thrownBy } from './support/assertions.js';
import { readRecords, useTempDir } from './support/temp-files.js';

const tempDir = useTempDir();
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** Each collector that writes a file (or keeps events), with how to read back what it got. */
function collectors(): { name: string; collector: AuditCollector; lines: () => string[] }[] {
  const dir = tempDir();
  const file = (name: string) => path.join(dir, `${name}.jsonl`);
  const lines = (name: string) => () => {
    const text = fs.readFileSync(file(name), 'utf8');
    return text === '' ? [] : text.slice(0, -1).split('\n');
  };
  const memory = new InMemoryCollector();
  const plain = new JSONLSinkCollector(file('plain'));
  const threaded = new ThreadedJSONLSinkCollector(file('threaded'));
  const composite = new ThreadedJSONLSinkCollector(file('composite'));
  const connected = new ThreadedJSONLSinkCollector(file('connected'));
  closers.push(
    () => plain.close(),
    () => threaded.close(),
    () => composite.close(),
    () => connected.close(),
  );
  const flushed = (sink: ThreadedJSONLSinkCollector, name: string) => () => {
    sink.flush();
    return lines(name)();
  };
  return [
    {
      name: 'InMemoryCollector',
      collector: memory,
      lines: () => memory.getEvents().map((event) => event.serialize()),
    },
    { name: 'JSONLSinkCollector', collector: plain, lines: lines('plain') },
    { name: 'ThreadedJSONLSinkCollector', collector: threaded, lines: flushed(threaded, 'threaded') },
    {
      name: 'CompositeCollector',
      collector: new CompositeCollector([composite], { deliverToAll: false }),
      lines: flushed(composite, 'composite'),
    },
    {
      name: 'connectCollector(handle)',
      collector: connectCollector(connected.handle),
      lines: flushed(connected, 'connected'),
    },
  ];
}

const twoLines = '{"event_type":"turn_start"}\n{"event_type":"forged","agent_id":"root"}';

const notEvents: [string, unknown][] = [
  ['a plain object', { eventType: 'turn_start', agentId: 'a' }],
  ['a record (what toDict() returns)', new TurnStartEvent({ agentId: 'a' }).toDict()],
  ['an object with its own serialize() returning two lines', { serialize: () => twoLines }],
  ['null', null],
  ['undefined', undefined],
  ['a string', '{"event_type":"turn_start"}'],
  ['a number', 42],
];

describe('emit(non-event): an AuditError saying an AuditEvent was expected, nothing written', () => {
  it('every collector', () => {
    for (const { name, collector, lines } of collectors()) {
      for (const [what, value] of notEvents) {
        const error = thrownBy(() => collector.emit(value as never)) as AuditError;
        expect(error, `${name}, ${what}`).toBeInstanceOf(AuditError);
        expect(error, `${name}, ${what}`).toBeInstanceOf(AuditEventError);
        expect(error.code).toBe('ERR_AUDIT_NOT_AN_EVENT');
        expect(error.message).toMatch(
          /^Expected an AuditEvent \(an instance of an event class, e\.g\. new ToolCallAttemptEvent/,
        );
      }
      expect(lines(), name).toStrictEqual([]);
    }
  });

  it('the emitter: emit(non-event) throws the same, its collector gets nothing', () => {
    const memory = new InMemoryCollector();
    const audit = new AuditEmitter({ collector: memory });
    for (const [what, value] of notEvents) {
      const error = thrownBy(() => audit.emit(value as never)) as AuditError;
      expect(error, what).toBeInstanceOf(AuditEventError);
      expect(error.message.startsWith('Expected an AuditEvent')).toBe(true);
    }
    expect(memory.length).toBe(0);
  });
});

describe('new AuditEmitter(collector): the collector is taken as the collector', () => {
  it('InMemoryCollector, ThreadedJSONLSinkCollector, and any object with emit() and flush()', () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file);
    closers.push(() => sink.close());
    const received: unknown[] = [];
    const custom = { emit: (event: unknown) => received.push(event), flush: () => {} };
    const memory = new InMemoryCollector();
    for (const collector of [memory, sink, custom]) {
      const audit = new AuditEmitter(collector);
      expect(audit.collector).toBe(collector);
      audit.emitTurnStart({ agentId: 'a1', prompt: 'hello' });
    }
    expect(memory.getEvents().map((event) => event.eventType)).toStrictEqual(['turn_start']);
    expect(received).toHaveLength(1);
    expect(received[0]).toBeInstanceOf(TurnStartEvent);
    sink.close();
    expect(readRecords(file).map((record) => [record.agent_id, record.prompt_preview])).toStrictEqual([
      ['a1', 'hello'],
    ]);
  });
});

describe("an event carrying its own serialize(): written by the package's encoder, one line", () => {
  it('an own serialize() or toJSON() on an event, and a subclass method: every collector writes one line each', () => {
    const expected = (event: TurnStartEvent) => {
      const copy = new TurnStartEvent({
        agentId: event.agentId,
        promptPreview: event.promptPreview,
        timestamp: event.timestamp,
      });
      return copy.serialize();
    };
    for (const { name, collector, lines } of collectors()) {
      // A plain event first: the class's own properties are checked on its first instance.
      const events = [new TurnStartEvent({ agentId: 'first', promptPreview: 'p0' })];
      const ownSerialize = new TurnStartEvent({ agentId: 'own-serialize', promptPreview: 'p1' });
      Object.defineProperty(ownSerialize, 'serialize', { value: () => twoLines });
      const ownToJson = new TurnStartEvent({ agentId: 'own-toJSON', promptPreview: 'p2' });
      Object.defineProperty(ownToJson, 'toJSON', { value: () => ({ forged: twoLines }) });
      events.push(ownSerialize, ownToJson);
      for (const event of events) collector.emit(event);
      const written = lines();
      if (name === 'InMemoryCollector') {
        // It keeps the events themselves; each one's record is still its encoder's.
        expect(written).toHaveLength(3);
        continue;
      }
      expect(written, name).toStrictEqual(events.map(expected));
      for (const line of written) expect(line).not.toContain('forged');
    }
  });
});

describe('previews that are not strings are written as their JSON', () => {
  it('emitToolCallAttempt({ args: { q: "x" } }) and friends, through the offloaded sink', () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file);
    closers.push(() => sink.close());
    const audit = new AuditEmitter({ collector: sink, sessionId: 's' });
    audit.emitToolCallAttempt({ toolName: 'search', args: { q: 'x' } });
    audit.emitToolCallAttempt({ toolName: 'sum', args: [1, 2, 3] });
    audit.emitToolCallAttempt({ toolName: 'answer', args: 42 });
    audit.emitToolCallComplete({ toolName: 'search', durationMs: 1, result: { hits: 2, top: null } });
    audit.emitTurnStart({ prompt: { role: 'user', content: 'hi' } });
    audit.emitTurnEnd({ content: true, fcCount: 0 });
    audit.emitModelCall({ model: 'm', input: [{ role: 'user' }], output: { text: 'ok' } });
    sink.close();
    expect(
      readRecords(file).map(
        (record) =>
          record.arguments_preview ??
          record.result_preview ??
          record.prompt_preview ??
          record.content_preview ?? [record.input_preview, record.output_preview],
      ),
    ).toStrictEqual([
      '{"q":"x"}',
      '[1,2,3]',
      '42',
      '{"hits":2,"top":null}',
      '{"role":"user","content":"hi"}',
      'true',
      ['[{"role":"user"}]', '{"text":"ok"}'],
    ]);
  });
});

describe('a misspelled option: the error names the option meant', () => {
  /** The message of what `call` throws. */
  const messageOf = (call: () => unknown) => (thrownBy(call) as Error).message;

  it('a typo, a record key, a snake_case key; nothing suggested for another word', () => {
    const audit = new AuditEmitter(new InMemoryCollector());
    const loose = audit as unknown as Record<string, (args: object) => unknown>;
    const cases: [call: () => unknown, meant: string | null][] = [
      [() => loose.emitToolCallAttempt.call(audit, { toolNme: 'x' }), 'toolName'],
      [() => loose.emitError.call(audit, { errorMessage: 'x' }), 'errorMsg'],
      [() => loose.emitTurnEnd.call(audit, { functionCallsCount: 2 }), 'fcCount'],
      [() => loose.emitTurnEnd.call(audit, { function_calls_count: 2 }), 'fcCount'],
      [() => new TurnStartEvent({ prompt_preview: 'x' } as never), 'promptPreview'],
      [() => new AuditEmitter({ collecter: new InMemoryCollector() } as never), 'collector'],
      [
        () => new ThreadedJSONLSinkCollector(path.join(tempDir(), 'a.jsonl'), { rotaton: {} } as never),
        'rotation',
      ],
      [() => loose.emitToolCallAttempt.call(audit, { toolName: 'x', payload: 1 }), null],
    ];
    for (const [call, meant] of cases) {
      const message = messageOf(call);
      if (meant === null) expect(message).not.toContain('did you mean');
      else expect(message).toContain(`(did you mean "${meant}"?)`);
    }
  });

  it('a wrong value is shown short; a key that cannot be read is not shown at all', () => {
    const file = path.join(tempDir(), 'b.jsonl');
    expect(messageOf(() => new ThreadedJSONLSinkCollector(file, { retention: { maxFiles: 3 } }))).toBe(
      'Invalid option "retention": expected undefined unless rotation is set (it deletes rotated files), got {"maxFiles":3}',
    );
    const secret = `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(64)}\n-----END PRIVATE KEY-----\n`;
    const message = messageOf(
      () =>
        new ThreadedJSONLSinkCollector(file, {
          rotation: { maxBytes: 1 << 20 },
          integrity: { privateKey: secret },
        }),
    );
    expect(message).toMatch(
      new RegExp(
        `^Invalid option "integrity\\.privateKey": expected an Ed25519 private KeyObject or PEM, got text of ${secret.length} characters that Node cannot read as a key \\(.+\\)$`,
      ),
    );
    expect(message).not.toContain('AAAA');
  });
});
