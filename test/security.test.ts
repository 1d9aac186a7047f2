/**
 * What the offloaded sink does with paths and files: private mode for new files, only
 * regular files unless told otherwise (symlinks are followed, and what they point to must
 * pass the same check), and nothing from an event ever used as a path or a format string.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  AuditPathError,
  ThreadedJSONLSinkCollector,
  ToolCallAttemptEvent,
  TurnStartEvent,
} from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { thrownBy } from './support/assertions.js';
import { useTempDir } from './support/temp-files.js';
import {
  FIXED_TIMESTAMP,
  jsonlBytes,
  makeFifo,
  numberedEvent,
  readLines,
} from './support/threaded-sink-kit.js';

/** Lists every entry under `dir`, recursively, as relative paths. */
function tree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

describe('ThreadedJSONLSinkCollector: files, paths and what comes from events', () => {
  const tempDir = useTempDir('calute-security-');

  for (const mode of [
    { name: 'the default', options: {}, expected: 0o600 },
    { name: 'mode: 0o640', options: { mode: 0o640 }, expected: 0o640 },
  ]) {
    it(`constructor: a new file is created with ${mode.name} (0o${mode.expected.toString(8)})`, () => {
      const file = path.join(tempDir(), 'audit.jsonl');
      const sink = new ThreadedJSONLSinkCollector(file, mode.options);
      sink.emit(numberedEvent('mode', 0, FIXED_TIMESTAMP));
      sink.close();
      expect(fs.statSync(file).mode & 0o7777).toBe(mode.expected);
      expect(readLines(file)).toStrictEqual([numberedEvent('mode', 0, FIXED_TIMESTAMP).serialize()]);
    });
  }

  it('constructor: a symlink to a regular file is followed (documented choice): records land in the target', () => {
    const dir = tempDir();
    const target = path.join(dir, 'real.jsonl');
    fs.writeFileSync(target, '{"existing":true}\n');
    const link = path.join(dir, 'audit.jsonl');
    fs.symlinkSync(target, link);
    const sink = new ThreadedJSONLSinkCollector(link);
    const event = numberedEvent('link', 0, FIXED_TIMESTAMP);
    sink.emit(event);
    sink.close();
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readLines(target)).toStrictEqual(['{"existing":true}', event.serialize()]);
  });

  it('constructor: a symlink to a FIFO is refused like the FIFO itself, naming the path', () => {
    const dir = tempDir();
    const fifo = makeFifo(dir, 'target.fifo');
    const link = path.join(dir, 'audit.jsonl');
    fs.symlinkSync(fifo.path, link);
    const error = thrownBy(() => new ThreadedJSONLSinkCollector(link));
    fifo.close();
    expect(error).toBeInstanceOf(AuditPathError);
    expect(error).toMatchObject({ code: 'ERR_AUDIT_PATH', path: link });
    expect((error as Error).message).toBe(
      `Refusing to write audit log "${link}": it is a FIFO, not a regular file (set allowNonRegularFile to allow it)`,
    );
  });

  for (const kind of ['FIFO', 'character device'] as const) {
    it(`constructor: a ${kind} is refused naming the path and what it is; accepted with allowNonRegularFile: true`, () => {
      const fifo = kind === 'FIFO' ? makeFifo(tempDir()) : undefined;
      const target = fifo ? fifo.path : '/dev/null';
      const error = thrownBy(() => new ThreadedJSONLSinkCollector(target));
      expect(error).toBeInstanceOf(AuditPathError);
      expect(error).toMatchObject({ code: 'ERR_AUDIT_PATH', path: target });
      expect((error as Error).message).toBe(
        `Refusing to write audit log "${target}": it is a ${kind}, not a regular file (set allowNonRegularFile to allow it)`,
      );

      const sink = new ThreadedJSONLSinkCollector(target, { allowNonRegularFile: true });
      const lines = [0, 1, 2].map((seq) => numberedEvent('special', seq, FIXED_TIMESTAMP));
      for (const event of lines) sink.emit(event);
      sink.flush();
      expect(sink.stats()).toMatchObject({ writtenEvents: 3, pendingBytes: 0 });
      sink.close();
      if (fifo) {
        const expected = jsonlBytes(lines.map((event) => event.serialize()));
        expect(fifo.readUntil(expected.length).toString('utf8')).toBe(expected.toString('utf8'));
        fifo.close();
      }
    });
  }

  it("emit(): '../x', absolute paths and '%s' in an event's fields are written as text, never used as a path or format", () => {
    const root = tempDir();
    const folder = path.join(root, 'logs');
    fs.mkdirSync(folder);
    const file = path.join(folder, 'audit.jsonl');
    const outside = path.join(root, 'escaped.jsonl');
    const hostile = {
      timestamp: FIXED_TIMESTAMP,
      agentId: '../x',
      turnId: '../../escaped.jsonl',
      sessionId: outside,
      toolName: '%s%d%n%j%o',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell-style placeholder, written as text
      argumentsPreview: '${HOME} $(touch pwned) `id` %s',
      metadata: { '../key': '%s', path: '../x', file: outside, nested: ['%d', { '%n': '\0' }] },
    };
    const events = [
      new ToolCallAttemptEvent(hostile),
      new TurnStartEvent({
        timestamp: hostile.timestamp,
        agentId: hostile.agentId,
        turnId: hostile.turnId,
        sessionId: hostile.sessionId,
        metadata: hostile.metadata,
        promptPreview: '../../../../etc/passwd %s',
      }),
    ];
    const sink = new ThreadedJSONLSinkCollector(file);
    for (const event of events) sink.emit(event);
    sink.reopen();
    sink.flush();
    sink.close();

    // Only the configured file exists: nothing was created next to it or above it.
    expect(tree(root)).toStrictEqual(['logs', path.join('logs', 'audit.jsonl')]);
    expect(fs.existsSync(outside)).toBe(false);
    const lines = readLines(file);
    expect(lines).toStrictEqual(events.map((event) => event.serialize()));
    // The format directives are there verbatim, not formatted.
    const records = lines.map((line) => JSON.parse(line));
    expect(records[0]).toMatchObject({ agent_id: '../x', tool_name: '%s%d%n%j%o', session_id: outside });
    expect(records[0].metadata).toStrictEqual({
      '../key': '%s',
      path: '../x',
      file: outside,
      nested: ['%d', { '%n': '\0' }],
    });
  });
});
