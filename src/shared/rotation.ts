/**
 * Rotation, done by the drain (the only thread that sees the byte stream) between two
 * records: the file at the base path is renamed to its rotated name (the UTC time of the
 * rotation between stem and extension, see src/trail/files.ts) and a fresh file with the
 * same mode takes the base path. By size: before the file would grow past `maxBytes` (a
 * single record larger than that gets a file of its own). By time: at the first record
 * boundary after each UTC hour or day, or every `interval` ms; an empty file is not rotated.
 */
import fs from 'node:fs';
import { openForAppend } from './open-file.js';
import type { RotationSettings } from './protocol.js';
import { rotatedPath } from './trail-names.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface Rotated {
  /** The new file at the base path. */
  readonly fd: number;
  /** Where the previous file went. */
  readonly rotatedPath: string;
}

export class Rotation {
  readonly settings: RotationSettings;
  /** When the current file is due by time (epoch ms); Infinity without a time policy. */
  #dueAt: number;

  /** `fileStartedMs`: when the current file was started (time policies count from it). */
  constructor(settings: RotationSettings, fileStartedMs: number) {
    this.settings = settings;
    this.#dueAt = this.#nextDue(fileStartedMs);
  }

  /** Bytes the current file may still take before a rotation by size. */
  room(fileSize: number): number {
    return this.settings.maxBytes > 0 ? this.settings.maxBytes - fileSize : Number.POSITIVE_INFINITY;
  }

  /** Whether a rotation by time is due; an empty file just moves its due time on. */
  dueByTime(nowMs: number, fileSize: number): boolean {
    if (nowMs < this.#dueAt) return false;
    if (fileSize > 0) return true;
    this.#dueAt = this.#nextDue(nowMs);
    return false;
  }

  /** Milliseconds until a rotation by time, for the drain's sleep (Infinity: none). */
  msUntilDue(nowMs: number): number {
    return Math.max(0, this.#dueAt - nowMs);
  }

  /**
   * Renames the base path to its rotated name and opens a fresh file there. Throws the
   * system error; if the rename succeeded but the open did not, `rotatedPath` says where the
   * file went (the caller keeps writing to the descriptor it has, now at that name).
   */
  rotate(nowMs: number, onRenamed: (rotatedPath: string) => void): Rotated {
    const base = this.settings.path;
    let micros = nowMs * 1000;
    let target = rotatedPath(base, micros);
    // Two rotations within a microsecond (an injected clock, a burst of rotate() calls): the
    // next microsecond, so that names stay unique and in order.
    while (fs.existsSync(target) || fs.existsSync(`${target}.gz`)) target = rotatedPath(base, ++micros);
    fs.renameSync(base, target);
    onRenamed(target);
    const { fd } = openForAppend(base, { mode: this.settings.mode, allowNonRegularFile: false });
    this.#dueAt = this.#nextDue(nowMs);
    return { fd, rotatedPath: target };
  }

  #nextDue(nowMs: number): number {
    const interval = this.settings.interval;
    if (interval === null) return Number.POSITIVE_INFINITY;
    if (interval === 'hourly') return (Math.floor(nowMs / HOUR_MS) + 1) * HOUR_MS;
    if (interval === 'daily') return (Math.floor(nowMs / DAY_MS) + 1) * DAY_MS;
    return nowMs + interval;
  }
}
