/**
 * The synchronous JSONL sink: one record per line, written before `emit` returns. Simple and
 * exact, but the caller waits for a system call on every event; `ThreadedJSONLSinkCollector`
 * writes the same bytes without that wait.
 */
import fs from 'node:fs';
import type { AuditCollector } from './collector.js';
import { errors } from './errors.js';
import type { AuditEvent } from './events.js';
import { openLogFile, pathOf } from './log-file.js';
import { checkBoolean, checkInteger, checkKnownKeys, checkOptionsObject } from './options.js';

/** A stream this sink can write to: a Node `Writable` or anything with `write(string)`. */
export interface WritableLike {
  write(chunk: string): unknown;
}

export interface JSONLSinkOptions {
  /** Mode of a file this sink creates. @default 0o600 (prompts and tool arguments are sensitive) */
  mode?: number;
  /** Accept a FIFO, device or socket path. @default false */
  allowNonRegularFile?: boolean;
}

export const JSONL_SINK_DEFAULTS = { mode: 0o600, allowNonRegularFile: false } as const;

export class JSONLSinkCollector implements AuditCollector {
  readonly path: string | undefined;
  #fd = -1;
  #stream: WritableLike | undefined;
  #closed = false;

  constructor(target: string | URL | WritableLike, options?: JSONLSinkOptions) {
    const raw = checkOptionsObject('options', options);
    checkKnownKeys('options', raw, Object.keys(JSONL_SINK_DEFAULTS));
    const mode = checkInteger('mode', raw.mode ?? JSONL_SINK_DEFAULTS.mode, 0, 0o7777);
    const allowNonRegularFile = checkBoolean(
      'allowNonRegularFile',
      raw.allowNonRegularFile ?? JSONL_SINK_DEFAULTS.allowNonRegularFile,
    );
    if (typeof target === 'string' || target instanceof URL) {
      if (typeof target === 'string' && target.length === 0) throw errors.badTarget(target);
      const file = openLogFile(target, { mode, allowNonRegularFile });
      this.#fd = file.fd;
      this.path = pathOf(target);
    } else if (typeof (target as WritableLike | null)?.write === 'function') {
      this.#stream = target;
    } else {
      throw errors.badTarget(target);
    }
  }

  emit(event: AuditEvent): void {
    if (this.#closed) throw errors.closed('JSONLSinkCollector');
    const line = `${event.serialize()}\n`;
    if (this.#stream) {
      this.#stream.write(line);
    } else {
      writeAll(this.#fd, line);
    }
  }

  /** Every line is handed to the OS as it is emitted; a stream is asked to flush if it can. */
  flush(): void {
    if (this.#closed) throw errors.closed('JSONLSinkCollector');
    const stream = this.#stream as { flush?: () => unknown } | undefined;
    if (typeof stream?.flush === 'function') stream.flush();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** Closes a file this sink opened; a stream passed in stays open. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#fd >= 0) fs.closeSync(this.#fd);
  }
}

/** `writeSync` may write less than asked (pipes, signals): loop until every byte is out. */
function writeAll(fd: number, line: string): void {
  const written = fs.writeSync(fd, line);
  if (written === line.length && line.length === Buffer.byteLength(line)) return;
  const bytes = Buffer.from(line);
  let offset = written;
  while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset);
}
