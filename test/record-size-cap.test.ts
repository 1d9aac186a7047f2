/**
 * The record size cap (`maxRecordBytes` on the sinks, 1 MiB by default): one huge field (50
 * MB of metadata, a 100-million-character error message, a small graph of shared objects
 * that expands to gigabytes) is cut and marked, costs the emitting thread a bounded time,
 * and the record written is at most the cap, whole JSON, with its other fields intact. A
 * record under the cap is written exactly as without one. Times are measured with generous
 * bounds (the machine is shared); the figures are printed.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  AuditEmitter,
  type AuditEvent,
  AuditOptionError,
  connectCollector,
  DEFAULT_MAX_RECORD_BYTES,
  JSONLSinkCollector,
  ModelCallEvent,
  ThreadedJSONLSinkCollector,
  TurnStartEvent,
} from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-files.js';
import { splitLines } from './support/threaded-sink-kit.js';

const TIMESTAMP = '2025-06-15T14:30:00.123456+00:00';
/** Far above the few milliseconds these take, far below what serializing 50 MB costs. */
const BOUND_MS = 1000;

/** Emits `event` and a small one after it; returns the time of the first emit and both lines. */
function emitCapped(
  kind: 'threaded' | 'sync',
  file: string,
  event: AuditEvent,
  maxRecordBytes?: number,
): { ms: number; line: string; after: string } {
  const sink =
    kind === 'threaded'
      ? new ThreadedJSONLSinkCollector(file, { maxRecordBytes })
      : new JSONLSinkCollector(file, { maxRecordBytes });
  const next = new TurnStartEvent({ timestamp: TIMESTAMP, promptPreview: 'next' });
  const started = performance.now();
  sink.emit(event);
  const ms = performance.now() - started;
  sink.emit(next);
  sink.close();
  const lines = splitLines(fs.readFileSync(file));
  expect(lines).toHaveLength(2);
  expect(lines[1]).toBe(next.serialize());
  return { ms, line: lines[0], after: lines[1] };
}

/**
 * `count` copies of `char` as a flat string, as text read from a file or a socket is
 * (`String.prototype.repeat` makes a rope, whose first read flattens all of it: that cost
 * belongs to the test's input, not to emit).
 */
function flatText(char: string, count: number): string {
  return Buffer.alloc(count, char).toString('latin1');
}

/** About 50 MB of metadata in the shapes an agent passes: a text, many rows, a nested document. */
const FIFTY_MB: [name: string, make: () => Record<string, unknown>][] = [
  ['one 50 MB string', () => ({ transcript: 'x'.repeat(50_000_000) })],
  [
    '500,000 rows of 100 bytes',
    () => ({ rows: Array.from({ length: 500_000 }, (_, id) => ({ id, text: 'y'.repeat(80) })) }),
  ],
  [
    'a nested document, 1,000 sections of 500 paragraphs',
    () => ({
      document: Array.from({ length: 1_000 }, (_, section) => ({
        section,
        paragraphs: Array.from({ length: 500 }, () =>
          'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.slice(
            0,
            90,
          ),
        ),
      })),
    }),
  ],
];

