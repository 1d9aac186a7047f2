/**
 * `verifyAuditTrail` passes every trail nobody altered: one with rotations by size,
 * compressed files and 'drop' mode marks; one that three sinks in turn appended to; one
 * left by a crash in the middle of a rotation; one left by a SIGKILL in the middle of a
 * burst (a torn last line), before and after a new sink appends to it. Where a crash left
 * something no checkpoint covers, that is reported as a warning (exit code 0), never as
 * tampering.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ThreadedJSONLSinkCollector, ToolCallAttemptEvent, TurnEndEvent } from 'calute-audit';
import { listTrailFiles, rotatedPath, type VerifyProblem, verifyAuditTrail } from 'calute-audit/trail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killChildrenAfterEach, startFixture } from './support/child-process.js';
import {
  collectNotices,
  keyPair,
  lifecycleDone,
  trailContents,
  trailLines,
  waitUntil,
} from './support/lifecycle-kit.js';
import { useTempDir } from './support/temp-files.js';
import { emitNumbered, parseLines, seededRandom, seedFrom } from './support/threaded-sink-kit.js';

const { privateKey, publicKey } = keyPair();
const FIXED = '2025-06-15T14:30:00.123456+00:00';

const brief = (problems: readonly VerifyProblem[]) =>
  problems.map(({ kind, severity, file, line }) => ({ kind, severity, file: path.basename(file), line }));

describe('verifyAuditTrail: untouched trails pass', () => {
  const tempDir = useTempDir('calute-verify-ok-');
  killChildrenAfterEach();

  it("rotations by size, gzipped rotated files and 'drop' mode marks: OK with no problem; every record once, in order, a mark where one was dropped", async () => {
    const base = path.join(tempDir(), 'audit.jsonl');
    // Records of 2 KiB do not fit a 1 KiB ring: in 'drop' mode each is dropped and marked.
    const sink = new ThreadedJSONLSinkCollector(base, {
      ringSize: 1024,
      onFull: 'drop',
      rotation: { maxBytes: 4096 },
      compress: true,
      integrity: { privateKey, checkpointEvery: 7 },
    });
    const notices = collectNotices(sink);
    const expected: (string | { dropped_bytes: number })[] = [];
    try {
      for (let seq = 0; seq < 120; seq++) {
        const big = seq % 10 === 9;
        const event = new ToolCallAttemptEvent({
          timestamp: FIXED,
          toolName: 'numbered',
          argumentsPreview: big ? 'x'.repeat(2000) : `small ${seq}`,
          metadata: { seq },
        });
        const line = event.serialize();
        expected.push(big ? { dropped_bytes: Buffer.byteLength(line) + 1 } : line);
        sink.emit(event);
        // Room in the ring for the next record, and the mark of a drop written now.
        sink.flush();
      }
      await lifecycleDone(sink, notices);
      await waitUntil(
        () => notices.filter((notice) => notice.type === 'compressed').length === sink.stats().rotations,
        'every rotated file compressed',
      );
    } finally {
      sink.close();
    }
    expect(sink.stats().droppedEvents).toBe(12);
    const lines = trailLines(base);
    expect(lines).toHaveLength(120);
    for (const [index, want] of expected.entries()) {
      if (typeof want === 'string') expect(lines[index]).toBe(want);
      else
        expect(JSON.parse(lines[index])).toMatchObject({
          event_type: 'events_dropped',
          dropped_events: 1,
          ...want,
        });
    }
    const files = listTrailFiles(base);
    expect(files.length).toBeGreaterThan(5);
    expect(files.slice(0, -1).every((file) => file.compressed)).toBe(true);

    const report = await verifyAuditTrail(base, { publicKey });
    expect(report.problems).toStrictEqual([]);
    expect(report).toMatchObject({ ok: true, exitCode: 0 });
    expect(report.files.map((file) => [file.path, file.lines, file.errors])).toStrictEqual(
      trailContents(base).map((file) => [file.path, file.lines.length, 0]),
    );
  });

  it('three sinks in turn append to the same path, the second rotating once: OK with no problem', async () => {
    const base = path.join(tempDir(), 'audit.jsonl');
    const options = { rotation: { maxBytes: 1024 * 1024 }, integrity: { privateKey, checkpointEvery: 8 } };
    const written: string[] = [];
    for (let run = 0; run < 3; run++) {
      const sink = new ThreadedJSONLSinkCollector(base, options);
      try {
        written.push(...emitNumbered(sink, `run-${run}`, 20));
        if (run === 1) {
          sink.flush();
          sink.rotate();
          written.push(...emitNumbered(sink, 'after-rotation', 5));
        }
      } finally {
        sink.close();
      }
    }
    expect(trailContents(base).map((file) => file.lines.length)).toStrictEqual([40, 25]);
    expect(trailLines(base)).toStrictEqual(written);
    const report = await verifyAuditTrail(base, { publicKey });
    expect(report.problems).toStrictEqual([]);
    expect(report.exitCode).toBe(0);
  });

  /**
   * A rotation renames the audit file first, then its sidecar, then opens the next file. The
   * states a crash can leave are made here by doing those steps by hand after a clean close;
   * a new sink then appends at the base path.
   */
  for (const step of [
    'the audit file renamed, not yet its sidecar',
    'both renamed, no new file yet',
  ] as const) {
    it(`a crash inside a rotation (${step}), then a new sink appends: OK, every record kept`, async () => {
      const dir = tempDir();
      const base = path.join(dir, 'audit.jsonl');
      const options = { rotation: { maxBytes: 1024 * 1024 }, integrity: { privateKey, checkpointEvery: 4 } };
      const first = new ThreadedJSONLSinkCollector(base, options);
      const before = emitNumbered(first, 'before', 10);
      first.close();
      const target = rotatedPath(base, Date.now() * 1000);
      fs.renameSync(base, target);
      if (step === 'both renamed, no new file yet')
        fs.renameSync(`${base}.checkpoints`, `${target}.checkpoints`);

      const second = new ThreadedJSONLSinkCollector(base, options);
      const after = emitNumbered(second, 'after', 5);
      second.close();
      expect(trailContents(base).map((file) => [file.name, file.lines])).toStrictEqual([
        [path.basename(target), before],
        ['audit.jsonl', after],
      ]);
      const report = await verifyAuditTrail(base, { publicKey });
      expect(brief(report.problems).filter((problem) => problem.severity === 'error')).toStrictEqual([]);
      expect(report.exitCode).toBe(0);
    });
  }

  describe('SIGKILL in the middle of a burst (test/fixtures/emit-numbered-with-integrity.mjs)', () => {
    /** The crashed trail: its folder, and the number of its torn last line. */
    let crashed: { dir: string; tornLine: number; wholeLines: string[]; lastCheckpointLine: number };

    /** Made before the tests and removed after them all (useTempDir's folders go after each test). */
    let crashDirs: string;
    afterAll(() => {
      fs.rmSync(crashDirs, { recursive: true, force: true });
    });

    beforeAll(async () => {
      crashDirs = fs.mkdtempSync(path.join(os.tmpdir(), 'calute-verify-crash-'));
      const random = seededRandom(seedFrom('SIGKILL_SEED', 'verify-untouched-trail'));
      const keyFile = path.join(crashDirs, 'key.pem');
      fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      // Records of up to 6 KiB through a 4 KiB ring are written in pieces: most kills tear one.
      for (let attempt = 1; attempt <= 10; attempt++) {
        const dir = fs.mkdtempSync(path.join(crashDirs, 'attempt-'));
        const base = path.join(dir, 'audit.jsonl');
        const running = startFixture('emit-numbered-with-integrity.mjs', [
          base,
          keyFile,
          '50',
          '4096',
          '0',
          '100',
        ]);
        await running.waitForStdout(/^flushed \d+$/m);
        await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 150)));
        running.child.kill('SIGKILL');
        expect((await running.ended).signal).toBe('SIGKILL');
        const bytes = fs.readFileSync(base);
        if (bytes.length === 0 || bytes[bytes.length - 1] === 0x0a) continue;
        const text = bytes.toString('utf8');
        const wholeLines = text.slice(0, text.lastIndexOf('\n')).split('\n');
        const entries = fs
          .readFileSync(`${base}.checkpoints`, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line));
        const last = entries.at(-1);
        const lastCheckpointLine = last.type === 'checkpoint' ? last.last_line : last.line;
        crashed = { dir, tornLine: wholeLines.length + 1, wholeLines, lastCheckpointLine };
        console.log(
          `verify-untouched-trail: kill attempt ${attempt} tore line ${crashed.tornLine}; last checkpoint at line ${lastCheckpointLine}`,
        );
        return;
      }
      throw new Error('no kill in 10 attempts left a torn last line');
    });

    function copyOfCrashed(): string {
      const dir = tempDir();
      fs.cpSync(crashed.dir, dir, { recursive: true });
      return path.join(dir, 'audit.jsonl');
    }

    it('as the crash left it: OK (exit code 0), the unprotected tail and the torn last line reported as warnings', async () => {
      const base = copyOfCrashed();
      // The whole lines are a gap-free prefix of the sequence.
      const seqs = parseLines(crashed.wholeLines).map((record) => record.metadata.seq);
      expect(seqs).toStrictEqual(seqs.map((_, index) => index));
      const report = await verifyAuditTrail(base, { publicKey });
      expect(brief(report.problems)).toStrictEqual([
        {
          kind: 'unprotected-tail',
          severity: 'warning',
          file: 'audit.jsonl',
          line: crashed.lastCheckpointLine + 1,
        },
        { kind: 'torn-line', severity: 'warning', file: 'audit.jsonl', line: crashed.tornLine },
      ]);
      expect(report).toMatchObject({ ok: true, exitCode: 0 });
    });

    it('then a new sink appends to the same file: OK (exit code 0), the torn line still reported as a warning', async () => {
      const base = copyOfCrashed();
      const sink = new ThreadedJSONLSinkCollector(base, { integrity: { privateKey, checkpointEvery: 100 } });
      for (let seq = 0; seq < 5; seq++) sink.emit(new TurnEndEvent({ metadata: { next: seq } }));
      sink.close();
      const lines = fs.readFileSync(base, 'utf8').slice(0, -1).split('\n');
      expect(lines.slice(0, crashed.wholeLines.length)).toStrictEqual(crashed.wholeLines);
      expect(parseLines(lines.slice(crashed.tornLine)).map((record) => record.metadata.next)).toStrictEqual([
        0, 1, 2, 3, 4,
      ]);
      const report = await verifyAuditTrail(base, { publicKey });
      expect(brief(report.problems)).toStrictEqual([
        { kind: 'torn-line', severity: 'warning', file: 'audit.jsonl', line: crashed.tornLine },
      ]);
      expect(report).toMatchObject({ ok: true, exitCode: 0 });
    });
  });
});
