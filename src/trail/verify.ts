/**
 * `verifyAuditTrail`: checks an audit trail against its signed checkpoints (the sidecar
 * format of src/shared/checkpoint-format.ts) and names, with file and line, each record that
 * was modified, removed, inserted or reordered, each missing or swapped file, each bad
 * signature, what follows the last checkpoint (unprotected) and a torn last line.
 *
 * What it cannot see: a rewrite by someone holding the signing key (they can sign a new
 * chain), and the removal of the oldest files of a trail (retention does the same) unless
 * `requireGenesis` says the trail must start with its first file.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  type CheckpointEntry,
  decodeCrcs,
  keyId,
  readEntry,
  type StartEntry,
  sidecarPath,
} from '#shared/checkpoint-format.js';
import { listTrailFiles } from '#shared/trail-names.js';
import { alignLines } from './align.js';
import { LineQueue, type RawLine } from './lines.js';

export interface VerifyOptions {
  /**
   * The Ed25519 public key (a KeyObject or PEM) whose private key signed the checkpoints.
   * Without it the chain, the links between files and every line are still checked, but
   * not who signed them (a warning says so).
   */
  publicKey?: crypto.KeyObject | string;
  /** The trail must begin with its first file: a deleted oldest file is then an error, not a warning. */
  requireGenesis?: boolean;
}

export type ProblemKind =
  | 'modified'
  | 'removed'
  | 'inserted'
  | 'reordered'
  | 'missing-file'
  | 'swapped-file'
  | 'bad-signature'
  | 'bad-sidecar'
  | 'broken-chain'
  | 'no-sidecar'
  | 'trail-start'
  | 'uncovered'
  | 'unprotected-tail'
  | 'torn-line'
  | 'unsigned'
  | 'key-changed'
  | 'unreadable';

export interface VerifyProblem {
  readonly kind: ProblemKind;
  /** Errors fail the verification; warnings are reported and do not. */
  readonly severity: 'error' | 'warning';
  readonly file: string;
  /** The line in the audit file (or in the sidecar, for sidecar problems), when there is one. */
  readonly line: number | null;
  readonly message: string;
}

export interface VerifiedFile {
  readonly path: string;
  readonly lines: number;
  readonly checkpoints: number;
  readonly errors: number;
}

export interface VerifyReport {
  readonly ok: boolean;
  /** 0: no error (warnings allowed); 1: the trail fails verification; 2: it could not be read. */
  readonly exitCode: 0 | 1 | 2;
  readonly files: readonly VerifiedFile[];
  readonly problems: readonly VerifyProblem[];
}

/** Extra lines looked at past a checkpoint's end when its lines moved: as many as it has, at most this many. */
const MAX_SLACK = 10_000;

interface Sidecar {
  readonly start: StartEntry;
  readonly checkpoints: readonly CheckpointEntry[];
}

/** Verifies the trail at `target` (a base path: every file of it, or a single file). */
export async function verifyAuditTrail(target: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const publicKey = options.publicKey === undefined ? null : toPublicKey(options.publicKey);
  const files = trailFiles(target);
  const problems: VerifyProblem[] = [];
  if (publicKey === null) {
    problems.push({
      kind: 'unsigned',
      severity: 'warning',
      file: target,
      line: null,
      message: 'no public key given: the chain and every line were checked, not who signed the checkpoints',
    });
  }
  const verified: VerifiedFile[] = [];
  if (files.length === 0) {
    return report(
      [],
      [
        {
          kind: 'unreadable',
          severity: 'error',
          file: target,
          line: null,
          message: `no audit file at ${target}`,
        },
      ],
      true,
    );
  }
  const ids = new Map<string, string>();
  const sidecars = files.map((file) => readSidecar(file, publicKey, problems));
  files.forEach((file, index) => {
    const sidecar = sidecars[index];
    if (sidecar !== null) ids.set(sidecar.start.file_id, file);
  });
  let previous: { file: string; id: string; hash: string } | null = null;
  let unreadable = false;
  let signer: { file: string; key: string } | null = null;
  for (const [index, file] of files.entries()) {
    const sidecar = sidecars[index];
    if (sidecar !== null && publicKey === null) signer = checkSigner(file, sidecar, signer, problems);
    const before = problems.filter((problem) => problem.severity === 'error').length;
    if (sidecar === null) {
      previous = null;
      verified.push({ path: file, lines: 0, checkpoints: 0, errors: 1 });
      continue;
    }
    // After a file whose sidecar is missing (reported already), the link to it cannot be
    // checked; the file is here, so the trail does not begin at the next one.
    const afterMissingSidecar = index > 0 && sidecars[index - 1] === null;
    if (!afterMissingSidecar) {
      checkLink(file, sidecar.start, previous, ids, options.requireGenesis === true, problems);
    }
    checkSidecarChain(file, sidecar, problems);
    let lines = 0;
    try {
      lines = await checkContent(file, sidecar, problems);
    } catch (error) {
      unreadable = true;
      problems.push({
        kind: 'unreadable',
        severity: 'error',
        file,
        line: null,
        message: `cannot read ${file}: ${(error as Error).message}`,
      });
    }
    const errors = problems.filter((problem) => problem.severity === 'error').length - before;
    verified.push({ path: file, lines, checkpoints: sidecar.checkpoints.length, errors });
    previous = {
      file,
      id: sidecar.start.file_id,
      hash: sidecar.checkpoints.at(-1)?.hash ?? sidecar.start.prev_hash,
    };
  }
  return report(verified, problems, unreadable);
}

