/**
 * `verifyAuditTrail(base, { publicKey })` against a trail someone altered after the fact:
 * each kind of tampering is named with its file and line (one byte flipped, a line deleted,
 * two lines swapped, a line inserted, the file truncated, a rotated file deleted, two files
 * swapped, a checkpoint removed from a sidecar, the wrong key), and fails the verification
 * with exit code 1; the untouched copy passes.
 *
 * One trail is written (three files of 25 records, a checkpoint every 10 records), and each
 * case alters its own copy of it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ThreadedJSONLSinkCollector, TurnStartEvent } from 'calute-audit';
import { listTrailFiles, type VerifyProblem, verifyAuditTrail } from 'calute-audit/trail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyPair } from './support/lifecycle-kit.js';
import { useTempDir } from './support/temp-files.js';

const { privateKey, publicKey } = keyPair();
const PER_FILE = 25;
const CHECKPOINT_EVERY = 10;

let original: string;

/** The trail's three files (two rotated, then the active one), in order. */
function filesOf(base: string): [string, string, string] {
  const files = listTrailFiles(base).map((file) => file.path);
  expect(files).toHaveLength(3);
  return files as [string, string, string];
}

function readLinesOf(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').slice(0, -1);
}

function writeLinesOf(file: string, lines: readonly string[]): void {
  fs.writeFileSync(file, lines.map((line) => `${line}\n`).join(''));
}

/** Problems without their message (checked where it matters), file by base name. */
const brief = (problems: readonly VerifyProblem[]) =>
  problems.map(({ kind, severity, file, line }) => ({ kind, severity, file: path.basename(file), line }));

