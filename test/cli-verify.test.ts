/**
 * `calute-audit verify`: a sound trail (exit 0); every kind of problem named with its file
 * and line (exit 1); the integrity chain's sidecar and key; unreadable input (exit 2).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ThreadedJSONLSinkCollector, TurnStartEvent } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { runBin } from './support/cli-run.js';
import { writeAgentTrail, writeRotatedSet } from './support/cli-trails.js';
import { useTempDir } from './support/temp-files.js';

const tempDir = useTempDir('calute-audit-cli-verify-');

const GOOD =
  '{"event_type":"turn_start","timestamp":"2025-06-15T14:30:00.000000+00:00","agent_id":"a","turn_id":"t","session_id":"s","severity":"info","metadata":{},"prompt_preview":"hi"}';

describe('verify', () => {
  it('a sound trail, one file or a rotated and gzipped set: OK, exit 0', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'whole.jsonl');
    await writeAgentTrail(file);
    expect(await runBin(['verify', file])).toStrictEqual({
      code: 0,
      stdout: 'verify: OK: 1 source, 17 lines, 17 records\n',
      stderr: '',
    });
    const base = path.join(dir, 'audit.jsonl');
    writeRotatedSet(fs.readFileSync(file, 'utf8').trimEnd().split('\n'), base, 3, 10);
    expect((await runBin(['verify', base])).stdout).toBe('verify: OK: 3 sources, 17 lines, 17 records\n');
  });

  it('each problem with its file and line, then the count; exit 1', async () => {
    const file = path.join(tempDir(), 'bad.jsonl');
    const lines = [
      GOOD,
      'not json',
      '[1,2]',
      '',
      GOOD.replace('"severity":"info"', '"severity":"fatal"'),
      GOOD.replace('"turn_id":"t",', '').replace(
        '"timestamp":"2025-06-15T14:30:00.000000+00:00"',
        '"timestamp":"yesterday"',
      ),
      '{"timestamp":"2025-06-15T14:30:00Z","event_type":"x","agent_id":null,"turn_id":null,"session_id":null,"severity":"info","metadata":{}}',
      GOOD.replace('"metadata":{}', '"metadata":[]').replace('"agent_id":"a"', '"agent_id":7'),
      '{"event_type":"tool_call_complete","timestamp":"2025-06-15T14:30:00Z","agent_id":null,"turn_id":null,"session_id":null,"severity":"info","metadata":{},"tool_name":"x","status":"success","duration_ms":"12","result_preview":""}',
      '{"event_type":"my_custom","timestamp":"2025-06-15T14:30:00+02:00","agent_id":null,"turn_id":null,"session_id":null,"severity":"warning","metadata":{},"anything":1}',
    ];
    fs.writeFileSync(file, `${lines.join('\n')}\n{"event_type":"turn_st`);
    const run = await runBin(['verify', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    expect(run.stdout.replace(/\(Unexpected token[^)]*\)/, '(…)')).toBe(
      [
        `${file}:2: not-json: not JSON (…)`,
        `${file}:3: not-object: not a JSON object (an array)`,
        `${file}:4: blank-line: a blank line (no record)`,
        `${file}:5: envelope: "severity" is "fatal", expected "info", "warning", "error"`,
        `${file}:6: envelope: missing "turn_id"`,
        `${file}:6: envelope: "timestamp" is "yesterday", expected an ISO 8601 time with its offset (2025-06-15T14:30:00.123456+00:00)`,
        `${file}:7: envelope: keys out of order: expected event_type, timestamp, agent_id, turn_id, session_id, severity, metadata first, found timestamp, event_type, agent_id, turn_id, session_id, severity, metadata`,
        `${file}:8: envelope: "agent_id" is 7, expected a string or null`,
        `${file}:8: envelope: "metadata" is [], expected an object`,
        `${file}:9: field: tool_call_complete "duration_ms" is "12", expected a number`,
        `${file}:11: torn-line: 22 bytes with no newline at the end of the file (a write cut short)`,
        'verify: FAILED: 11 problems in 1 source, 11 lines, 7 records',
        '',
      ].join('\n'),
    );
    const limited = await runBin(['verify', '--max-problems', '2', file]);
    expect(limited.stdout.split('\n').slice(2)).toStrictEqual([
      'verify: FAILED: 11 problems (2 printed) in 1 source, 11 lines, 7 records',
      '',
    ]);
    const json = JSON.parse((await runBin(['verify', '--json', file])).stdout);
    expect(json).toMatchObject({ ok: false, exitCode: 1, lines: 11, records: 7, problemCount: 11 });
    expect(json.problems[10]).toStrictEqual({
      kind: 'torn-line',
      file,
      line: 11,
      message: '22 bytes with no newline at the end of the file (a write cut short)',
    });
    expect(json.integrity).toStrictEqual({ status: 'absent', problems: [], note: null });
  });

  it('integrity: a trail written with integrity verifies with its public key; a changed line fails with its kind and line', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'audit.jsonl');
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
    const key = path.join(dir, 'key.pem');
    fs.writeFileSync(key, publicKey.export({ type: 'spki', format: 'pem' }));
    const sink = new ThreadedJSONLSinkCollector(file, { integrity: { privateKey, checkpointEvery: 5 } });
    for (let seq = 0; seq < 12; seq++)
      sink.emit(new TurnStartEvent({ agentId: 'a1', promptPreview: `p${seq}` }));
    sink.close();
    const ok = await runBin(['verify', '--public-key', key, file]);
    expect(ok).toStrictEqual({
      code: 0,
      stdout: 'verify: OK: 1 source, 12 lines, 12 records, integrity chain checked\n',
      stderr: '',
    });
    // Without the key the chain is checked, not who signed it: said on stderr.
    const unsigned = await runBin(['verify', file]);
    expect(unsigned.code).toBe(0);
    expect(unsigned.stderr).toBe(
      'calute-audit: note: no public key given: the chain and every line were checked, not who signed the checkpoints\n',
    );
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines[6] = lines[6].replace('"p6"', '"p7"');
    fs.writeFileSync(file, lines.join('\n'));
    const changed = await runBin(['verify', '--no-color', '--public-key', key, file]);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toBe(
      `${file}:7: modified: line 7 of ${file} was modified\n` +
        'verify: FAILED: 1 problem in 1 source, 12 lines, 12 records, integrity chain checked\n',
    );
    expect((await runBin(['verify', '--public-key', path.join(dir, 'none.pem'), file])).stderr).toBe(
      `calute-audit: --public-key ${path.join(dir, 'none.pem')}: no such file\n`,
    );
  });

  it('a missing file or a directory: exit 2, named', async () => {
    const dir = tempDir();
    expect(await runBin(['verify', path.join(dir, 'nope.jsonl')])).toStrictEqual({
      code: 2,
      stdout: '',
      stderr: `calute-audit: ${path.join(dir, 'nope.jsonl')}: no such file\n`,
    });
    expect((await runBin(['verify', dir])).stderr).toBe(
      `calute-audit: ${dir}: is a directory, not an audit file (give a file in it, or a trail's base path such as ${dir}/audit.jsonl)\n`,
    );
  });
});
