/**
 * The synchronous JSONL sink: one record per line, written before `emit` returns. Simple and
 * exact, but the caller waits for a system call on every event; `ThreadedJSONLSinkCollector`
 * writes the same bytes without that wait.
 */
import fs from 'node:fs';
import type { AuditEvent } from './audit-event.js';
import type { AuditCollector } from './collector.js';
import { errors } from './errors.js';
import { declarationOfEvent } from './event-declaration.js';
import { openLogFile, pathOf } from './log-file.js';
import { checkBoolean, checkInteger, checkKnownKeys, checkOptionsObject } from './options.js';
import { DEFAULT_MAX_RECORD_BYTES, MIN_MAX_RECORD_BYTES } from './record-limits.js';

/** A stream this sink can write to: a Node `Writable` or anything with `write(string)`. */
export interface WritableLike {
  write(chunk: string): unknown;
}

export interface JSONLSinkOptions {
  /** Mode of a file this sink creates. @default 0o600 (prompts and tool arguments are sensitive) */
  mode?: number;
  /** Accept a FIFO, device or socket path. @default false */
  allowNonRegularFile?: boolean;
  /** Largest record in bytes; longer values are cut and marked. @default 1048576 (1 MiB) */
  maxRecordBytes?: number;
}

export const JSONL_SINK_DEFAULTS = {
  mode: 0o600,
  allowNonRegularFile: false,
  maxRecordBytes: DEFAULT_MAX_RECORD_BYTES,
} as const;

export class JSONLSinkCollector implements AuditCollector {
  readonly path: string | undefined;
  #fd = -1;
  #stream: WritableLike | undefined;
  #closed = false;
  readonly #maxRecordBytes: number;

  constructor(target: string | URL | WritableLike, options?: JSONLSinkOptions) {
    const raw = checkOptionsObject('options', options);
    checkKnownKeys('options', raw, Object.keys(JSONL_SINK_DEFAULTS));
    const mode = checkInteger('mode', raw.mode ?? JSONL_SINK_DEFAULTS.mode, 0, 0o7777);
    const allowNonRegularFile = checkBoolean(
      'allowNonRegularFile',
      raw.allowNonRegularFile ?? JSONL_SINK_DEFAULTS.allowNonRegularFile,
    );
    this.#maxRecordBytes = checkInteger(
      'maxRecordBytes',
      raw.maxRecordBytes ?? JSONL_SINK_DEFAULTS.maxRecordBytes,
      MIN_MAX_RECORD_BYTES,
      2 ** 30,
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
    const record = declarationOfEvent(event).encoder.encode(event, this.#maxRecordBytes);
    const start = record.prevBase;
    if (this.#stream) {
      this.#stream.write(record.buffer.toString('utf8', start, start + record.prevLength));
    } else {
      writeAll(this.#fd, record.buffer, start, record.prevLength);
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
function writeAll(fd: number, bytes: Buffer, start: number, length: number): void {
  let written = 0;
  while (written < length) written += fs.writeSync(fd, bytes, start + written, length - written);
}
