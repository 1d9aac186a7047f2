/**
 * `calute-audit tail`: the last lines of a rotated set; `-f` following a real sink's file
 * through appends, a line written in two parts, a rotation (rename, then the sink's
 * reopen), a replacement of the file and a truncation; and the command itself, stopped
 * by SIGINT with exit 0.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditEmitter, formatTimestamp, ThreadedJSONLSinkCollector } from 'calute-audit';
import { resolveSources, tailTrail } from 'calute-audit/cli';
import { rotatedPath } from 'calute-audit/trail';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, runBin } from './support/cli-run.js';
import { ORIGIN, writeAgentTrail, writeRotatedSet } from './support/cli-trails.js';
import { useTempDir } from './support/temp-files.js';

const tempDir = useTempDir('calute-audit-cli-tail-');
const stops: AbortController[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop.abort();
});

function collector(): { out: Writable; text(): string } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { out, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** What a follow writes (its records' error messages) and tells, and how to stop it. */
function follower() {
  const { out, text } = collector();
  const stop = new AbortController();
  stops.push(stop);
  const messages = () =>
    text()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line).error_message);
  return { out, messages, notices: [] as string[], stop };
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('tail', () => {
  it('-n: the last lines across a rotated set, raw or pretty; -n 0 prints nothing', async () => {
    const dir = tempDir();
    const whole = path.join(dir, 'whole.jsonl');
    await writeAgentTrail(whole);
    const lines = fs.readFileSync(whole, 'utf8').trimEnd().split('\n');
    const base = path.join(dir, 'audit.jsonl');
    writeRotatedSet(lines, base, 5, 15);
    expect((await runBin(['tail', '-n', '3', base])).stdout).toBe(
      lines
        .slice(-3)
        .map((l) => `${l}\n`)
        .join(''),
    );
    // 14 lines: the active file's 2, the plain rotated file's 10 and 2 from the gzipped one.
    expect((await runBin(['tail', '--lines=14', base])).stdout).toBe(
      lines
        .slice(-14)
        .map((l) => `${l}\n`)
        .join(''),
    );
    expect((await runBin(['tail', '-n', '0', base])).stdout).toBe('');
    expect((await runBin(['tail', '-n', '1', '--pretty', base])).stdout).toBe(
      '14:30:16.000  agent_switch            planner   -             from_agent="planner"  to_agent="coder"  reason="handoff"\n',
    );
    expect((await runBin(['tail', '-n', '2'], { input: fs.readFileSync(whole) })).stdout).toBe(
      lines
        .slice(-2)
        .map((l) => `${l}\n`)
        .join(''),
    );
  });

  it('-f: appends, a line in two writes, a rotation with the sink reopening, a replaced file, a truncation', async () => {
    const dir = tempDir();
    const base = path.join(dir, 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(base);
    let tick = 0;
    const audit = new AuditEmitter({
      sessionId: 's',
      collector: {
        emit(event) {
          event.timestamp = formatTimestamp(ORIGIN + tick++ * 1000);
          sink.emit(event);
        },
        flush: () => sink.flush(),
      },
    });
    const emit = (n: number) => {
      for (let i = 0; i < n; i++) audit.emitError({ errorType: 'E', errorMsg: `record ${tick}` });
      sink.flush();
    };
    emit(3);
    const { out, messages, notices, stop } = follower();
    const following = tailTrail(resolveSources([base]), out, {
      lines: 2,
      follow: { path: base, signal: stop.signal, intervalMs: 20 },
      onNotice: (message) => notices.push(message),
    });
    await until('the last two lines', () => messages().length === 2);
    expect(messages()).toStrictEqual(['record 1', 'record 2']);

    emit(2);
    await until('two appended lines', () => messages().length === 4);

    fs.appendFileSync(base, '{"event_type":"error","metadata":{},');
    await sleep(100);
    expect(messages()).toHaveLength(4);
    fs.appendFileSync(base, '"error_message":"written in two parts"}\n');
    await until('the line written in two parts', () => messages().length === 5);

    // Rotation: the file is renamed; the sink writes on into it until reopen, then to a new file.
    const rotated = rotatedPath(base, ORIGIN + 60_000_000);
    fs.renameSync(base, rotated);
    emit(1);
    sink.reopen();
    emit(2);
    await until('the lines around the rotation', () => messages().length === 8);
    expect(notices).toStrictEqual([`${base}: a new file (rotated or reopened); reading it from its start`]);

    // Replaced: another file moved over the path (a new inode at the same path).
    const replacement = path.join(dir, 'replacement.jsonl');
    fs.writeFileSync(replacement, '{"event_type":"error","metadata":{},"error_message":"replaced"}\n');
    await sleep(60);
    fs.renameSync(replacement, base);
    await until('the replacement', () => messages().length === 9);

    // Truncated in place and written again.
    fs.truncateSync(base, 0);
    await sleep(60);
    fs.appendFileSync(base, '{"event_type":"error","metadata":{},"error_message":"after truncation"}\n');
    await until('the line after the truncation', () => messages().length === 10);
    stop.abort();
    await following;
    await sink.closeAsync();

    expect(messages()).toStrictEqual([
      'record 1',
      'record 2',
      'record 3',
      'record 4',
      'written in two parts',
      'record 5',
      'record 6',
      'record 7',
      'replaced',
      'after truncation',
    ]);
    expect(notices.slice(1)).toStrictEqual([
      `${base}: a new file (rotated or reopened); reading it from its start`,
      `${base}: truncated; reading it again from its start`,
    ]);
  });

  it.each([
    ['plain', false],
    ['gzipped', true],
  ])(
    '-f: several rotations between two looks (%s): the files in between are read in full, in order',
    async (_, compress) => {
      const dir = tempDir();
      const base = path.join(dir, 'audit.jsonl');
      const sink = new ThreadedJSONLSinkCollector(base, { rotation: { maxBytes: 4096 }, compress });
      await sink.ready();
      const audit = new AuditEmitter({ collector: sink });
      const { out, messages, notices, stop } = follower();
      const following = tailTrail([], out, {
        lines: 0,
        follow: { path: base, signal: stop.signal, intervalMs: 400 },
        onNotice: (message) => notices.push(message),
      });
      // About 300 bytes a record: a rotation every 13 or so, several within one 400 ms look.
      const total = 200;
      for (let i = 0; i < total; i++) {
        audit.emitError({ errorType: 'N', errorMsg: `n${i}` });
        if (i % 10 === 9) {
          await sink.flushAsync();
          await sleep(30);
        }
      }
      await sink.closeAsync();
      await until('every record', () => messages().length >= total);
      await sleep(500);
      stop.abort();
      await following;

      expect(messages()).toStrictEqual(Array.from({ length: total }, (_, i) => `n${i}`));
      const readInFull = notices.filter((notice) => notice.includes('rotated again meanwhile'));
      console.log(`${readInFull.length} files read in full of ${notices.length} notices`);
      expect(readInFull.length).toBeGreaterThan(0);
    },
  );

  it('the command: tail -f --pretty prints what is appended, and ends with exit 0 on SIGINT', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    fs.writeFileSync(file, '');
    const child = spawn(process.execPath, [BIN, 'tail', '-f', '--pretty', '--interval', '20', file], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    const ended = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      await sleep(300);
      fs.appendFileSync(
        file,
        '{"event_type":"error","timestamp":"2025-06-15T14:30:00.000000+00:00","agent_id":"a","turn_id":null,"session_id":null,"severity":"error","metadata":{},"error_type":"E","error_message":"live","error_context":""}\nnot a record\n',
      );
      await until('the appended lines', () => stdout.split('\n').length >= 3);
      child.kill('SIGINT');
      expect(await ended).toBe(0);
      expect(stdout).toBe(
        '14:30:00.000  error                   a         -             error_type="E"  error_message="live"\nnot a record\n',
      );
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('usage: -f needs a file; stdin cannot be followed', async () => {
    expect(await runBin(['tail', '-f'])).toStrictEqual({
      code: 2,
      stdout: '',
      stderr:
        'calute-audit: tail -f: give the file (or trail base path) to follow; stdin cannot be followed\n',
    });
  });
});
