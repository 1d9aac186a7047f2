import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AuditOptionError, AuditPathError, JSONLSinkCollector, TurnStartEvent } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-files.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Runs `construct` and returns what it threw (failing the test if it did not throw). */
function thrownBy(construct: () => unknown): Error {
  try {
    construct();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the constructor to throw');
}

function expectPathError(error: Error, file: string, detail: RegExp): void {
  expect(error).toBeInstanceOf(AuditPathError);
  expect((error as AuditPathError).code).toBe('ERR_AUDIT_PATH');
  expect((error as AuditPathError).path).toBe(file);
  expect(error.message).toContain(`"${file}"`);
  expect(error.message).toMatch(detail);
}

describe('JSONLSinkCollector(path): a bad path fails at construction, naming the path', () => {
  const tempDir = useTempDir();

  it('a missing folder: AuditPathError (ENOENT), the folder is not created', () => {
    const missing = path.join(tempDir(), 'no', 'such', 'folder');
    const file = path.join(missing, 'audit.jsonl');
    expectPathError(
      thrownBy(() => new JSONLSinkCollector(file)),
      file,
      /^Cannot open audit log ".*" for appending: ENOENT/,
    );
    expect(fs.existsSync(missing)).toBe(false);
  });

  it('a folder: AuditPathError (EISDIR)', () => {
    const dir = tempDir();
    expectPathError(
      thrownBy(() => new JSONLSinkCollector(dir)),
      dir,
      /^Cannot open audit log ".*" for appending: EISDIR/,
    );
  });

  it('no permission: AuditPathError (EACCES), for a folder it cannot enter and one it cannot write', () => {
    const dir = tempDir();
    const locked = path.join(dir, 'locked'); // no search permission: stat fails
    const readOnly = path.join(dir, 'read-only'); // searchable, not writable: open fails
    fs.mkdirSync(locked, { mode: 0o700 });
    fs.mkdirSync(readOnly, { mode: 0o755 });
    const targets = [path.join(locked, 'audit.jsonl'), path.join(readOnly, 'audit.jsonl')];
    let results: { name: string; code: string; path: string; message: string }[];
    if (process.getuid?.() === 0) {
      // Root passes every permission check, so the attempt runs as "nobody" in a child process.
      fs.chmodSync(dir, 0o755);
      const script = `
        import { JSONLSinkCollector } from 'calute-audit';
        const results = [];
        for (const file of JSON.parse(process.argv[1])) {
          try { new JSONLSinkCollector(file); results.push({ name: 'none' }); }
          catch (e) { results.push({ name: e.constructor.name, code: e.code, path: e.path, message: e.message }); }
        }
        process.stdout.write(JSON.stringify(results));`;
      const child = spawnSync(
        process.execPath,
        ['--input-type=module', '-e', script, JSON.stringify(targets)],
        {
          cwd: repoRoot,
          uid: 65534,
          gid: 65534,
          encoding: 'utf8',
        },
      );
      expect(child.stderr).toBe('');
      expect(child.status).toBe(0);
      results = JSON.parse(child.stdout);
    } else {
      fs.chmodSync(locked, 0o000);
      fs.chmodSync(readOnly, 0o555);
      results = targets.map((file) => {
        const error = thrownBy(() => new JSONLSinkCollector(file)) as AuditPathError;
        return { name: error.constructor.name, code: error.code, path: error.path, message: error.message };
      });
      fs.chmodSync(locked, 0o700);
      fs.chmodSync(readOnly, 0o755);
    }
    expect(results).toHaveLength(2);
    results.forEach((result, index) => {
      expect(result).toMatchObject({ name: 'AuditPathError', code: 'ERR_AUDIT_PATH', path: targets[index] });
      expect(result.message).toContain(`"${targets[index]}"`);
      expect(result.message).toMatch(/EACCES/);
    });
    expect(fs.existsSync(targets[1])).toBe(false);
  });

  it('a file: URL to a missing folder: AuditPathError naming the path', () => {
    const file = path.join(tempDir(), 'missing', 'a.jsonl');
    expectPathError(
      thrownBy(() => new JSONLSinkCollector(pathToFileURL(file))),
      file,
      /ENOENT/,
    );
  });

  it('a URL that is not file: AuditPathError naming the URL', () => {
    const url = 'http://example.com/audit.jsonl';
    expectPathError(
      thrownBy(() => new JSONLSinkCollector(new URL(url))),
      url,
      /scheme file/,
    );
  });
});

describe('JSONLSinkCollector(path): only regular files unless allowNonRegularFile', () => {
  const tempDir = useTempDir();

  it('a FIFO: refused, naming the path and the kind', () => {
    const fifo = path.join(tempDir(), 'pipe');
    execFileSync('mkfifo', [fifo]);
    // With a reader present, a missing check would open the FIFO (and this test fail) rather than block.
    const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      expectPathError(
        thrownBy(() => new JSONLSinkCollector(fifo)),
        fifo,
        /^Refusing to write audit log ".*": it is a FIFO, not a regular file \(set allowNonRegularFile to allow it\)$/,
      );
    } finally {
      fs.closeSync(reader);
    }
  });

  it('a FIFO without a reader: refused at once, not left blocked in open()', () => {
    const fifo = path.join(tempDir(), 'pipe');
    execFileSync('mkfifo', [fifo]);
    // In a child with a kill timeout: opening a FIFO with no reader for writing would block forever.
    const script = `
      import { JSONLSinkCollector } from 'calute-audit';
      try { new JSONLSinkCollector(process.argv[1]); process.stdout.write('opened'); }
      catch (e) { process.stdout.write(e.constructor.name + ': ' + e.message); }`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, fifo], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.signal).toBeNull();
    expect(child.stdout).toBe(
      `AuditPathError: Refusing to write audit log "${fifo}": it is a FIFO, not a regular file (set allowNonRegularFile to allow it)`,
    );
  });

  it('a FIFO with { allowNonRegularFile: true }: records reach its reader', () => {
    const fifo = path.join(tempDir(), 'pipe');
    execFileSync('mkfifo', [fifo]);
    // A reader first, so that opening the FIFO for writing does not wait for one.
    const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const sink = new JSONLSinkCollector(fifo, { allowNonRegularFile: true });
      const event = new TurnStartEvent({ promptPreview: 'through the pipe' });
      sink.emit(event);
      sink.close();
      const buffer = Buffer.alloc(64 * 1024);
      const read = fs.readSync(reader, buffer, 0, buffer.length, null);
      expect(buffer.toString('utf8', 0, read)).toBe(`${event.serialize()}\n`);
    } finally {
      fs.closeSync(reader);
    }
  });

  it('a character device (/dev/null): refused by default, accepted with the option', () => {
    expectPathError(
      thrownBy(() => new JSONLSinkCollector('/dev/null')),
      '/dev/null',
      /it is a character device, not a regular file/,
    );
    const sink = new JSONLSinkCollector('/dev/null', { allowNonRegularFile: true });
    expect(() => sink.emit(new TurnStartEvent())).not.toThrow();
    sink.close();
  });
});

