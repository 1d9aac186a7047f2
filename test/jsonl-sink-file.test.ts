import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  JSONLSinkCollector,
  SkillAuthoredEvent,
  ToolCallAttemptEvent,
  TurnEndEvent,
  TurnStartEvent,
} from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { readRecords, useTempDir } from './support/temp-files.js';

const events = () => [
  new TurnStartEvent({ agentId: 'a1', turnId: 't1', promptPreview: 'hello' }),
  new ToolCallAttemptEvent({
    agentId: 'a1',
    turnId: 't1',
    toolName: 'search',
    argumentsPreview: '{"q":"x"}',
  }),
  new SkillAuthoredEvent({ uniqueTools: ['read', 'write'], metadata: { n: 1n } }),
  new TurnEndEvent({ agentId: 'a1', turnId: 't1', functionCallsCount: 1 }),
];

describe('JSONLSinkCollector(path): one record per line', () => {
  const tempDir = useTempDir();

  for (const mode of ['string', 'URL'] as const) {
    it(`JSONLSinkCollector(${mode} path): each emit writes serialize() and a newline`, () => {
      const file = path.join(tempDir(), 'audit log é.jsonl');
      const sink = new JSONLSinkCollector(mode === 'string' ? file : pathToFileURL(file));
      expect(sink.path).toBe(file);
      const written = events();
      for (const event of written) sink.emit(event);
      sink.close();
      expect(fs.readFileSync(file, 'utf8')).toBe(written.map((event) => `${event.serialize()}\n`).join(''));
      expect(readRecords(file)).toStrictEqual(written.map((event) => event.toDict()));
    });
  }

  it('emit(): the line is in the file when emit returns, with no flush or close', () => {
    const file = path.join(tempDir(), 'sync.jsonl');
    const sink = new JSONLSinkCollector(file);
    const written = events();
    written.forEach((event, index) => {
      sink.emit(event);
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      expect(lines).toHaveLength(index + 2);
      expect(lines[index]).toBe(event.serialize());
    });
    sink.close();
  });

  it('multi-byte UTF-8 and a long line: written whole', () => {
    const file = path.join(tempDir(), 'utf8.jsonl');
    const sink = new JSONLSinkCollector(file);
    const long = `日本語 😀 ${'ü'.repeat(200_000)}`;
    sink.emit(new TurnStartEvent({ promptPreview: long }));
    sink.emit(new TurnStartEvent({ promptPreview: 'after' }));
    sink.close();
    expect(readRecords(file).map((record) => record.prompt_preview)).toStrictEqual([long, 'after']);
  });
});

describe('JSONLSinkCollector(path): append mode', () => {
  const tempDir = useTempDir();

  it('an existing file keeps its lines; new records follow them', () => {
    const file = path.join(tempDir(), 'existing.jsonl');
    fs.writeFileSync(file, '{"old":1}\n{"old":2}\n');
    const sink = new JSONLSinkCollector(file);
    sink.emit(new TurnStartEvent({ promptPreview: 'new' }));
    sink.close();
    const reopened = new JSONLSinkCollector(file);
    reopened.emit(new TurnEndEvent({ contentPreview: 'newer' }));
    reopened.close();
    const records = readRecords(file);
    expect(records).toHaveLength(4);
    expect(records.slice(0, 2)).toStrictEqual([{ old: 1 }, { old: 2 }]);
    expect(records[2].prompt_preview).toBe('new');
    expect(records[3].content_preview).toBe('newer');
  });

  it('two sinks open on one file: every write lands at the end, none overwrites another', () => {
    const file = path.join(tempDir(), 'shared.jsonl');
    const first = new JSONLSinkCollector(file);
    const second = new JSONLSinkCollector(file);
    for (let i = 0; i < 5; i++) {
      first.emit(new TurnStartEvent({ promptPreview: `first-${i}` }));
      second.emit(new TurnStartEvent({ promptPreview: `second-${i}` }));
    }
    first.close();
    second.close();
    expect(readRecords(file).map((record) => record.prompt_preview)).toStrictEqual(
      [0, 1, 2, 3, 4].flatMap((i) => [`first-${i}`, `second-${i}`]),
    );
  });
});

describe('JSONLSinkCollector(path): file mode', () => {
  const tempDir = useTempDir();
  const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

  it('a file it creates: mode 0o600 by default', () => {
    const file = path.join(tempDir(), 'private.jsonl');
    new JSONLSinkCollector(file).close();
    expect(modeOf(file)).toBe(0o600);
  });

  it('JSONLSinkCollector(path, { mode: 0o400 }): the given mode on creation', () => {
    const file = path.join(tempDir(), 'readonly.jsonl');
    const sink = new JSONLSinkCollector(file, { mode: 0o400 });
    sink.emit(new TurnStartEvent());
    sink.close();
    expect(modeOf(file)).toBe(0o400);
    expect(readRecords(file)).toHaveLength(1);
  });

  it('an existing file: its mode is left as it was', () => {
    const file = path.join(tempDir(), 'existing.jsonl');
    fs.writeFileSync(file, '', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    new JSONLSinkCollector(file).close();
    expect(modeOf(file)).toBe(0o644);
  });
});

describe('JSONLSinkCollector(path): a torn last line is kept and ended with a newline on open', () => {
  const tempDir = useTempDir();
  // This package never removes a byte from a file: the torn line stays, and readers report it.
  const cases: [name: string, before: string, torn: number][] = [
    ['a partial record after whole lines', '{"a":1}\n{"b":2}\n{"event_type":"tu', 17],
    ['a file with no newline at all', '{"event_type":"tu', 17],
    ['a whole record without its newline', '{"a":1}\n{"b":2}', 7],
    ['a torn line longer than the 64 KiB search block', `{"a":1}\n${'x'.repeat(150 * 1024)}`, 150 * 1024],
    ['only a torn line longer than the search block', 'y'.repeat(200 * 1024), 200 * 1024],
    ['a whole last line: nothing added', '{"a":1}\n{"b":2}\n', 0],
    ['an empty file: nothing added', '', 0],
  ];
  for (const [name, before, torn] of cases) {
    it(`open on ${name}`, async () => {
      const file = path.join(tempDir(), 'torn.jsonl');
      fs.writeFileSync(file, before);
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => warnings.push(warning);
      process.on('warning', onWarning);
      const sink = new JSONLSinkCollector(file);
      const after = torn > 0 ? `${before}\n` : before;
      expect(fs.readFileSync(file, 'utf8')).toBe(after);
      // The torn line is reported as a process warning naming the path and its length.
      await new Promise((resolve) => setImmediate(resolve));
      process.off('warning', onWarning);
      expect(warnings.map((warning) => warning.message)).toStrictEqual(
        torn > 0
          ? [
              `"${file}" ended in a torn line of ${torn} bytes (a write cut short by a crash); it was ended with a newline and kept`,
            ]
          : [],
      );
      const event = new TurnStartEvent({ promptPreview: 'next' });
      sink.emit(event);
      sink.close();
      expect(fs.readFileSync(file, 'utf8')).toBe(`${after}${event.serialize()}\n`);
    });
  }
});
