/** The options of the audit file's life: rotation, retention and integrity, checked at construction. */
import crypto from 'node:crypto';
import { errors } from './errors.js';
import { checkFunction, checkInteger, checkKnownKeys, checkOptionsObject } from './options.js';

export interface RotationOptions {
  /** Rotate before the file would grow past this many bytes (at least 4096). */
  maxBytes?: number;
  /** `'hourly'` and `'daily'` rotate at UTC hour and day boundaries; a number: every so many ms (at least 1000). */
  interval?: 'hourly' | 'daily' | number;
  /** The time in epoch ms, for tests of rotation by time; read on this thread about every 50 ms. @default Date.now */
  clock?: () => number;
}

export interface RetentionOptions {
  /** Keep at most this many rotated files (the active file is not counted). */
  maxFiles?: number;
  /** Delete rotated files older than this (by their rotation time). */
  maxAgeMs?: number;
  /**
   * Never delete a rotated file younger than this, whatever `maxFiles` says: the floor that a
   * misread unit (seconds for milliseconds) cannot go below by accident. Lower it on purpose.
   * @default 604800000 (7 days)
   */
  minAgeMs?: number;
}

export interface IntegrityOptions {
  /** The Ed25519 private key that signs checkpoints: a KeyObject or PEM text. */
  privateKey: crypto.KeyObject | string;
  /** A checkpoint after this many records (and on flush, rotation and close). @default 1000 */
  checkpointEvery?: number;
}

export interface ResolvedRotation {
  maxBytes: number;
  interval: 'hourly' | 'daily' | number | null;
  clock: (() => number) | null;
}

export interface ResolvedRetention {
  maxFiles: number | null;
  maxAgeMs: number | null;
  minAgeMs: number;
}

export interface ResolvedIntegrity {
  privateKey: crypto.KeyObject;
  checkpointEvery: number;
}

/** 7 days: a week of rotated files survives any retention setting unless lowered on purpose. */
export const DEFAULT_MIN_AGE_MS = 7 * 24 * 3_600_000;
/**
 * 1000 records: a checkpoint (one Ed25519 signature, about 55 µs here) per 1000 records costs
 * the drain well under 1% at a million records a second, and a crash leaves at most that many
 * records after the last checkpoint.
 */
const DEFAULT_CHECKPOINT_EVERY = 1000;
const MAX_INTEGER = Number.MAX_SAFE_INTEGER;

export function resolveRotation(value: unknown): ResolvedRotation | null {
  if (value === undefined) return null;
  const raw = checkOptionsObject('rotation', value);
  checkKnownKeys('rotation', raw, ['maxBytes', 'interval', 'clock']);
  const maxBytes =
    raw.maxBytes === undefined ? 0 : checkInteger('rotation.maxBytes', raw.maxBytes, 4096, MAX_INTEGER);
  let interval: ResolvedRotation['interval'] = null;
  if (raw.interval === 'hourly' || raw.interval === 'daily') interval = raw.interval;
  else if (typeof raw.interval === 'number')
    interval = checkInteger('rotation.interval', raw.interval, 1000, MAX_INTEGER);
  else if (raw.interval !== undefined)
    throw errors.option(
      'rotation.interval',
      "'hourly', 'daily' or milliseconds (at least 1000)",
      raw.interval,
    );
  if (maxBytes === 0 && interval === null) {
    throw errors.option('rotation', 'maxBytes and/or interval', 'neither');
  }
  const clock = raw.clock === undefined ? null : checkFunction<() => number>('rotation.clock', raw.clock);
  return { maxBytes, interval, clock };
}

export function resolveRetention(value: unknown): ResolvedRetention | null {
  if (value === undefined) return null;
  const raw = checkOptionsObject('retention', value);
  checkKnownKeys('retention', raw, ['maxFiles', 'maxAgeMs', 'minAgeMs']);
  const maxFiles =
    raw.maxFiles === undefined ? null : checkInteger('retention.maxFiles', raw.maxFiles, 1, MAX_INTEGER);
  const maxAgeMs =
    raw.maxAgeMs === undefined ? null : checkInteger('retention.maxAgeMs', raw.maxAgeMs, 0, MAX_INTEGER);
  const minAgeMs = checkInteger('retention.minAgeMs', raw.minAgeMs ?? DEFAULT_MIN_AGE_MS, 0, MAX_INTEGER);
  if (maxFiles === null && maxAgeMs === null)
    throw errors.option('retention', 'maxFiles and/or maxAgeMs', 'neither');
  if (maxAgeMs !== null && maxAgeMs < minAgeMs) {
    throw errors.option(
      'retention.maxAgeMs',
      `at least retention.minAgeMs (${minAgeMs} ms); lower minAgeMs too to keep files for less`,
      maxAgeMs,
    );
  }
  return { maxFiles, maxAgeMs, minAgeMs };
}

export function resolveIntegrity(value: unknown): ResolvedIntegrity | null {
  if (value === undefined) return null;
  const raw = checkOptionsObject('integrity', value);
  checkKnownKeys('integrity', raw, ['privateKey', 'checkpointEvery']);
  let privateKey: crypto.KeyObject;
  try {
    privateKey =
      raw.privateKey instanceof crypto.KeyObject
        ? raw.privateKey
        : crypto.createPrivateKey(raw.privateKey as string | Buffer);
  } catch (error) {
    throw errors.unreadableKey(
      'integrity.privateKey',
      'an Ed25519 private KeyObject or PEM',
      raw.privateKey,
      error,
    );
  }
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw errors.option(
      'integrity.privateKey',
      'an Ed25519 private key',
      `${privateKey.asymmetricKeyType} ${privateKey.type} key`,
    );
  }
  const checkpointEvery = checkInteger(
    'integrity.checkpointEvery',
    raw.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY,
    1,
    1_000_000,
  );
  return { privateKey, checkpointEvery };
}