describe('JSONLSinkCollector: bad targets and options are rejected, naming them', () => {
  const tempDir = useTempDir();

  const badTargets: [string, unknown][] = [
    ['an empty path', ''],
    ['null', null],
    ['a number', 42],
    ['an object without write()', {}],
    ['write that is not a function', { write: 'no' }],
  ];
  for (const [name, target] of badTargets) {
    it(`JSONLSinkCollector(${name}): AuditOptionError ERR_AUDIT_TARGET`, () => {
      const error = thrownBy(() => new JSONLSinkCollector(target as string));
      expect(error).toBeInstanceOf(AuditOptionError);
      expect((error as AuditOptionError).code).toBe('ERR_AUDIT_TARGET');
      expect(error.message).toMatch(
        /^Invalid target: expected a file path \(string or URL\) or a writable stream, got /,
      );
    });
  }

  const badOptions: [name: string, options: unknown, message: string][] = [
    ['mode -1', { mode: -1 }, 'Invalid option "mode": expected an integer from 0 to 4095, got -1'],
    [
      'mode as a string',
      { mode: '0600' },
      'Invalid option "mode": expected an integer from 0 to 4095, got "0600"',
    ],
    ['mode 1.5', { mode: 1.5 }, 'Invalid option "mode": expected an integer from 0 to 4095, got 1.5'],
    [
      'mode 0o10000',
      { mode: 0o10000 },
      'Invalid option "mode": expected an integer from 0 to 4095, got 4096',
    ],
    [
      'allowNonRegularFile "yes"',
      { allowNonRegularFile: 'yes' },
      'Invalid option "allowNonRegularFile": expected a boolean, got "yes"',
    ],
    ['an unknown key', { modee: 0o600 }, 'Invalid option "options.modee"'],
    ['options that are a string', 'fast', 'Invalid option "options": expected an options object, got "fast"'],
    ['options that are null', null, 'Invalid option "options": expected an options object, got null'],
  ];
  for (const [name, options, message] of badOptions) {
    it(`JSONLSinkCollector(path, ${name}): AuditOptionError naming the option, no file created`, () => {
      const file = path.join(tempDir(), 'never.jsonl');
      const error = thrownBy(() => new JSONLSinkCollector(file, options as object));
      expect(error).toBeInstanceOf(AuditOptionError);
      expect((error as AuditOptionError).code).toBe('ERR_AUDIT_OPTION');
      expect(error.message.startsWith(message)).toBe(true);
      expect(fs.existsSync(file)).toBe(false);
    });
  }
});
