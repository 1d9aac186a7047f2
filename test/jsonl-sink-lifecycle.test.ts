import path from 'node:path';
import { Writable } from 'node:stream';
import { AuditClosedError, AuditError, JSONLSinkCollector, TurnEndEvent, TurnStartEvent } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { openDescriptors } from './support/assertions.js';
import { readRecords, useTempDir } from './support/temp-files.js';

function collectingStream() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { stream, chunks };
}

describe('JSONLSinkCollector(path): close()', () => {
  const tempDir = useTempDir();

  it('close(): closes the file it opened; a second close() is a no-op', () => {
    const file = path.join(tempDir(), 'close.jsonl');
    const sink = new JSONLSinkCollector(file);
    expect(openDescriptors(file)).toBe(1);
    sink.emit(new TurnStartEvent({ promptPreview: 'one' }));
    sink.close();
    expect(openDescriptors(file)).toBe(0);
    expect(() => sink.close()).not.toThrow();
    expect(openDescriptors(file)).toBe(0);
    expect(readRecords(file).map((record) => record.prompt_preview)).toStrictEqual(['one']);
  });

  it('emit() after close(): AuditClosedError with a clear message, nothing written', () => {
    const file = path.join(tempDir(), 'closed.jsonl');
    const sink = new JSONLSinkCollector(file);
    sink.emit(new TurnStartEvent());
    sink.close();
    let thrown: unknown;
    try {
      sink.emit(new TurnEndEvent());
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AuditClosedError);
    expect(thrown).toBeInstanceOf(AuditError);
    expect((thrown as AuditClosedError).code).toBe('ERR_AUDIT_CLOSED');
    expect((thrown as Error).message).toBe('JSONLSinkCollector is closed: cannot emit or flush');
    expect(readRecords(file)).toHaveLength(1);
  });

  it('flush() before close(): the lines are there; flush() after close(): AuditClosedError', () => {
    const file = path.join(tempDir(), 'flush.jsonl');
    const sink = new JSONLSinkCollector(file);
    sink.emit(new TurnStartEvent());
    sink.flush();
    expect(readRecords(file)).toHaveLength(1);
    sink.close();
    expect(() => sink.flush()).toThrow(AuditClosedError);
  });
});

describe('JSONLSinkCollector(stream)', () => {
  it('a Writable: one chunk per record, each a whole line', async () => {
    const { stream, chunks } = collectingStream();
    const sink = new JSONLSinkCollector(stream);
    expect(sink.path).toBeUndefined();
    const written = [new TurnStartEvent({ promptPreview: 'a' }), new TurnEndEvent({ contentPreview: 'b' })];
    for (const event of written) sink.emit(event);
    await new Promise((resolve) => setImmediate(resolve));
    expect(chunks).toStrictEqual(written.map((event) => `${event.serialize()}\n`));
  });

  it('close(): leaves a stream it did not open open and writable; emit() after it throws', async () => {
    const { stream, chunks } = collectingStream();
    const sink = new JSONLSinkCollector(stream);
    sink.emit(new TurnStartEvent());
    sink.close();
    sink.close();
    expect(stream.writableEnded).toBe(false);
    expect(stream.destroyed).toBe(false);
    stream.write('still open\n');
    expect(() => sink.emit(new TurnStartEvent())).toThrow(AuditClosedError);
    await new Promise((resolve) => setImmediate(resolve));
    expect(chunks).toHaveLength(2);
    expect(chunks[1]).toBe('still open\n');
  });

  it('a WritableLike with write(string) and flush(): strings written, flush() passed on', () => {
    const lines: string[] = [];
    let flushes = 0;
    const target = {
      write(chunk: string) {
        lines.push(chunk);
      },
      flush() {
        flushes++;
      },
    };
    const sink = new JSONLSinkCollector(target);
    const event = new TurnStartEvent({ promptPreview: 'x' });
    sink.emit(event);
    expect(lines).toStrictEqual([`${event.serialize()}\n`]);
    expect(flushes).toBe(0);
    sink.flush();
    sink.flush();
    expect(flushes).toBe(2);
  });
});
