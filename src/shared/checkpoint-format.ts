/**
 * The sidecar of an audit file (`<file>.checkpoints`): one JSON line per entry, each signed
 * with Ed25519 over its own bytes. Written by the drain (chain.ts), read by
 * `verifyAuditTrail` (src/trail/verify.ts); this module is the one description of it.
 *
 *   {"v":1,"type":"start","file_id":"…","prev_file_id":null,"prev_name":null,
 *    "prev_hash":"00…00","byte":0,"line":0,"time":"…","key":"…","sig":"…"}
 *   {"v":1,"type":"checkpoint","file_id":"…","seq":1,"first_line":1,"last_line":1000,
 *    "first_byte":0,"end_byte":351234,"prev_hash":"…","hash":"…","crc":"…","time":"…",
 *    "key":"…","sig":"…"}
 *
 * - `start` opens a file's chain: `prev_hash` is the last `hash` of the file before it in the
 *   trail (`prev_file_id`, named `prev_name` when it was rotated), or 64 zeros for the first
 *   file of a trail; `byte`/`line` say how much the file already held that no checkpoint
 *   covers (integrity turned on for an existing file).
 * - A `checkpoint` covers lines `first_line`..`last_line` (1-based), bytes
 *   `[first_byte, end_byte)`: `hash` = SHA-256(bytes of `prev_hash` ‖ the exact bytes of
 *   those lines, newlines included), hex; `prev_hash` is the previous entry's hash (the
 *   start's `prev_hash` for the first). `crc` is the base64 of each line's CRC-32 (without its
 *   newline), 4 bytes big-endian each, so that a verifier can name the line that changed.
 * - `key` is the signing key's id (the first 16 hex digits of SHA-256 of its public key in
 *   SPKI DER); `sig` is the base64 Ed25519 signature of the line's bytes up to `,"sig":`,
 *   followed by `}`.
 */
import crypto from 'node:crypto';

export const SIDECAR_SUFFIX = '.checkpoints';
export const ZERO_HASH = '0'.repeat(64);
const SIG_MARK = ',"sig":"';

/** The sidecar of an audit file (a `.gz` file's is the plain name's). */
export function sidecarPath(auditFile: string): string {
  return `${auditFile.replace(/\.gz$/, '')}${SIDECAR_SUFFIX}`;
}

export function keyId(publicKey: crypto.KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return crypto.createHash('sha256').update(der).digest('hex').slice(0, 16);
}

export interface StartEntry {
  readonly v: 1;
  readonly type: 'start';
  readonly file_id: string;
  readonly prev_file_id: string | null;
  readonly prev_name: string | null;
  readonly prev_hash: string;
  readonly byte: number;
  readonly line: number;
  readonly time: string;
  readonly key: string;
}

export interface CheckpointEntry {
  readonly v: 1;
  readonly type: 'checkpoint';
  readonly file_id: string;
  readonly seq: number;
  readonly first_line: number;
  readonly last_line: number;
  readonly first_byte: number;
  readonly end_byte: number;
  readonly prev_hash: string;
  readonly hash: string;
  readonly crc: string;
  readonly time: string;
  readonly key: string;
}

export type SidecarEntry = StartEntry | CheckpointEntry;

/** The signed line (with its newline) for `entry`, whose keys are in the order written here. */
export function signEntry(entry: SidecarEntry, privateKey: crypto.KeyObject): string {
  const payload = JSON.stringify(entry);
  const signature = crypto.sign(null, Buffer.from(payload), privateKey).toString('base64');
  return `${payload.slice(0, -1)}${SIG_MARK}${signature}"}\n`;
}

/** Parses one sidecar line; `signed` says whether its signature holds for `publicKey`. */
export function readEntry(
  line: string,
  publicKey: crypto.KeyObject | null,
): { entry: SidecarEntry; signed: boolean } | null {
  const at = line.lastIndexOf(SIG_MARK);
  if (at === -1 || !line.endsWith('"}')) return null;
  const payload = `${line.slice(0, at)}}`;
  let entry: SidecarEntry;
  try {
    entry = JSON.parse(payload) as SidecarEntry;
  } catch {
    return null;
  }
  if (entry?.v !== 1 || (entry.type !== 'start' && entry.type !== 'checkpoint')) return null;
  let signed = false;
  if (publicKey !== null) {
    try {
      const signature = Buffer.from(line.slice(at + SIG_MARK.length, -2), 'base64');
      signed = crypto.verify(null, Buffer.from(payload), publicKey, signature);
    } catch {
      signed = false;
    }
  }
  return { entry, signed };
}

/** The CRC list of a checkpoint, as numbers. */
export function decodeCrcs(crc: string): Uint32Array {
  const bytes = Buffer.from(crc, 'base64');
  const out = new Uint32Array(bytes.length >>> 2);
  for (let index = 0; index < out.length; index++) out[index] = bytes.readUInt32BE(index * 4);
  return out;
}

export function encodeCrcs(crcs: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(crcs.length * 4);
  for (const [index, crc] of crcs.entries()) bytes.writeUInt32BE(crc >>> 0, index * 4);
  return bytes.toString('base64');
}

/** The time of an entry: UTC, microseconds. */
export function entryTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
