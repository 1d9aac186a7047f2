/**
 * The options of the audit file's life (`rotation`, `retention`, `compress`, `integrity`)
 * are checked at construction: a bad one throws an AuditOptionError whose message names it
 * (with the key inside the option object), and nothing is created at the path.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AuditOptionError, ThreadedJSONLSinkCollector, type ThreadedJSONLSinkOptions } from 'calute-audit';
import { describe, expect, it } from 'vitest';
import { thrownBy } from './support/assertions.js';
import { useTempDir } from './support/temp-files.js';

const ed25519 = crypto.generateKeyPairSync('ed25519');
const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
const ROTATION = { maxBytes: 4096 };
const RANGE = 'an integer from';

const cases: [name: string, options: unknown, message: string][] = [
  [
    'rotation without a policy',
    { rotation: {} },
    'Invalid option "rotation": expected maxBytes and/or interval, got "neither"',
  ],
  ['rotation null', { rotation: null }, 'Invalid option "rotation": expected an options object, got null'],
  [
    'rotation.maxBytes below 4096',
    { rotation: { maxBytes: 100 } },
    `Invalid option "rotation.maxBytes": expected ${RANGE} 4096 to 9007199254740991, got 100`,
  ],
  [
    'rotation.maxBytes a string',
    { rotation: { maxBytes: '10MB' } },
    `Invalid option "rotation.maxBytes": expected ${RANGE} 4096 to 9007199254740991, got "10MB"`,
  ],
  [
    'rotation.interval below 1000 ms',
    { rotation: { interval: 500 } },
    `Invalid option "rotation.interval": expected ${RANGE} 1000 to 9007199254740991, got 500`,
  ],
  [
    'rotation.clock not a function',
    { rotation: { ...ROTATION, clock: 5 } },
    'Invalid option "rotation.clock": expected a function, got 5',
  ],
  [
    'rotation with an unknown key',
    { rotation: { ...ROTATION, size: 1 } },
    'Invalid option "rotation.size": expected one of maxBytes, interval, clock, got an unknown option',
  ],
  [
    'compress without rotation',
    { compress: true },
    'Invalid option "compress": expected false unless rotation is set, got true',
  ],
  [
    'compress not a boolean',
    { rotation: ROTATION, compress: 'yes' },
    'Invalid option "compress": expected a boolean, got "yes"',
  ],
  [
    'retention without a limit',
    { rotation: ROTATION, retention: {} },
    'Invalid option "retention": expected maxFiles and/or maxAgeMs, got "neither"',
  ],
  [
    'retention.maxFiles 0',
    { rotation: ROTATION, retention: { maxFiles: 0 } },
    `Invalid option "retention.maxFiles": expected ${RANGE} 1 to 9007199254740991, got 0`,
  ],
  [
    'retention with an unknown key',
    { rotation: ROTATION, retention: { maxFiles: 1, keep: 2 } },
    'Invalid option "retention.keep": expected one of maxFiles, maxAgeMs, minAgeMs, got an unknown option',
  ],
  [
    'integrity.privateKey an RSA key',
    { integrity: { privateKey: rsa.privateKey } },
    'Invalid option "integrity.privateKey": expected an Ed25519 private key, got "rsa private key"',
  ],
  [
    'integrity.privateKey a public key',
    { integrity: { privateKey: ed25519.publicKey } },
    'Invalid option "integrity.privateKey": expected an Ed25519 private key, got "ed25519 public key"',
  ],
  [
    'integrity.checkpointEvery 0',
    { integrity: { privateKey: ed25519.privateKey, checkpointEvery: 0 } },
    `Invalid option "integrity.checkpointEvery": expected ${RANGE} 1 to 1000000, got 0`,
  ],
  [
    'allowNonRegularFile with rotation',
    { rotation: ROTATION, allowNonRegularFile: true },
    'Invalid option "allowNonRegularFile": expected false with rotation or integrity (they need a regular file), got true',
  ],
  [
    'allowNonRegularFile with integrity',
    { integrity: { privateKey: ed25519.privateKey }, allowNonRegularFile: true },
    'Invalid option "allowNonRegularFile": expected false with rotation or integrity (they need a regular file), got true',
  ],
];

describe('ThreadedJSONLSinkCollector(path, options): bad lifecycle options', () => {
  const tempDir = useTempDir('calute-lifecycle-options-');

  for (const [name, options, message] of cases) {
    it(`${name}: AuditOptionError naming it, nothing created`, () => {
      const dir = tempDir();
      const error = thrownBy(
        () =>
          new ThreadedJSONLSinkCollector(path.join(dir, 'audit.jsonl'), options as ThreadedJSONLSinkOptions),
      );
      expect(error).toBeInstanceOf(AuditOptionError);
      expect((error as Error).message).toBe(message);
      expect(fs.readdirSync(dir)).toStrictEqual([]);
    });
  }

  it('retention without rotation: the message names both options', () => {
    const error = thrownBy(
      () =>
        new ThreadedJSONLSinkCollector(path.join(tempDir(), 'audit.jsonl'), { retention: { maxFiles: 3 } }),
    );
    expect(error).toBeInstanceOf(AuditOptionError);
    expect((error as Error).message).toMatch(/^Invalid option "retention": .*rotation/);
  });

  it('integrity without a usable private key (missing, or text that is not PEM): the message names integrity.privateKey', () => {
    for (const integrity of [{}, { privateKey: 'not a pem' }]) {
      const error = thrownBy(
        () =>
          new ThreadedJSONLSinkCollector(path.join(tempDir(), 'audit.jsonl'), {
            integrity: integrity as { privateKey: string },
          }),
      );
      expect(error).toBeInstanceOf(AuditOptionError);
      expect((error as Error).message).toMatch(
        /^Invalid option "integrity\.privateKey": expected an Ed25519 private KeyObject or PEM, got /,
      );
    }
  });

  it("rotation.interval neither 'hourly', 'daily' nor a number: the message names the option and what it accepts", () => {
    const error = thrownBy(
      () =>
        new ThreadedJSONLSinkCollector(path.join(tempDir(), 'audit.jsonl'), {
          rotation: { interval: 'weekly' as 'daily' },
        }),
    );
    expect(error).toBeInstanceOf(AuditOptionError);
    const { message } = error as Error;
    expect(message).toContain('"rotation.interval"');
    expect(message).toContain('"weekly"');
    expect(message).toContain('hourly');
    expect(message).toContain('daily');
  });

  it('the resolved options: defaults filled in (checkpointEvery 1000, minAgeMs 7 days, compress false)', () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const sink = new ThreadedJSONLSinkCollector(file, {
      rotation: { interval: 'daily' },
      retention: { maxFiles: 30 },
      integrity: { privateKey: ed25519.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string },
    });
    sink.close();
    expect(sink.options.rotation).toStrictEqual({ maxBytes: 0, interval: 'daily', clock: null });
    expect(sink.options.retention).toStrictEqual({ maxFiles: 30, maxAgeMs: null, minAgeMs: 604_800_000 });
    expect(sink.options.compress).toBe(false);
    expect(sink.options.integrity?.checkpointEvery).toBe(1000);
    expect(sink.options.integrity?.privateKey.asymmetricKeyType).toBe('ed25519');
  });
});
