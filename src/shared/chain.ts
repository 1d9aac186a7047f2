/**
 * The integrity chain, kept by the drain (off the agent's thread) when the sink has
 * `integrity`: a SHA-256 chain over the exact bytes of every record it writes, with a signed
 * checkpoint in the sidecar file beside the audit file every N records, on flush, at
 * rotation and at close (format: checkpoint-format.ts). Each file's first entry links the
 * previous file's last hash, so a deleted or swapped file is found, not only an edited line.
 *
 * A drain that takes over (a restart, a new worker, the owner's fallback) resumes from the
 * sidecar's last entry: bytes the file holds after it (written before a crash) are hashed
 * into the next checkpoint, so the chain stays whole.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  type CheckpointEntry,
  encodeCrcs,
  entryTime,
  keyId,
  type SidecarEntry,
  type StartEntry,
  sidecarPath,
  signEntry,
  ZERO_HASH,
} from './checkpoint-format.js';
import type { RecordChain } from './drain-loop.js';
import type { DrainMessage, DrainSettings } from './protocol.js';
import { listTrailFiles } from './trail-names.js';

const NEWLINE = 0x0a;
/** Reading an existing file's tail (or counting its lines) goes in blocks this large. */
const READ_BLOCK = 1024 * 1024;

export function createChain(
  settings: DrainSettings,
  now: () => number,
  post: (message: DrainMessage) => void,
): RecordChain | null {
  if (settings.integrity === null) return null;
  return new Chain(settings, now, post);
}

interface ChainState {
  fileId: string;
  seq: number;
  /** Lines and bytes of the file taken into the chain so far (checkpointed or not). */
  lines: number;
  bytes: number;
  prevHash: string;
}

class Chain implements RecordChain {
  readonly #settings: DrainSettings;
  readonly #now: () => number;
  readonly #post: (message: DrainMessage) => void;
  readonly #privateKey: crypto.KeyObject;
  readonly #keyId: string;
  readonly #every: number;
  readonly #basePath: string;
  #sidecar: number;
  #state: ChainState;
  #hash: crypto.Hash;
  /** Where the interval since the last checkpoint began. */
  #firstLine: number;
  #firstByte: number;
  #crcs: number[] = [];
  /** The CRC of the line being written, and how many of its bytes came so far (0: at a line start). */
  #crc = 0;
  #partial = 0;