describe('maxRecordBytes (default 1 MiB): a huge field is cut, marked, in bounded time', () => {
  const tempDir = useTempDir();

  it('DEFAULT_MAX_RECORD_BYTES is 1 MiB', () => {
    expect(DEFAULT_MAX_RECORD_BYTES).toBe(1024 * 1024);
  });

  for (const [name, make] of FIFTY_MB) {
    const metadata = make();
    let fullText: string | undefined;
    for (const kind of ['threaded', 'sync'] as const) {
      it(`${kind === 'threaded' ? 'ThreadedJSONLSinkCollector' : 'JSONLSinkCollector'}, metadata of ${name}: < ${BOUND_MS} ms, at most the cap, marked`, () => {
        const event = new TurnStartEvent({
          timestamp: TIMESTAMP,
          agentId: 'a1',
          promptPreview: 'kept',
          metadata,
        });
        const { ms, line } = emitCapped(kind, path.join(tempDir(), 'audit.jsonl'), event);
        const bytes = Buffer.byteLength(line);
        console.log(`record-size-cap: ${kind}, ${name}: ${ms.toFixed(1)} ms, ${bytes} bytes`);
        expect(ms).toBeLessThan(BOUND_MS);
        expect(bytes).toBeLessThanOrEqual(DEFAULT_MAX_RECORD_BYTES);
        const record = JSON.parse(line);
        expect(record).toMatchObject({ event_type: 'turn_start', agent_id: 'a1', prompt_preview: 'kept' });
        const marker = line.indexOf('"[Truncated: over ');
        expect(marker, 'the cut is marked').toBeGreaterThan(0);
        // What is kept is the start of the metadata as it would have been written whole.
        fullText ??= JSON.stringify(metadata);
        const head = line.slice(line.indexOf('"metadata":') + '"metadata":'.length, marker);
        expect(fullText.startsWith(head), 'the kept part is the start of the metadata').toBe(true);
      });
    }
  }

  it('a cut that falls on a number or a key is marked too: rows of numbers, a graph of shared objects', () => {
    let graph: Record<string, unknown> = { leaf: 'x'.repeat(16) };
    for (let level = 0; level < 26; level++) graph = { left: graph, right: graph };
    const unmarked: string[] = [];
    for (const [name, metadata] of [
      [
        '100,000 rows of numbers',
        { rows: Array.from({ length: 100_000 }, (_, id) => ({ id, score: id / 7, rank: id % 10 })) },
      ],
      ['a 26-level graph of shared objects', { graph }],
    ] as const) {
      const file = path.join(tempDir(), 'audit.jsonl');
      const { line } = emitCapped('sync', file, new TurnStartEvent({ timestamp: TIMESTAMP, metadata }));
      fs.rmSync(file);
      // Without a marker the record reads as if it held all of the value.
      if (!/"\[Truncated: over \d+ bytes\]"/.test(line))
        unmarked.push(`${name}: ${Buffer.byteLength(line)} bytes, no marker`);
    }
    expect(unmarked).toStrictEqual([]);
  });

  it('emitError with a 100,000,000-character message through the offloaded sink: < 1 s, at most the cap, the count in the marker', () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file);
    const audit = new AuditEmitter({ collector: sink, sessionId: 's-1' });
    const message = flatText('e', 100_000_000);
    const started = performance.now();
    audit.emitError({ timestamp: TIMESTAMP, errorType: 'Overflow', errorMsg: message, context: 'kept' });
    const ms = performance.now() - started;
    sink.close();
    console.log(`record-size-cap: emitError(100M characters): ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(BOUND_MS);
    const [line] = splitLines(fs.readFileSync(file));
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(DEFAULT_MAX_RECORD_BYTES);
    const record = JSON.parse(line);
    expect(record).toMatchObject({ error_type: 'Overflow', error_context: 'kept', session_id: 's-1' });
    expect(record.error_message).toMatch(/^e+…\[truncated: 100000000 characters\]$/);
    expect(record.error_message.length).toBeGreaterThan(DEFAULT_MAX_RECORD_BYTES / 2);
  });

  it('serialize() of that event: the same cap, in bounded time', () => {
    const event = new TurnStartEvent({ timestamp: TIMESTAMP, promptPreview: flatText('p', 100_000_000) });
    const started = performance.now();
    const text = event.serialize();
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(DEFAULT_MAX_RECORD_BYTES);
    expect(JSON.parse(text).prompt_preview).toMatch(/…\[truncated: 100000000 characters\]$/);
  });

  it('a graph of 26 levels of shared objects (2^26 paths): cut at the budget, memory and time bounded', () => {
    let node: Record<string, unknown> = { leaf: 'x'.repeat(16) };
    for (let level = 0; level < 26; level++) node = { left: node, right: node };
    const event = new TurnStartEvent({
      timestamp: TIMESTAMP,
      promptPreview: 'kept',
      metadata: { graph: node },
    });
    const rssBefore = process.memoryUsage().rss;
    const { ms, line } = emitCapped('threaded', path.join(tempDir(), 'audit.jsonl'), event);
    const grewMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    console.log(`record-size-cap: 26-level shared graph: ${ms.toFixed(1)} ms, RSS +${grewMb.toFixed(0)} MB`);
    expect(ms).toBeLessThan(BOUND_MS);
    // Written out in full it would be gigabytes.
    expect(grewMb).toBeLessThan(256);
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(DEFAULT_MAX_RECORD_BYTES);
    expect(JSON.parse(line).prompt_preview).toBe('kept');
  });
});

describe('maxRecordBytes set: records at most the cap, whatever fills them', () => {
  const tempDir = useTempDir();
  const CAP = 4096;

  it('a record under the cap: byte-identical to the one written with no practical cap', () => {
    const event = new TurnStartEvent({
      timestamp: TIMESTAMP,
      promptPreview: 'é'.repeat(1000),
      metadata: { rows: Array.from({ length: 20 }, (_, id) => ({ id, text: 'z'.repeat(50) })) },
    });
    const capped = emitCapped('sync', path.join(tempDir(), 'capped.jsonl'), event, CAP).line;
    const uncapped = emitCapped('sync', path.join(tempDir(), 'uncapped.jsonl'), event, 2 ** 30).line;
    expect(Buffer.byteLength(capped)).toBeLessThan(CAP);
    expect(capped).toBe(uncapped);
    expect(capped).toBe(event.serialize());
  });

  it('one long text field, both sinks and a connected collector: at most the cap, marked', () => {
    const event = new TurnStartEvent({
      timestamp: TIMESTAMP,
      promptPreview: 'p'.repeat(100_000),
      agentId: 'a1',
    });
    for (const kind of ['threaded', 'sync'] as const) {
      const { line } = emitCapped(kind, path.join(tempDir(), `${kind}.jsonl`), event, CAP);
      expect(Buffer.byteLength(line), kind).toBeLessThanOrEqual(CAP);
      expect(JSON.parse(line).prompt_preview).toMatch(/^p+…\[truncated: 100000 characters\]$/);
    }
    const file = path.join(tempDir(), 'connected.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file, { maxRecordBytes: CAP });
    connectCollector(sink.handle).emit(event);
    sink.close();
    const [line] = splitLines(fs.readFileSync(file));
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(CAP);
  });

  // Every text field long: the cap is shared out among them.
  const everyFieldLong = (text: string) =>
    new ModelCallEvent({
      timestamp: TIMESTAMP,
      agentId: text,
      turnId: text,
      sessionId: text,
      metadata: { note: text },
      provider: text,
      model: text,
      operation: text,
      finishReason: text,
      responseModel: text,
      responseId: text,
      inputPreview: text,
      outputPreview: text,
    });

  it('every text field of a model_call long (ASCII, CJK, emoji), maxRecordBytes 1024 and 4096: at most the cap, whole JSON', () => {
    const oversize: string[] = [];
    for (const [name, text] of [
      ['ASCII', 'a'.repeat(20_000)],
      ['CJK (3 bytes a character)', '中'.repeat(20_000)],
      ['emoji (4 bytes a character)', '😀'.repeat(10_000)],
    ] as const) {
      for (const cap of [1024, CAP]) {
        const file = path.join(tempDir(), 'audit.jsonl');
        const { line } = emitCapped('sync', file, everyFieldLong(text), cap);
        fs.rmSync(file);
        expect(() => JSON.parse(line)).not.toThrow();
        const bytes = Buffer.byteLength(line);
        if (bytes > cap) oversize.push(`${name}, cap ${cap}: ${bytes} bytes`);
      }
    }
    expect(oversize).toStrictEqual([]);
  });

  it('three fields of a million CJK characters, the default cap: at most 1 MiB', () => {
    const text = '中'.repeat(1_000_000);
    const event = new TurnStartEvent({
      timestamp: TIMESTAMP,
      agentId: text,
      promptPreview: text,
      metadata: { text },
    });
    const { line } = emitCapped('threaded', path.join(tempDir(), 'audit.jsonl'), event);
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(DEFAULT_MAX_RECORD_BYTES);
  });

  const bad: [name: string, value: unknown][] = [
    ['below the minimum', 1023],
    ['not an integer', 4096.5],
    ['text', '4096'],
    ['over 2^30', 2 ** 30 + 1],
  ];
  for (const [name, value] of bad) {
    it(`maxRecordBytes ${name}: AuditOptionError naming it, from both sinks`, () => {
      const file = path.join(tempDir(), 'audit.jsonl');
      for (const make of [
        () => new JSONLSinkCollector(file, { maxRecordBytes: value as number }),
        () => new ThreadedJSONLSinkCollector(file, { maxRecordBytes: value as number }),
      ]) {
        expect(make).toThrow(AuditOptionError);
        expect(make).toThrow('Invalid option "maxRecordBytes"');
      }
    });
  }
});
