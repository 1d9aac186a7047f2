/** The offloaded sink's options: one type, one table of defaults, validated once. */
import { MAX_RING_SIZE, MIN_RING_SIZE } from '#shared/protocol.js';
import { errors } from './errors.js';
import {
  checkBoolean,
  checkFunction,
  checkInteger,
  checkKnownKeys,
  checkOneOf,
  checkOptionsObject,
} from './options.js';
import { DEFAULT_MAX_RECORD_BYTES, MIN_MAX_RECORD_BYTES } from './record-limits.js';

export interface ThreadedJSONLSinkOptions {
  /**
   * Bytes of shared memory between emitters and the drain; a power of two. Bounds the
   * sink's memory. 4 MiB holds about 12,000 typical records (about 350 bytes each).
   * @default 4194304
   */
  ringSize?: number;
  /**
   * What `emit` does when the ring is full: `'wait'` for space (nothing is lost; bounded by
   * `waitTimeoutMs`), or `'drop'` the record and count it in `stats().droppedEvents`.
   * @default 'wait'
   */
  onFull?: 'wait' | 'drop';
  /** Longest `emit` waits for ring space or the ring lock before throwing. @default 10000 */
  waitTimeoutMs?: number;
  /** Longest `flush()` (and the flush in `close()` or at exit) waits. @default 10000 */
  flushTimeoutMs?: number;
  /** `flush()` also fsyncs, so flushed records survive a power loss. @default false */
  fsync?: boolean;
  /** Mode of a file the sink creates. @default 0o600 */
  mode?: number;
  /** Accept a FIFO, device or socket path. @default false */
  allowNonRegularFile?: boolean;
  /**
   * Largest record in bytes: a longer one is written with its longest values cut and marked,
   * so one huge field cannot stall the emitting thread. @default 1048576 (1 MiB)
   */
  maxRecordBytes?: number;
  /**
   * How long the drain lets a batch build up after the ring runs empty before sleeping.
   * Producers never wake it during that time unless the ring is half full.
   * @default 5
   */
  drainIntervalMs?: number;
  /**
   * Flush on SIGTERM and SIGINT, then let the signal end the process as it would have.
   * @default false
   */
  handleSignals?: boolean;
  /**
   * Called with every error the sink reports asynchronously (write failures, a drain
   * worker that died). Without it, such errors are emitted as `'error'` events.
   */
  onError?: (error: Error) => void;
}

export interface ResolvedThreadedOptions {
  ringSize: number;
  onFull: 'wait' | 'drop';
  waitTimeoutMs: number;
  flushTimeoutMs: number;
  fsync: boolean;
  mode: number;
  allowNonRegularFile: boolean;
  maxRecordBytes: number;
  drainIntervalMs: number;
  handleSignals: boolean;
  onError: ((error: Error) => void) | undefined;
}

export const THREADED_DEFAULTS: Readonly<ResolvedThreadedOptions> = {
  // 4 MiB. Measured with `node .bench-dist/bench/end-to-end.bench.js --child threaded
  // --mode tight --events 1000000 --ring-size N`: 256 KiB ran at about 1.1-1.2 M events/s,
  // 1 MiB to 16 MiB at 1.2-1.8 M events/s (noise between runs is larger than the
  // differences). 4 MiB sits in that plateau with room for bursts from several producers,
  // and costs 4 MiB of memory.
  ringSize: 4 * 1024 * 1024,
  onFull: 'wait',
  waitTimeoutMs: 10_000,
  flushTimeoutMs: 10_000,
  fsync: false,
  mode: 0o600,
  allowNonRegularFile: false,
  maxRecordBytes: DEFAULT_MAX_RECORD_BYTES,
  drainIntervalMs: 5,
  handleSignals: false,
  onError: undefined,
};

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export function resolveThreadedOptions(options: unknown): ResolvedThreadedOptions {
  const raw = checkOptionsObject('options', options);
  checkKnownKeys('options', raw, Object.keys(THREADED_DEFAULTS));
  const get = <K extends keyof ResolvedThreadedOptions>(key: K): unknown =>
    raw[key] ?? THREADED_DEFAULTS[key];
  const ringSize = checkInteger('ringSize', get('ringSize'), MIN_RING_SIZE, MAX_RING_SIZE);
  if ((ringSize & (ringSize - 1)) !== 0) throw errors.option('ringSize', 'a power of two', ringSize);
  return {
    ringSize,
    onFull: checkOneOf('onFull', get('onFull'), ['wait', 'drop'] as const),
    waitTimeoutMs: checkInteger('waitTimeoutMs', get('waitTimeoutMs'), 0, MAX_TIMEOUT_MS),
    flushTimeoutMs: checkInteger('flushTimeoutMs', get('flushTimeoutMs'), 0, MAX_TIMEOUT_MS),
    fsync: checkBoolean('fsync', get('fsync')),
    mode: checkInteger('mode', get('mode'), 0, 0o7777),
    allowNonRegularFile: checkBoolean('allowNonRegularFile', get('allowNonRegularFile')),
    maxRecordBytes: checkInteger(
      'maxRecordBytes',
      get('maxRecordBytes'),
      MIN_MAX_RECORD_BYTES,
      MAX_RING_SIZE,
    ),
    drainIntervalMs: checkInteger('drainIntervalMs', get('drainIntervalMs'), 0, 1000),
    handleSignals: checkBoolean('handleSignals', get('handleSignals')),
    onError: raw.onError === undefined ? undefined : checkFunction('onError', raw.onError),
  };
}