/**
 * Without a public key, who signed is not checked; a trail whose key changes from one file
 * to the next (or within one) is still worth a word: a key rotated between two runs, or a
 * file re-signed by someone else. Returns the file's signer.
 */
function checkSigner(
  file: string,
  sidecar: Sidecar,
  before: { file: string; key: string } | null,
  problems: VerifyProblem[],
): { file: string; key: string } {
  const key = sidecar.start.key;
  const other = sidecar.checkpoints.find((checkpoint) => checkpoint.key !== key)?.key;
  const changedFrom = other !== undefined ? key : before !== null && before.key !== key ? before.key : null;
  if (changedFrom !== null) {
    problems.push({
      kind: 'key-changed',
      severity: 'warning',
      file,
      line: null,
      message: `${file} is signed by key ${other ?? key}, ${other !== undefined ? 'its start entry' : before?.file} by key ${changedFrom}: a key rotated between runs, or a file re-signed by someone else (give the public key to tell)`,
    });
  }
  return { file, key: other ?? key };
}

function report(files: VerifiedFile[], problems: VerifyProblem[], unreadable: boolean): VerifyReport {
  const failed = problems.some((problem) => problem.severity === 'error');
  return { ok: !failed, exitCode: unreadable ? 2 : failed ? 1 : 0, files, problems };
}

function toPublicKey(key: crypto.KeyObject | string): crypto.KeyObject {
  const object =
    typeof key === 'string'
      ? crypto.createPublicKey(key)
      : key.type === 'private'
        ? crypto.createPublicKey(key)
        : key;
  if (object.asymmetricKeyType !== 'ed25519') throw new TypeError('publicKey: expected an Ed25519 key');
  return object;
}

/** A base path gives its whole trail (a single file, rotated or not, gives itself). */
function trailFiles(target: string): string[] {
  return listTrailFiles(target).map((file) => file.path);
}

function readSidecar(
  file: string,
  publicKey: crypto.KeyObject | null,
  problems: VerifyProblem[],
): Sidecar | null {
  const sidecar = sidecarPath(file);
  let text: string;
  try {
    text = fs.readFileSync(sidecar, 'utf8');
  } catch {
    problems.push({
      kind: 'no-sidecar',
      severity: 'error',
      file,
      line: null,
      message: `${file} has no checkpoints (${path.basename(sidecar)} is missing)`,
    });
    return null;
  }
  const id = publicKey === null ? null : keyId(publicKey);
  let start: StartEntry | null = null;
  const checkpoints: CheckpointEntry[] = [];
  const unsigned: number[] = [];
  let otherKey: string | null = null;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [index, line] of lines.entries()) {
    if (line === '') continue;
    const read = readEntry(line, publicKey);
    if (read === null) {
      problems.push({
        kind: 'bad-sidecar',
        severity: 'error',
        file: sidecar,
        line: index + 1,
        message: `line ${index + 1} of ${sidecar} is not a checkpoint entry`,
      });
      continue;
    }
    if (publicKey !== null && !read.signed) {
      unsigned.push(index + 1);
      if (read.entry.key !== id) otherKey = read.entry.key;
    }
    if (read.entry.type === 'start') start ??= read.entry;
    else checkpoints.push(read.entry);
  }
  if (unsigned.length > 0) {
    const other = otherKey === null ? '' : ` (signed by key ${otherKey}, not ${id})`;
    problems.push({
      kind: 'bad-signature',
      severity: 'error',
      file: sidecar,
      line: unsigned[0],
      message: `${unsigned.length} of ${lines.length} entries of ${sidecar} have a bad signature, the first at line ${unsigned[0]}${other}`,
    });
  }
  if (start === null) {
    problems.push({
      kind: 'bad-sidecar',
      severity: 'error',
      file: sidecar,
      line: null,
      message: `${sidecar} has no start entry`,
    });
    return null;
  }
  return { start, checkpoints };
}

