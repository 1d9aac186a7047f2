/** The offloaded sink's options: one type, one table of defaults, validated once. */
import { MAX_RING_SIZE, MIN_RING_SIZE } from '#shared/protocol.js';
import { errors } from './errors.js';
import {
  type IntegrityOptions,
  type ResolvedIntegrity,
  type ResolvedRetention,
  type ResolvedRotation,
  type RetentionOptions,
  type RotationOptions,
  resolveIntegrity,
  resolveRetention,
  resolveRotation,
} from './lifecycle-options.js';
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
   * `waitTimeoutMs`), or `'drop'` the record at once and count it (the trail gets an
   * `events_dropped` record before the next one kept).
   * @default 'wait'
   */
  onFull?: 'wait' | 'drop';
  /** Longest `emit` waits without the drain making progress, for space or the ring lock. @default 10000 */
  waitTimeoutMs?: number;
  /** Longest `flush()` (and the flush in `close()` or at exit) waits. @default 10000 */
  flushTimeoutMs?: number;
  /** `flush()` also fsyncs, so flushed records survive a power loss. @default false */
  fsync?: boolean;
  /** Mode of a file the sink creates. @default 0o600 */
  mode?: number;
  /** Accept a FIFO, device or socket path (opened non-blocking). @default false */
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
   * On SIGTERM and SIGINT, flush first. When the application has no listener of its own for
   * the signal, the process then ends by it as it would have; when it has one, ending is left
   * to it. @default true
   */
  handleSignals?: boolean;
  /** On SIGHUP, `reopen()` (for logrotate's `create` mode). @default false */
  reopenOnSighup?: boolean;
  /** Rotate the file by size and/or time (see the README's "The audit file's life"). @default none */
  rotation?: RotationOptions;
  /** Delete rotated files by count and/or age, never younger than a floor. Needs `rotation`. @default keep all */
  retention?: RetentionOptions;
  /** Gzip rotated files, off the drain's write path. Needs `rotation`. @default false */
  compress?: boolean;
  /** Keep a signed SHA-256 chain over every record in a sidecar file. @default off */
  integrity?: IntegrityOptions;
  /**
   * The drain worker's file, for bundled applications (see "Bundlers" in the README); a path
   * or a file URL. @default the package's own dist/worker/drain.js
   */
  drainWorker?: string | URL;
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
  reopenOnSighup: boolean;
  rotation: ResolvedRotation | null;
  retention: ResolvedRetention | null;
  compress: boolean;
  integrity: ResolvedIntegrity | null;
  drainWorker: string | URL | undefined;
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
  // 10 s, as thread-stream's blocking flush gives up (its 1 s slices, ten of them).
  waitTimeoutMs: 10_000,
  flushTimeoutMs: 10_000,
  fsync: false,
  mode: 0o600,
  allowNonRegularFile: false,
  maxRecordBytes: DEFAULT_MAX_RECORD_BYTES,
  drainIntervalMs: 5,
  handleSignals: true,
  reopenOnSighup: false,
  rotation: null,
  retention: null,
  compress: false,
  integrity: null,
  drainWorker: undefined,
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
  const rotation = resolveRotation(raw.rotation);
  const compress = checkBoolean('compress', get('compress'));
  if (compress && rotation === null)
    throw errors.option('compress', 'false unless rotation is set', compress);
  const retention = resolveRetention(raw.retention);
  if (retention !== null && rotation === null) {
    throw errors.option(
      'retention',
      'undefined unless rotation is set (it deletes rotated files)',
      raw.retention,
    );
  }
  const drainWorker = raw.drainWorker;
  if (
    drainWorker !== undefined &&
    !(typeof drainWorker === 'string' && drainWorker.length > 0) &&
    !(drainWorker instanceof URL)
  ) {
    throw errors.option('drainWorker', 'a file path or a file URL', drainWorker);
  }
  const integrity = resolveIntegrity(raw.integrity);
  const reopenOnSighup = checkBoolean('reopenOnSighup', get('reopenOnSighup'));
  if (integrity !== null && reopenOnSighup) throw errors.integrityOutsideRotation('"reopenOnSighup"');
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
    reopenOnSighup,
    rotation,
    retention,
    compress,
    integrity,
    drainWorker: drainWorker as string | URL | undefined,
    onError: raw.onError === undefined ? undefined : checkFunction('onError', raw.onError),
  };
}
