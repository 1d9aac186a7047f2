/**
 * What happens to rotated files, on the thread that owns the sink and off the drain's write
 * path: gzip (zlib's work runs on libuv's thread pool; this thread only moves chunks) and
 * retention. Both run after each rotation and once when the sink starts (a compression
 * that a crash interrupted is done again: the plain file stays until its `.gz` is complete,
 * synced and renamed into place).
 *
 * Retention deletes rotated files (with their checkpoint sidecars) beyond `maxFiles` or
 * older than `maxAgeMs`, never one younger than `minAgeMs`, and never the active file.
 * Every deletion is reported as a notice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { listTrailFiles, type TrailFile } from '#shared/trail-names.js';
import type { ResolvedRetention } from './lifecycle-options.js';

/** What the owner is told: a notice (`'rotated'`, `'compressed'`, `'deleted'`) or a failure. */
export interface LifecycleHooks {
  notice(notice: AuditNotice): void;
  failed(error: Error): void;
}

/** An event in the audit file's life, for the sink's `'notice'` listeners. */
export interface AuditNotice {
  /**
   * `'integrity'`: the chain found the trail in a state a crash leaves and said what it did
   * (a file shorter than its checkpoints, a rotation it finished).
   */
  readonly type: 'rotated' | 'compressed' | 'deleted' | 'rotation-failed' | 'integrity';
  /** The file concerned (the rotated file's new name, the `.gz`, the deleted file). */
  readonly path: string;
  readonly message: string;
}

export interface LifecycleOptions {
  readonly basePath: string;
  readonly mode: number;
  readonly compress: boolean;
  readonly retention: ResolvedRetention | null;
  readonly now: () => number;
  readonly hooks: LifecycleHooks;
}

/** The sidecar of checkpoints beside an audit file (see src/shared/chain.ts). */
export function sidecarOf(auditFile: string): string {
  return `${auditFile.replace(/\.gz$/, '')}.checkpoints`;
}

/**
 * Compressions under way in this process, by absolute path, whichever sink started them: a
 * sink closed with compressions still queued finishes them while a new sink on the same path
 * sweeps the same files at start, and each file must be compressed once.
 */
const compressing = new Map<string, Promise<void>>();

export class FileLifecycle {
  readonly #options: LifecycleOptions;
  /** One job at a time, in order: compressions, then retention. */
  #queue: Promise<void> = Promise.resolve();

  constructor(options: LifecycleOptions) {
    this.#options = options;
  }

  /** At start: compress what a crash left uncompressed, then apply retention. */
  sweep(): void {
    if (this.#options.compress) {
      for (const file of listTrailFiles(this.#options.basePath)) {
        if (file.rotatedAt !== null && !file.compressed) this.#enqueue(() => this.#compress(file.path));
      }
    }
    this.#enqueue(() => this.#applyRetention());
  }

  /** After the drain rotated the file to `rotatedPath`. */
  rotated(rotatedPath: string): void {
    if (this.#options.compress) this.#enqueue(() => this.#compress(rotatedPath));
    this.#enqueue(() => this.#applyRetention());
  }

  /** Resolves when every job queued so far is done (tests, and `closeAsync`). */
  settled(): Promise<void> {
    return this.#queue;
  }

  #enqueue(job: () => Promise<void> | void): void {
    this.#queue = this.#queue.then(job).catch((error: Error) => this.#options.hooks.failed(error));
  }

  async #compress(source: string): Promise<void> {
    const key = path.resolve(source);
    const running = compressing.get(key);
    if (running !== undefined) {
      // Another sink of this process compresses it: done when that is (its failure is its own).
      await running.catch(() => {});
      return;
    }
    if (!fs.existsSync(source)) return;
    const job = this.#gzip(source);
    compressing.set(key, job);
    try {
      await job;
    } finally {
      compressing.delete(key);
    }
  }

  async #gzip(source: string): Promise<void> {
    const target = `${source}.gz`;
    const partial = `${target}.partial`;
    try {
      await pipeline(
        fs.createReadStream(source),
        zlib.createGzip(),
        fs.createWriteStream(partial, { mode: this.#options.mode }),
      );
      // On disk before the plain file goes: a crash leaves one whole copy or the other.
      const handle = await fs.promises.open(partial, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.promises.rename(partial, target);
      await fs.promises.unlink(source);
      this.#options.hooks.notice({
        type: 'compressed',
        path: target,
        message: `compressed ${source} to ${target}`,
      });
    } catch (error) {
      // Only this compression's own unfinished copy: the plain file is whole and stays.
      await fs.promises.rm(partial, { force: true });
      throw error;
    }
  }

  async #applyRetention(): Promise<void> {
    const retention = this.#options.retention;
    if (retention === null) return;
    const now = this.#options.now();
    const rotated = listTrailFiles(this.#options.basePath).filter(
      (file): file is TrailFile & { rotatedAtMs: number } => file.rotatedAtMs !== null,
    );
    for (const [index, file] of rotated.entries()) {
      const age = now - file.rotatedAtMs;
      if (age < retention.minAgeMs || compressing.has(path.resolve(file.path))) continue;
      const tooMany = retention.maxFiles !== null && index < rotated.length - retention.maxFiles;
      const tooOld = retention.maxAgeMs !== null && age > retention.maxAgeMs;
      if (!tooMany && !tooOld) continue;
      await fs.promises.unlink(file.path);
      await fs.promises.rm(sidecarOf(file.path), { force: true });
      this.#options.hooks.notice({
        type: 'deleted',
        path: file.path,
        message: `retention deleted ${file.path} (${tooMany ? `more than ${retention.maxFiles} rotated files` : `older than ${retention.maxAgeMs} ms`})`,
      });
    }
  }
}
