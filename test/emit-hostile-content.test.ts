/**
 * emit() never throws because of an event's content, and its cost is bounded by the record
 * cap (maxRecordBytes, 1 MiB by default), not by the content: a Proxy whose traps throw, a
 * revoked Proxy, a 100-million-character error message through the emitter, and a DAG of
 * shared objects that JSON would expand to gigabytes. Before, the Proxies made emit() throw,
 * and a DAG of 24 to 26 levels exhausted memory and crashed the process.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  AuditEmitter,
  type AuditEvent,
  JSONLSinkCollector,
  ThreadedJSONLSinkCollector,
  TurnStartEvent,
} from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { killChildrenAfterEach, runFixture } from './support/child-process.js';
import { useTempDir } from './support/temp-files.js';
import { parseLines, readLines } from './support/threaded-sink-kit.js';

const MAX_RECORD_BYTES = 1024 * 1024;

/** A Proxy whose every trap a serializer may use throws. */
function throwingProxy(): object {
  const fail = (trap: string) => () => {
    throw new Error(`${trap} trap`);
  };
  return new Proxy(
    { a: 1 },
    {
      get: fail('get'),
      has: fail('has'),
      ownKeys: fail('ownKeys'),
      getOwnPropertyDescriptor: fail('getOwnPropertyDescriptor'),
      getPrototypeOf: fail('getPrototypeOf'),
    },
  );
}

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({ a: 1 }, {});
  revoke();
  return proxy;
}

type SinkKind = 'ThreadedJSONLSinkCollector' | 'JSONLSinkCollector';
const makeSink = (kind: SinkKind, file: string) =>
  kind === 'ThreadedJSONLSinkCollector' ? new ThreadedJSONLSinkCollector(file) : new JSONLSinkCollector(file);

describe('emit() of hostile content: never throws, bounded by the record cap', () => {
  const tempDir = useTempDir('calute-hostile-');
  killChildrenAfterEach();

  for (const kind of ['ThreadedJSONLSinkCollector', 'JSONLSinkCollector'] as const) {
    it(`${kind}.emit() of Proxies in metadata (throwing traps, revoked): one record each, the Proxy written as "[Unserializable: ...]"`, () => {
      const file = path.join(tempDir(), 'audit.jsonl');
      const sink = makeSink(kind, file);
      const events: AuditEvent[] = [
        new TurnStartEvent({
          promptPreview: 'throwing',
          metadata: throwingProxy() as Record<string, unknown>,
        }),
        new TurnStartEvent({ promptPreview: 'nested', metadata: { proxy: throwingProxy(), kept: 1 } }),
        new TurnStartEvent({ promptPreview: 'revoked', metadata: { proxy: revokedProxy(), kept: 2 } }),
      ];
      for (const event of events) sink.emit(event);
      sink.close();
      expect(
        parseLines(readLines(file)).map((record) => [record.prompt_preview, record.metadata]),
      ).toStrictEqual([
        ['throwing', '[Unserializable: get trap]'],
        ['nested', { proxy: '[Unserializable: get trap]', kept: 1 }],
        [
          'revoked',
          { proxy: "[Unserializable: Cannot perform 'get' on a proxy that has been revoked]", kept: 2 },
        ],
      ]);
    });
  }

  // The metadata value itself a revoked Proxy: Array.isArray throws on it, so the emitter's
  // method and the event constructor's checks must not let that TypeError out.
  it('AuditEmitter.emitTurnStart({ metadata: a revoked Proxy }): no throw; the metadata written as "[Unserializable: ...]"', () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file);
    const audit = new AuditEmitter({ collector: sink, sessionId: 's-1' });
    try {
      audit.emitTurnStart({
        agentId: 'a1',
        prompt: 'revoked',
        metadata: revokedProxy() as Record<string, unknown>,
      });
    } finally {
      sink.close();
    }
    const [record] = parseLines(readLines(file));
    expect(record.metadata).toMatch(/^\[Unserializable: .*revoked\]$/);
  });

  it('AuditEmitter.emitError() with a 100,000,000-character message: emit returns, the record is cut to the cap and says so', () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file);
    const audit = new AuditEmitter({ collector: sink, sessionId: 's-1' });
    const message = 'e'.repeat(100_000_000);
    try {
      audit.emitError({ agentId: 'a1', errorType: 'Huge', errorMsg: message, context: 'ctx' });
      audit.emitError({ agentId: 'a1', errorType: 'Next', errorMsg: 'small' });
      sink.flush();
    } finally {
      sink.close();
    }
    const lines = readLines(file);
    expect(lines).toHaveLength(2);
    expect(Buffer.byteLength(lines[0]) + 1).toBeLessThanOrEqual(MAX_RECORD_BYTES);
    const [huge, next] = parseLines(lines);
    expect(huge).toMatchObject({
      event_type: 'error',
      error_type: 'Huge',
      error_context: 'ctx',
      session_id: 's-1',
    });
    expect(huge.error_message).toMatch(/^e+…\[truncated: 100000000 characters\]$/);
    expect(huge.error_message.length).toBeGreaterThan(MAX_RECORD_BYTES / 2);
    expect(next).toMatchObject({ error_type: 'Next', error_message: 'small' });
  });

  it('AuditEmitter: metadata of shared (not circular) objects is written as JSON.stringify writes it', () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file);
    const audit = new AuditEmitter({ collector: sink, sessionId: 's-1' });
    let node: object = { leaf: 'v' };
    for (let level = 0; level < 6; level++) node = { left: node, right: node };
    const metadata = { dag: node, again: node, list: [node, node] };
    try {
      audit.emitTurnStart({ agentId: 'a1', prompt: 'dag', metadata });
    } finally {
      sink.close();
    }
    expect(parseLines(readLines(file))[0].metadata).toStrictEqual(JSON.parse(JSON.stringify(metadata)));
  });

  it('AuditEmitter: metadata of a 26-level DAG of shared objects (gigabytes as JSON): emit returns, the record stops at the cap, the process lives', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    // A small heap (through NODE_OPTIONS, which the drain worker does not inherit): a
    // serializer that expands the graph dies of out-of-memory in the child, not in the runner.
    const ended = await runFixture('emit-shared-object-dag.mjs', [file, '26'], {
      env: { NODE_OPTIONS: '--max-old-space-size=256' },
      timeoutMs: 30_000,
    });
    expect(ended.timedOut).toBe(false);
    expect(ended.stderr).toBe('');
    expect(ended.code).toBe(0);
    expect(JSON.parse(ended.stdout).ms).toBeLessThan(5000);
    const text = fs.readFileSync(file, 'utf8');
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_RECORD_BYTES);
    const [record] = parseLines(readLines(file));
    expect(record).toMatchObject({ event_type: 'turn_start', prompt_preview: 'dag', session_id: 's-1' });
    // Written as JSON would write it (shared objects in full, no "[Circular]") up to the cap,
    // then one marker.
    expect(text).toContain('"metadata":{"dag":{"left":{"left":{"left":');
    expect(text).not.toContain('[Circular]');
    expect(text.match(/\[Truncated: over \d+ bytes\]/g)).toHaveLength(1);
  });
});
