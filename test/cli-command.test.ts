/**
 * The `calute-audit` command as a user runs it: help and version, usage errors (exit 2),
 * the errors for inputs that are missing, a directory or not an audit trail (with the line
 * of the first bad line), and a reader that closes the output early (exit 0, no error).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { COMMANDS } from 'calute-audit/cli';
import { describe, expect, it } from 'vitest';
import { BIN, runBin } from './support/cli-run.js';
import { writeAgentTrail } from './support/cli-trails.js';
import { useTempDir } from './support/temp-files.js';

const tempDir = useTempDir('calute-audit-cli-command-');

describe('the calute-audit command', () => {
  it('--help lists every command; <command> --help describes it; --version prints the package version', async () => {
    const help = await runBin(['--help']);
    expect(help.code).toBe(0);
    expect(COMMANDS.map((command) => command.name)).toStrictEqual([
      'pretty',
      'tail',
      'filter',
      'stats',
      'turns',
      'verify',
      'export',
      'report',
    ]);
    for (const command of COMMANDS)
      expect(help.stdout).toContain(`\n  ${command.name.padEnd(6)}  ${command.summary}\n`);
    const verify = await runBin(['verify', '--help']);
    expect(verify.stdout.startsWith('Usage: calute-audit verify [input...]')).toBe(true);
    expect(verify.stdout).toContain(
      'Exit status: 0 sound; 1 problems found; 2 bad usage or an input that cannot be read.',
    );
    const manifest = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(await runBin(['--version'])).toStrictEqual({
      code: 0,
      stdout: `${manifest.version}\n`,
      stderr: '',
    });
    const none = await runBin([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(help.stdout);
  });

  it('usage errors: an unknown command, an unknown option, a bad number (exit 2, nothing on stdout)', async () => {
    expect(await runBin(['stat'])).toStrictEqual({
      code: 2,
      stdout: '',
      stderr:
        'calute-audit: unknown command "stat"; the commands are pretty, tail, filter, stats, turns, verify, export, report (calute-audit --help)\n',
    });
    expect((await runBin(['pretty', '--width', 'wide', 'x'])).stderr).toBe(
      'calute-audit: --width "wide": expected a whole number of at least 8\n',
    );
    expect((await runBin(['tail', '-n', '-3', 'x'])).code).toBe(2);
  });

  it('inputs: a missing file, a directory, a file that is not an audit trail (its first bad line)', async () => {
    const dir = tempDir();
    const missing = path.join(dir, 'missing.jsonl');
    expect(await runBin(['stats', missing])).toStrictEqual({
      code: 2,
      stdout: '',
      stderr: `calute-audit: ${missing}: no such file\n`,
    });
    expect((await runBin(['turns', dir])).stderr).toBe(
      `calute-audit: ${dir}: is a directory, not an audit file (give a file in it, or a trail's base path such as ${dir}/audit.jsonl)\n`,
    );
    const csv = path.join(dir, 'data.csv');
    fs.writeFileSync(csv, 'name,value\nx,1\n');
    const notTrail = await runBin(['pretty', csv]);
    expect(notTrail.code).toBe(2);
    expect(notTrail.stdout).toBe('');
    // (JSON.parse's own words in the parentheses vary with the Node version.)
    expect(notTrail.stderr).toMatch(
      new RegExp(`^calute-audit: ${csv}:1: not an audit record: not JSON \\(.+\\)\\n$`),
    );
    const mixed = path.join(dir, 'mixed.jsonl');
    const trail = path.join(dir, 'audit.jsonl');
    await writeAgentTrail(trail);
    fs.writeFileSync(mixed, `${fs.readFileSync(trail, 'utf8')}{"no_type":1}\n`);
    const run = await runBin(['stats', mixed]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`calute-audit: ${mixed}:18: not an audit record: no "event_type" string\n`);
    // A file with no newline at its end: its one line is not a write cut short.
    const json = path.join(dir, 'package.json');
    fs.writeFileSync(json, '{"name":"app","version":"1.0.0"}');
    const text = path.join(dir, 'notes.txt');
    fs.writeFileSync(text, 'hello');
    for (const command of ['stats', 'filter', 'pretty', 'turns']) {
      expect(await runBin([command, json]), command).toStrictEqual({
        code: 2,
        stdout: '',
        stderr: `calute-audit: ${json}:1: not an audit record: no "event_type" string (and no newline at the end of the file)\n`,
      });
      expect((await runBin([command, text])).stderr, command).toBe(
        `calute-audit: ${text}:1: not an audit record: not the start of a record (and no newline at the end of the file)\n`,
      );
    }
    const verified = await runBin(['verify', json]);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toContain(
      `${json}:1: not-object: no "event_type" string (and no newline at the end of the file)`,
    );
    // A record cut short is still a torn line, a warning: what was whole is read.
    const cut = path.join(dir, 'cut.jsonl');
    const first = fs.readFileSync(trail, 'utf8').split('\n')[0];
    fs.writeFileSync(cut, `${first}\n${first.slice(0, 40)}`);
    const torn = await runBin(['stats', '--json', cut]);
    expect(torn.code).toBe(0);
    expect(JSON.parse(torn.stdout).records).toBe(1);
    const gz = path.join(dir, 'broken.jsonl.gz');
    fs.writeFileSync(gz, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]));
    const broken = await runBin(['stats', gz]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(new RegExp(`^calute-audit: ${gz}: not a whole gzip file \\(.+\\)\\n$`));
  });

  it('a reader that stops early (| head -n 1): exit 0, nothing on stderr', async () => {
    const dir = tempDir();
    const trail = path.join(dir, 'audit.jsonl');
    await writeAgentTrail(trail);
    const big = path.join(dir, 'big.jsonl');
    const text = fs.readFileSync(trail, 'utf8');
    fs.writeFileSync(big, text.repeat(3000));
    const child = spawn(process.execPath, [BIN, 'filter', '--agent', 'coder', big], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const first = await new Promise<string>((resolve) => {
      child.stdout.once('data', (chunk: Buffer) => {
        resolve(chunk.toString('utf8').split('\n')[0]);
        child.stdout.destroy();
      });
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(JSON.parse(first).agent_id).toBe('coder');
    expect(code).toBe(0);
    expect(stderr).toBe('');
  });
});
