/**
 * Helpers for the tests of the audit file's life (rotation, retention, compression,
 * integrity): a signing key, a clock the test moves, the notices a sink gives, and a trail's
 * files read back in order (gzipped ones decompressed).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { ThreadedJSONLSinkCollector } from 'calute-audit';
import { listTrailFiles } from 'calute-audit/trail';

/** A notice as the sink gives it to `'notice'` listeners. */
export interface Notice {
  readonly type: string;
  readonly path: string;
  readonly message: string;
}

/** A fresh Ed25519 key pair. */
export function keyPair(): { privateKey: crypto.KeyObject; publicKey: crypto.KeyObject } {
  return crypto.generateKeyPairSync('ed25519');
}

/** Every notice the sink gives from now on, in order. */
export function collectNotices(sink: ThreadedJSONLSinkCollector): Notice[] {
  const notices: Notice[] = [];
  // on()'s listener type does not say what each event carries (a notice here): cast.
  const listener = (notice: Notice) => {
    notices.push(notice);
  };
  sink.on('notice', listener as () => void);
  return notices;
}

/**
 * A clock the test sets (`rotation.clock`). The sink reads it about every 50 ms into shared
 * memory; `published()` waits long enough for the drain to see the value set last.
 */
export class TestClock {
  now: number;
  constructor(start: number) {
    this.now = start;
  }
  readonly read = (): number => this.now;
  set(epochMs: number): void {
    this.now = epochMs;
  }
  advance(ms: number): void {
    this.now += ms;
  }
  /** Three of the sink's 50 ms publication periods. */
  async published(): Promise<void> {
    await delay(150);
  }
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `predicate` every 10 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitUntil(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(10);
  }
}

/**
 * Waits until the owner has been told of every rotation the drain did (the `'rotated'`
 * notices), then until the compression and retention they queued are done.
 */
export async function lifecycleDone(
  sink: ThreadedJSONLSinkCollector,
  notices: readonly Notice[],
): Promise<void> {
  await waitUntil(
    () => notices.filter((notice) => notice.type === 'rotated').length === sink.stats().rotations,
    `${sink.stats().rotations} 'rotated' notices`,
  );
  await sink.settled();
}

/** The bytes of a trail file, decompressed when it is gzipped. */
export function fileBytes(file: string): Buffer {
  const bytes = fs.readFileSync(file);
  return file.endsWith('.gz') ? zlib.gunzipSync(bytes) : bytes;
}

/** A file's lines without their newlines; throws if it does not end with one. */
export function fileLines(file: string): string[] {
  const bytes = fileBytes(file);
  if (bytes.length === 0) return [];
  if (bytes[bytes.length - 1] !== 0x0a) throw new Error(`${file} does not end with a newline`);
  return bytes.subarray(0, -1).toString('utf8').split('\n');
}

/** The trail's files in `listTrailFiles` order, each with its lines. */
export function trailContents(base: string): { path: string; name: string; lines: string[] }[] {
  return listTrailFiles(base).map((file) => ({
    path: file.path,
    name: path.basename(file.path),
    lines: fileLines(file.path),
  }));
}

/** Every line of the trail, file after file. */
export function trailLines(base: string): string[] {
  return trailContents(base).flatMap((file) => file.lines);
}

/** The names in a directory, sorted. */
export function namesIn(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

/** The rotated name of the file at `base`'s directory rotated at `epochMs` (the naming scheme). */
export const ROTATED_NAME = /^audit\.(\d{8})T(\d{6})\.(\d{6})Z\.jsonl$/;