describe('verifyAuditTrail: tampering', () => {
  const tempDir = useTempDir('calute-tamper-');

  beforeAll(() => {
    original = fs.mkdtempSync(path.join(os.tmpdir(), 'calute-tamper-original-'));
    const base = path.join(original, 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(base, {
      rotation: { maxBytes: 1024 * 1024 },
      integrity: { privateKey, checkpointEvery: CHECKPOINT_EVERY },
    });
    try {
      for (let file = 0; file < 3; file++) {
        for (let seq = 0; seq < PER_FILE; seq++) {
          sink.emit(
            new TurnStartEvent({
              timestamp: '2025-06-15T14:30:00.123456+00:00',
              agentId: 'a1',
              promptPreview: `file ${file} record ${seq}`,
              metadata: { file, seq },
            }),
          );
        }
        sink.flush();
        if (file < 2) sink.rotate();
      }
    } finally {
      sink.close();
    }
  });

  afterAll(() => {
    fs.rmSync(original, { recursive: true, force: true });
  });

  /** A fresh copy of the trail; returns its base path and files. */
  function copy(): { base: string; files: [string, string, string] } {
    const dir = tempDir();
    fs.cpSync(original, dir, { recursive: true });
    const base = path.join(dir, 'audit.jsonl');
    return { base, files: filesOf(base) };
  }

  it('the untouched copy passes: exit code 0, no problem, every line accounted for', async () => {
    const { base, files } = copy();
    const report = await verifyAuditTrail(base, { publicKey });
    expect(report.problems).toStrictEqual([]);
    expect(report).toMatchObject({ ok: true, exitCode: 0 });
    expect(report.files).toStrictEqual(
      files.map((file) => ({ path: file, lines: PER_FILE, checkpoints: 3, errors: 0 })),
    );
  });

  it('one byte flipped in line 8 of the middle file: modified, line 8', async () => {
    const { base, files } = copy();
    const bytes = fs.readFileSync(files[1]);
    const at = bytes.indexOf('record 7"');
    expect(at).toBeGreaterThan(0);
    bytes[at + 7] ^= 0x01; // '7' becomes '6'
    fs.writeFileSync(files[1], bytes);
    const report = await verifyAuditTrail(base, { publicKey });
    expect(brief(report.problems)).toStrictEqual([
      { kind: 'modified', severity: 'error', file: path.basename(files[1]), line: 8 },
    ]);
    expect(report.problems[0].message).toBe(`line 8 of ${files[1]} was modified`);
    expect(report).toMatchObject({ ok: false, exitCode: 1 });
  });

  it('line 5 of the middle file deleted: removed, before line 5', async () => {
    const { base, files } = copy();
    const lines = readLinesOf(files[1]);
    lines.splice(4, 1);
    writeLinesOf(files[1], lines);
    const report = await verifyAuditTrail(base, { publicKey });
    expect(brief(report.problems)).toStrictEqual([
      { kind: 'removed', severity: 'error', file: path.basename(files[1]), line: 5 },
    ]);
    expect(report.problems[0].message).toBe(
      `the record that was line 5 of ${files[1]} was removed (it stood before line 5)`,
    );
    expect(report.exitCode).toBe(1);
  });

  it('lines 5 and 6 of the active file swapped: reordered, lines 6 and 5', async () => {
    const { base, files } = copy();
    const lines = readLinesOf(files[2]);
    [lines[4], lines[5]] = [lines[5], lines[4]];
    writeLinesOf(files[2], lines);
    const report = await verifyAuditTrail(base, { publicKey });
    expect(brief(report.problems)).toStrictEqual([
      { kind: 'reordered', severity: 'error', file: 'audit.jsonl', line: 6 },
      { kind: 'reordered', severity: 'error', file: 'audit.jsonl', line: 5 },
    ]);
    expect(report.problems.map((problem) => problem.message)).toStrictEqual([
      `line 6 of ${files[2]} was line 5: records were reordered`,
      `line 5 of ${files[2]} was line 6: records were reordered`,
    ]);
    expect(report.exitCode).toBe(1);
  });

  it('a forged line inserted as line 5 of the first file: inserted, line 5', async () => {
    const { base, files } = copy();
    const lines = readLinesOf(files[0]);
    lines.splice(4, 0, lines[0].replace('record 0', 'forged record'));
    writeLinesOf(files[0], lines);
    const report = await verifyAuditTrail(base, { publicKey });
    expect(brief(report.problems)).toStrictEqual([
      { kind: 'inserted', severity: 'error', file: path.basename(files[0]), line: 5 },
    ]);
    expect(report.exitCode).toBe(1);
  });

  it('the middle file truncated after line 12: each checkpointed line after it removed', async () => {
    const { base, files } = copy();
    writeLinesOf(files[1], readLinesOf(files[1]).slice(0, 12));
    const report = await verifyAuditTrail(base, { publicKey });
    expect(brief(report.problems)).toStrictEqual(
      Array.from({ length: PER_FILE - 12 }, () => ({
        kind: 'removed',
        severity: 'error',
        file: path.basename(files[1]),
        line: 13,
      })),
    );
    expect(report.problems.map((problem) => problem.message)).toStrictEqual(
      Array.from(
        { length: PER_FILE - 12 },
        (_, index) =>
          `the record that was line ${13 + index} of ${files[1]} was removed (it stood before line 13)`,
      ),
    );
    expect(report.exitCode).toBe(1);
  });

  it('the active file truncated in the middle of line 20: line 20 modified, lines 21-25 removed', async () => {
    const { base, files } = copy();
    const lines = readLinesOf(files[2]);
    const cut = lines.slice(0, 19).reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0) + 30;
    fs.truncateSync(files[2], cut);
    const report = await verifyAuditTrail(base, { publicKey });
    expect(brief(report.problems)).toStrictEqual([
      { kind: 'modified', severity: 'error', file: 'audit.jsonl', line: 20 },
      ...Array.from({ length: 5 }, () => ({
        kind: 'removed',
        severity: 'error',
        file: 'audit.jsonl',
        line: 21,
      })),
    ]);
    expect(report.exitCode).toBe(1);
  });

  it('the middle rotated file deleted with its sidecar: missing-file, named at the file after the gap', async () => {
    const { base, files } = copy();
    fs.rmSync(files[1]);
    fs.rmSync(`${files[1]}.checkpoints`);
    const report = await verifyAuditTrail(base, { publicKey });
    expect(brief(report.problems)).toStrictEqual([
      { kind: 'missing-file', severity: 'error', file: 'audit.jsonl', line: null },
    ]);
    expect(report.problems[0].message).toBe(
      `a file is missing between ${files[0]} and ${files[2]} (${path.basename(files[1])})`,
    );
    expect(report.exitCode).toBe(1);
  });

  it('the middle rotated file deleted, its sidecar left: missing-file too', async () => {
    const { base, files } = copy();
    fs.rmSync(files[1]);
    const report = await verifyAuditTrail(base, { publicKey });
    expect(brief(report.problems)).toStrictEqual([
      { kind: 'missing-file', severity: 'error', file: 'audit.jsonl', line: null },
    ]);
    expect(report.exitCode).toBe(1);
  });

  it("the middle file's sidecar removed: no-sidecar at that file, and no word of a trail start after it", async () => {
    const { base, files } = copy();
    fs.rmSync(`${files[1]}.checkpoints`);
    for (const requireGenesis of [false, true]) {
      const report = await verifyAuditTrail(base, { publicKey, requireGenesis });
      expect(brief(report.problems)).toStrictEqual([
        { kind: 'no-sidecar', severity: 'error', file: path.basename(files[1]), line: null },
      ]);
      expect(report.exitCode).toBe(1);
    }
  });

  it('the oldest file deleted: a trail-start warning (retention does the same), an error with requireGenesis', async () => {
    const { base, files } = copy();
    fs.rmSync(files[0]);
    fs.rmSync(`${files[0]}.checkpoints`);
    const lenient = await verifyAuditTrail(base, { publicKey });
    expect(brief(lenient.problems)).toStrictEqual([
      { kind: 'trail-start', severity: 'warning', file: path.basename(files[1]), line: null },
    ]);
    expect(lenient).toMatchObject({ ok: true, exitCode: 0 });
    const strict = await verifyAuditTrail(base, { publicKey, requireGenesis: true });
    expect(brief(strict.problems)).toStrictEqual([
      { kind: 'missing-file', severity: 'error', file: path.basename(files[1]), line: null },
    ]);
    expect(strict).toMatchObject({ ok: false, exitCode: 1 });
  });

  it('the two rotated files swapped (each with its sidecar): swapped-file', async () => {
    const { base, files } = copy();
    const aside = `${files[0]}.aside`;
    for (const suffix of ['', '.checkpoints']) {
      fs.renameSync(files[0] + suffix, aside);
      fs.renameSync(files[1] + suffix, files[0] + suffix);
      fs.renameSync(aside, files[1] + suffix);
    }
    const report = await verifyAuditTrail(base, { publicKey });
    expect(report.exitCode).toBe(1);
    // Each file now follows another than the one before it; the active file follows the second.
    expect(brief(report.problems)).toStrictEqual(
      [files[0], files[1], files[2]].map((file) => ({
        kind: 'swapped-file',
        severity: 'error',
        file: path.basename(file),
        line: null,
      })),
    );
    expect(report.problems[0].message).toBe(
      `${files[0]} comes first but follows ${files[1]} in its chain: files were swapped or renamed`,
    );
    expect(report.exitCode).toBe(1);
  });

  it('a checkpoint removed from the middle sidecar: broken-chain at the lines it covered', async () => {
    const { base, files } = copy();
    const sidecar = `${files[1]}.checkpoints`;
    const entries = readLinesOf(sidecar);
    expect(entries.map((entry) => JSON.parse(entry).type)).toStrictEqual([
      'start',
      'checkpoint',
      'checkpoint',
      'checkpoint',
    ]);
    entries.splice(2, 1);
    writeLinesOf(sidecar, entries);
    const report = await verifyAuditTrail(base, { publicKey });
    expect(report.exitCode).toBe(1);
    expect(brief(report.problems).filter((problem) => problem.kind === 'broken-chain')).toStrictEqual([
      { kind: 'broken-chain', severity: 'error', file: path.basename(files[1]), line: 21 },
    ]);
  });

  it('a checkpoint rewritten without the key (its hash replaced to match an edited line): bad-signature', async () => {
    const { base, files } = copy();
    const sidecar = `${files[1]}.checkpoints`;
    const entries = readLinesOf(sidecar);
    const forged = entries[1].replace(/"hash":"[0-9a-f]{64}"/, `"hash":"${'ab'.repeat(32)}"`);
    expect(forged).not.toBe(entries[1]);
    entries[1] = forged;
    writeLinesOf(sidecar, entries);
    const report = await verifyAuditTrail(base, { publicKey });
    expect(report.exitCode).toBe(1);
    expect(brief(report.problems).find((problem) => problem.kind === 'bad-signature')).toStrictEqual({
      kind: 'bad-signature',
      severity: 'error',
      file: path.basename(sidecar),
      line: 2,
    });
  });

  it('the middle sidecar re-signed by another key: without a public key a key-changed warning there; with it, bad-signature', async () => {
    const { base, files } = copy();
    const sidecar = `${files[1]}.checkpoints`;
    const forger = crypto.generateKeyPairSync('ed25519');
    const forgerId = crypto
      .createHash('sha256')
      .update(forger.publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex')
      .slice(0, 16);
    // Each entry re-signed as the sidecar format says: key id, then the signature of the
    // line's bytes up to ,"sig": followed by }.
    const resigned = readLinesOf(sidecar).map((line) => {
      const payload = `${line.slice(0, line.lastIndexOf(',"sig":"'))}}`;
      const entry = { ...JSON.parse(payload), key: forgerId };
      const text = JSON.stringify(entry);
      const sig = crypto.sign(null, Buffer.from(text), forger.privateKey).toString('base64');
      return `${text.slice(0, -1)},"sig":"${sig}"}`;
    });
    writeLinesOf(sidecar, resigned);
    const trusting = await verifyAuditTrail(base);
    expect(brief(trusting.problems)).toStrictEqual([
      { kind: 'unsigned', severity: 'warning', file: 'audit.jsonl', line: null },
      { kind: 'key-changed', severity: 'warning', file: path.basename(files[1]), line: null },
      { kind: 'key-changed', severity: 'warning', file: 'audit.jsonl', line: null },
    ]);
    expect(trusting.problems[1].message).toContain(`signed by key ${forgerId}`);
    const checked = await verifyAuditTrail(base, { publicKey });
    expect(brief(checked.problems)).toStrictEqual([
      { kind: 'bad-signature', severity: 'error', file: path.basename(sidecar), line: 1 },
    ]);
  });

  it('another key: bad-signature for each sidecar, at its first entry, naming both keys', async () => {
    const { base, files } = copy();
    const other = crypto.generateKeyPairSync('ed25519').publicKey;
    const report = await verifyAuditTrail(base, { publicKey: other });
    expect(brief(report.problems)).toStrictEqual(
      files.map((file) => ({
        kind: 'bad-signature',
        severity: 'error',
        file: path.basename(`${file}.checkpoints`),
        line: 1,
      })),
    );
    for (const problem of report.problems) {
      expect(problem.message).toMatch(
        /4 of 4 entries of .* have a bad signature, the first at line 1 \(signed by key [0-9a-f]{16}, not [0-9a-f]{16}\)/,
      );
    }
    expect(report).toMatchObject({ ok: false, exitCode: 1 });
  });

  it('without a public key: the chain and lines are still checked (an unsigned warning); a flipped byte is still found', async () => {
    const { base, files } = copy();
    const clean = await verifyAuditTrail(base);
    expect(brief(clean.problems)).toStrictEqual([
      { kind: 'unsigned', severity: 'warning', file: 'audit.jsonl', line: null },
    ]);
    expect(clean).toMatchObject({ ok: true, exitCode: 0 });
    const bytes = fs.readFileSync(files[0]);
    bytes[bytes.indexOf('record 3"') + 7] ^= 0x01;
    fs.writeFileSync(files[0], bytes);
    const tampered = await verifyAuditTrail(base);
    expect(brief(tampered.problems)).toStrictEqual([
      { kind: 'unsigned', severity: 'warning', file: 'audit.jsonl', line: null },
      { kind: 'modified', severity: 'error', file: path.basename(files[0]), line: 4 },
    ]);
    expect(tampered.exitCode).toBe(1);
  });

  it('no trail at the path: exit code 2 (unreadable)', async () => {
    const report = await verifyAuditTrail(path.join(tempDir(), 'audit.jsonl'), { publicKey });
    expect(brief(report.problems)).toStrictEqual([
      { kind: 'unreadable', severity: 'error', file: 'audit.jsonl', line: null },
    ]);
    expect(report).toMatchObject({ ok: false, exitCode: 2, files: [] });
  });
});