  constructor(settings: DrainSettings, now: () => number, post: (message: DrainMessage) => void) {
    this.#settings = settings;
    this.#now = now;
    this.#post = post;
    const { privateKey, checkpointEvery } = settings.integrity!;
    this.#privateKey = privateKey;
    this.#keyId = keyId(crypto.createPublicKey(privateKey));
    this.#every = checkpointEvery;
    this.#basePath = settings.path;
    const sidecar = sidecarPath(this.#basePath);
    let resumed = lastEntry(sidecar);
    if (resumed !== null && this.#finishInterruptedRotation(resumed)) resumed = null;
    this.#sidecar = fs.openSync(sidecar, 'a', settings.mode);
    this.#state = resumed === null ? this.#startFile() : stateAfter(resumed);
    this.#hash = crypto.createHash('sha256').update(Buffer.from(this.#state.prevHash, 'hex'));
    this.#firstLine = this.#state.lines + 1;
    this.#firstByte = this.#state.bytes;
    if (resumed !== null) this.#takeUnprotectedTail();
  }

  add(parts: readonly Buffer[]): number {
    let ended = 0;
    for (const part of parts) {
      let hashedFrom = 0;
      let start = 0;
      for (let end = part.indexOf(NEWLINE); end !== -1; end = part.indexOf(NEWLINE, start)) {
        this.#crcs.push(zlib.crc32(part.subarray(start, end), this.#crc) >>> 0);
        this.#crc = 0;
        this.#partial = 0;
        this.#state.lines++;
        ended++;
        start = end + 1;
        if (this.#crcs.length >= this.#every) {
          this.#hash.update(part.subarray(hashedFrom, start));
          this.#state.bytes += start - hashedFrom;
          hashedFrom = start;
          this.checkpoint();
        }
      }
      if (start < part.length) {
        this.#crc = zlib.crc32(part.subarray(start), this.#crc);
        this.#partial += part.length - start;
      }
      this.#hash.update(part.subarray(hashedFrom));
      this.#state.bytes += part.length - hashedFrom;
    }
    return ended;
  }

  /** A checkpoint for the whole lines taken since the last one, if any. */
  checkpoint(): void {
    if (this.#crcs.length === 0 || this.#partial > 0) return;
    const state = this.#state;
    const hash = this.#hash.digest('hex');
    const entry: CheckpointEntry = {
      v: 1,
      type: 'checkpoint',
      file_id: state.fileId,
      seq: ++state.seq,
      first_line: this.#firstLine,
      last_line: state.lines,
      first_byte: this.#firstByte,
      end_byte: state.bytes,
      prev_hash: state.prevHash,
      hash,
      crc: encodeCrcs(this.#crcs),
      time: entryTime(this.#now()),
      key: this.#keyId,
    };
    this.#append(entry);
    state.prevHash = hash;
    this.#hash = crypto.createHash('sha256').update(Buffer.from(hash, 'hex'));
    this.#firstLine = state.lines + 1;
    this.#firstByte = state.bytes;
    this.#crcs = [];
  }

  /** The audit file was renamed to `rotatedPath`: its sidecar follows, and the next file's chain starts. */
  rotated(rotatedPath: string): void {
    this.checkpoint();
    fs.closeSync(this.#sidecar);
    fs.renameSync(sidecarPath(this.#basePath), sidecarPath(rotatedPath));
    this.#sidecar = fs.openSync(sidecarPath(this.#basePath), 'a', this.#settings.mode);
    const previous = this.#state;
    this.#state = this.#writeStart({
      prevFileId: previous.fileId,
      prevName: path.basename(rotatedPath),
      prevHash: previous.prevHash,
      bytes: 0,
      lines: 0,
    });
    this.#hash = crypto.createHash('sha256').update(Buffer.from(this.#state.prevHash, 'hex'));
    this.#firstLine = 1;
    this.#firstByte = 0;
    this.#crcs = [];
  }

  close(): void {
    this.checkpoint();
    this.release();
  }

  release(): void {
    try {
      fs.closeSync(this.#sidecar);
    } catch {
      // Already closed (a worker's descriptors close when it ends).
    }
  }

  /**
   * A rotation renames the audit file, then its sidecar. A crash between the two leaves the
   * newest rotated file without a sidecar and the base sidecar describing it, while the base
   * path holds less than it covers (nothing, or a new empty file). That rotation is finished
   * here: the rotated file's bytes after the last entry are checkpointed, the sidecar follows
   * its file, and the base path's chain starts anew, linked to it. Returns whether it did.
   */
  #finishInterruptedRotation(entry: SidecarEntry): boolean {
    const state = stateAfter(entry);
    const newest = listTrailFiles(this.#basePath)
      .filter((file) => file.rotatedAt !== null)
      .at(-1);
    if (newest === undefined || newest.compressed || fs.existsSync(sidecarPath(newest.path))) return false;
    if (state.bytes === 0 || fileSize(this.#basePath) >= state.bytes || fileSize(newest.path) < state.bytes)
      return false;
    const sidecar = sidecarPath(this.#basePath);
    this.#sidecar = fs.openSync(sidecar, 'a', this.#settings.mode);
    this.#state = state;
    this.#hash = crypto.createHash('sha256').update(Buffer.from(state.prevHash, 'hex'));
    this.#firstLine = state.lines + 1;
    this.#firstByte = state.bytes;
    forEachBlock(newest.path, state.bytes, fileSize(newest.path), (block) => this.add([block]));
    this.checkpoint();
    fs.closeSync(this.#sidecar);
    fs.renameSync(sidecar, sidecarPath(newest.path));
    this.#crcs = [];
    this.#crc = 0;
    this.#partial = 0;
    this.#post({
      type: 'notice',
      code: 'CHAIN_ROTATION_FINISHED',
      message: `a rotation to ${newest.path} was cut short (its sidecar was still at ${sidecar}): finished now`,
    });
    return true;
  }

  /** A file without a sidecar: its chain starts here, linked to the newest rotated file's. */
  #startFile(): ChainState {
    const rotated = listTrailFiles(this.#basePath).filter((file) => file.rotatedAt !== null);
    const previousFile = rotated.at(-1);
    const previous = previousFile === undefined ? null : lastEntry(sidecarPath(previousFile.path));
    const { bytes, lines } = countLines(this.#basePath);
    return this.#writeStart({
      prevFileId: previous?.file_id ?? null,
      prevName: previousFile === undefined ? null : path.basename(previousFile.path.replace(/\.gz$/, '')),
      prevHash: previous === null ? ZERO_HASH : stateAfter(previous).prevHash,
      bytes,
      lines,
    });
  }

  #writeStart(link: {
    prevFileId: string | null;
    prevName: string | null;
    prevHash: string;
    bytes: number;
    lines: number;
  }): ChainState {
    const entry: StartEntry = {
      v: 1,
      type: 'start',
      file_id: crypto.randomBytes(8).toString('hex'),
      prev_file_id: link.prevFileId,
      prev_name: link.prevName,
      prev_hash: link.prevHash,
      byte: link.bytes,
      line: link.lines,
      time: entryTime(this.#now()),
      key: this.#keyId,
    };
    this.#append(entry);
    return { fileId: entry.file_id, seq: 0, lines: link.lines, bytes: link.bytes, prevHash: link.prevHash };
  }

  /** Bytes the file holds after the last entry (written before a crash) go into the next checkpoint. */
  #takeUnprotectedTail(): void {
    let size: number;
    try {
      size = fs.statSync(this.#basePath).size;
    } catch {
      return;
    }
    if (size < this.#state.bytes) {
      this.#post({
        type: 'notice',
        code: 'CHAIN_FILE_SHORTER',
        message: `${this.#basePath} holds ${size} bytes, fewer than its last checkpoint covers (${this.#state.bytes}): it was cut after being checkpointed`,
      });
      this.#state.bytes = size;
      this.#firstByte = size;
      return;
    }
    forEachBlock(this.#basePath, this.#state.bytes, size, (block) => this.add([block]));
  }

  #append(entry: SidecarEntry): void {
    fs.writeSync(this.#sidecar, signEntry(entry, this.#privateKey));
    if (this.#settings.handle.fsync) fs.fsyncSync(this.#sidecar);
  }
}

/** The state a drain resumes from, after `entry`. */
function stateAfter(entry: SidecarEntry): ChainState {
  return entry.type === 'start'
    ? { fileId: entry.file_id, seq: 0, lines: entry.line, bytes: entry.byte, prevHash: entry.prev_hash }
    : {
        fileId: entry.file_id,
        seq: entry.seq,
        lines: entry.last_line,
        bytes: entry.end_byte,
        prevHash: entry.hash,
      };
}

/**
 * The last whole entry of a sidecar, or null (none, or no sidecar). A last line a crash left
 * without its newline is ended with one (never removed) and the entry before it is used.
 */
function lastEntry(sidecar: string): SidecarEntry | null {
  let text: string;
  try {
    text = fs.readFileSync(sidecar, 'utf8');
  } catch {
    return null;
  }
  if (text.length > 0 && !text.endsWith('\n')) fs.appendFileSync(sidecar, '\n');
  const lines = text.split('\n');
  if (!text.endsWith('\n')) lines.pop();
  for (let index = lines.length - 1; index >= 0; index--) {
    if (lines[index] === '') continue;
    try {
      const entry = JSON.parse(lines[index]) as SidecarEntry;
      if (entry.v === 1 && (entry.type === 'start' || entry.type === 'checkpoint')) return entry;
    } catch {
      // A line that is not an entry: look further back.
    }
  }
  return null;
}

/** Calls `visit` with the file's bytes `[from, to)`, a block at a time. */
function forEachBlock(file: string, from: number, to: number, visit: (block: Buffer) => void): void {
  const fd = fs.openSync(file, 'r');
  try {
    const block = Buffer.allocUnsafe(READ_BLOCK);
    for (let position = from; position < to; ) {
      const read = fs.readSync(fd, block, 0, Math.min(READ_BLOCK, to - position), position);
      if (read === 0) break;
      visit(Buffer.from(block.subarray(0, read)));
      position += read;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** A file's size, 0 when it does not exist. */
function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** Bytes and whole lines a file already holds (integrity turned on for an existing file). */
function countLines(file: string): { bytes: number; lines: number } {
  let size = 0;
  try {
    size = fs.statSync(file).size;
  } catch {
    return { bytes: 0, lines: 0 };
  }
  let lines = 0;
  forEachBlock(file, 0, size, (block) => {
    for (let at = block.indexOf(NEWLINE); at !== -1; at = block.indexOf(NEWLINE, at + 1)) lines++;
  });
  return { bytes: size, lines };
}