/** The file's first entry must link the file before it in the trail. */
function checkLink(
  file: string,
  start: StartEntry,
  previous: { file: string; id: string; hash: string } | null,
  ids: ReadonlyMap<string, string>,
  requireGenesis: boolean,
  problems: VerifyProblem[],
): void {
  if (previous === null) {
    if (start.prev_file_id === null) return;
    const before = ids.get(start.prev_file_id);
    if (before !== undefined) {
      problems.push({
        kind: 'swapped-file',
        severity: 'error',
        file,
        line: null,
        message: `${file} comes first but follows ${before} in its chain: files were swapped or renamed`,
      });
      return;
    }
    problems.push({
      kind: requireGenesis ? 'missing-file' : 'trail-start',
      severity: requireGenesis ? 'error' : 'warning',
      file,
      line: null,
      message: `the trail begins at ${file}; the file before it (${start.prev_name ?? start.prev_file_id}) is not here (deleted by retention, or missing)`,
    });
    return;
  }
  if (start.prev_file_id === previous.id && start.prev_hash === previous.hash) return;
  const elsewhere = start.prev_file_id === null ? undefined : ids.get(start.prev_file_id);
  if (elsewhere !== undefined && elsewhere !== previous.file) {
    problems.push({
      kind: 'swapped-file',
      severity: 'error',
      file,
      line: null,
      message: `${file} follows ${elsewhere} in its chain, but ${previous.file} comes before it: files were swapped or renamed`,
    });
  } else if (start.prev_file_id === null) {
    problems.push({
      kind: 'swapped-file',
      severity: 'error',
      file,
      line: null,
      message: `${file} began its trail, but ${previous.file} comes before it: files were swapped or renamed`,
    });
  } else if (start.prev_file_id === previous.id) {
    problems.push({
      kind: 'broken-chain',
      severity: 'error',
      file,
      line: null,
      message: `${file} does not continue the chain of ${previous.file}: its last checkpoints were altered or removed`,
    });
  } else {
    problems.push({
      kind: 'missing-file',
      severity: 'error',
      file,
      line: null,
      message: `a file is missing between ${previous.file} and ${file} (${start.prev_name ?? start.prev_file_id ?? 'the first file'})`,
    });
  }
}

/** Each checkpoint continues the one before it, in bytes and in hashes. */
function checkSidecarChain(file: string, sidecar: Sidecar, problems: VerifyProblem[]): void {
  let hash = sidecar.start.prev_hash;
  let byte = sidecar.start.byte;
  let line = sidecar.start.line;
  for (const checkpoint of sidecar.checkpoints) {
    if (
      checkpoint.prev_hash !== hash ||
      checkpoint.first_byte !== byte ||
      checkpoint.first_line !== line + 1
    ) {
      problems.push({
        kind: 'broken-chain',
        severity: 'error',
        file,
        line: checkpoint.first_line,
        message: `checkpoint ${checkpoint.seq} of ${file} does not follow the one before it: checkpoints were removed or altered`,
      });
    }
    hash = checkpoint.hash;
    byte = checkpoint.end_byte;
    line = checkpoint.last_line;
  }
}

const crcOf = (line: RawLine) => zlib.crc32(line.bytes) >>> 0;

