/**
 * Span and trace ids of an export, derived from the records, so that exporting the same
 * trail twice sends the same spans (backends keep one copy of a span id they already have).
 *
 * A record is known by the SHA-256 of its line: the same after the file is rotated, gzipped
 * or exported from another machine, and different for every record that differs in any byte
 * (each has its own microsecond timestamp). Identical lines (an event emitted twice within
 * one microsecond, or hand-made records sharing a fixed timestamp) are told apart by their
 * order among the records of that timestamp.
 */
import { createHash } from 'node:crypto';

/** Distinct lines remembered per timestamp; past it the count starts over (memory stays flat). */
const SAME_TIMESTAMP_LIMIT = 65_536;

export class RecordKeys {
  #timestamp: unknown;
  readonly #seen = new Map<string, number>();

  /** The key of the record on this line (`timestamp` is the record's). */
  next(line: string, timestamp: unknown): string {
    if (timestamp !== this.#timestamp || this.#seen.size >= SAME_TIMESTAMP_LIMIT) {
      this.#timestamp = timestamp;
      this.#seen.clear();
    }
    const hash = createHash('sha256').update(line).digest('hex');
    const earlier = this.#seen.get(hash) ?? 0;
    this.#seen.set(hash, earlier + 1);
    return earlier === 0 ? hash : `${hash}#${earlier}`;
  }
}

function idFrom(kind: string, key: string, hexLength: number): string {
  const id = createHash('sha256').update(`${kind}\u0000${key}`).digest('hex').slice(0, hexLength);
  // An all-zero id is invalid in OpenTelemetry; a hash gives one with probability 2^-64 at most.
  return /^0+$/.test(id) ? `${id.slice(0, -1)}1` : id;
}

/** 8 bytes, hex: the span opened by this record. */
export const spanIdFrom = (recordKey: string): string => idFrom('span', recordKey, 16);

/** 16 bytes, hex: the trace of this turn id (or of a record outside any turn). */
export const traceIdFrom = (traceKey: string): string => idFrom('trace', traceKey, 32);