/** Streams the file against its checkpoints; returns its number of lines. */
async function checkContent(file: string, sidecar: Sidecar, problems: VerifyProblem[]): Promise<number> {
  const queue = new LineQueue(file);
  let position = 0; // lines of the file consumed so far
  const skipped = await queue.take(sidecar.start.line);
  position += skipped.length;
  if (sidecar.start.line > 0) {
    problems.push({
      kind: 'uncovered',
      severity: 'warning',
      file,
      line: 1,
      message: `lines 1-${sidecar.start.line} of ${file} were written before integrity was on: no checkpoint covers them`,
    });
  }
  for (const checkpoint of sidecar.checkpoints) {
    const expected = decodeCrcs(checkpoint.crc);
    const lines = await queue.peek(expected.length);
    if (lines.length === expected.length && hashOf(checkpoint.prev_hash, lines) === checkpoint.hash) {
      reportEndedTornLines(file, lines, problems);
      await queue.take(expected.length);
      position += expected.length;
      continue;
    }
    const slack = Math.min(MAX_SLACK, Math.max(16, expected.length));
    const window = await queue.peek(expected.length + slack);
    const aligned = alignLines(expected, window.map(crcOf));
    const first = position + 1;
    if (aligned === null || aligned.changes.length === 0) {
      problems.push({
        kind: 'modified',
        severity: 'error',
        file,
        line: first,
        message: `lines ${first}-${position + expected.length} of ${file} do not match checkpoint ${checkpoint.seq}`,
      });
      await queue.take(expected.length);
      position += expected.length;
      continue;
    }
    for (const change of aligned.changes) {
      const expectedLine = (index: number) => checkpoint.first_line + index;
      if (change.kind === 'modified' || change.kind === 'inserted') {
        const line = first + change.actual;
        problems.push({
          kind: change.kind,
          severity: 'error',
          file,
          line,
          message: `line ${line} of ${file} was ${change.kind}`,
        });
      } else if (change.kind === 'removed') {
        problems.push({
          kind: 'removed',
          severity: 'error',
          file,
          line: first + change.after + 1,
          message: `the record that was line ${expectedLine(change.expected)} of ${file} was removed (it stood before line ${first + change.after + 1})`,
        });
      } else {
        problems.push({
          kind: 'reordered',
          severity: 'error',
          file,
          line: first + change.actual,
          message: `line ${first + change.actual} of ${file} was line ${expectedLine(change.expected)}: records were reordered`,
        });
      }
    }
    await queue.take(aligned.consumed);
    position += aligned.consumed;
  }
  let last: RawLine | null = null;
  let firstUnprotected = 0;
  for await (const line of queue.rest()) {
    if (firstUnprotected === 0) firstUnprotected = line.number;
    last = line;
    position = line.number;
  }
  if (last !== null) {
    problems.push({
      kind: 'unprotected-tail',
      severity: 'warning',
      file,
      line: firstUnprotected,
      message: `lines ${firstUnprotected}-${last.number} of ${file} follow its last checkpoint: nothing protects them yet`,
    });
    if (!last.ended)
      problems.push({
        kind: 'torn-line',
        severity: 'warning',
        file,
        line: last.number,
        message: `line ${last.number} of ${file} is torn (a write cut short by a crash)`,
      });
  }
  return position;
}

const CLOSING_BRACE = 0x7d;

/**
 * A record always ends with `}`. A line under a checkpoint that does not is a write a crash
 * cut short, which the next writer ended with a newline (nothing is ever removed) before
 * the chain took it in: unaltered, but not a record.
 */
function reportEndedTornLines(file: string, lines: readonly RawLine[], problems: VerifyProblem[]): void {
  for (const line of lines) {
    if (line.bytes.length === 0 || line.bytes[line.bytes.length - 1] === CLOSING_BRACE) continue;
    problems.push({
      kind: 'torn-line',
      severity: 'warning',
      file,
      line: line.number,
      message: `line ${line.number} of ${file} is torn (a write cut short by a crash, ended by the next writer)`,
    });
  }
}

/** SHA-256 of the previous hash's bytes and the lines' exact bytes, newlines included. */
function hashOf(previous: string, lines: readonly RawLine[]): string {
  const hash = crypto.createHash('sha256').update(Buffer.from(previous, 'hex'));
  for (const line of lines) {
    hash.update(line.bytes);
    if (line.ended) hash.update('\n');
  }
  return hash.digest('hex');
}
