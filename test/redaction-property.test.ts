/**
 * Property (fast-check; the seed is printed, replay a failure with FC_SEED=<seed>): for
 * arbitrary metadata and a random choice of redaction paths, censor and removal, the same
 * call through an emitter without redaction and one with it, both into one real file:
 * every line parses; each value at a redacted path holds the censor (or is gone with
 * `remove`); everything else equals the unredacted record. The oracle walks the written
 * JSON with the paths itself; it shares no code with the redactor.
 *
 * Left out of the generator, each with a test of its own in emitter-redaction.test.ts: Maps
 * (written as [key, value] pairs that paths do not reach) and "__proto__" keys.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AuditEmitter, JSONLSinkCollector } from 'calute-audit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-files.js';
import { seedFrom } from './support/threaded-sink-kit.js';

const TIMESTAMP = '2025-06-15T14:30:00.123456+00:00';

/** Each path, and its segments as the oracle reads them. */
const PATHS: [path: string, segments: string[]][] = [
  ['metadata.user.email', ['user', 'email']],
  ['metadata.*.password', ['*', 'password']],
  ['metadata.headers["x-api-key"]', ['headers', 'x-api-key']],
  ["metadata['a.b']", ['a.b']],
  ['metadata.list.*.token', ['list', '*', 'token']],
  ['metadata.secrets.*', ['secrets', '*']],
  ['metadata.token', ['token']],
];

type Json = unknown;
type Location = string[];

/** The locations under `node` that `segments` names, as the written JSON has them. */
function locations(node: Json, segments: readonly string[], prefix: Location = []): Location[] {
  if (segments.length === 0) return [prefix];
  if (typeof node !== 'object' || node === null) return [];
  const [first, ...rest] = segments;
  const keys = first === '*' ? Object.keys(node) : Object.hasOwn(node, first) ? [first] : [];
  return keys.flatMap((key) => locations((node as Record<string, Json>)[key], rest, [...prefix, key]));
}

const ABSENT = Symbol('absent');
function valueAt(node: Json, location: Location): Json | typeof ABSENT {
  let current: Json = node;
  for (const key of location) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return ABSENT;
    current = (current as Record<string, Json>)[key];
  }
  return current;
}

/** Takes the value at `location` out (an array keeps its length: a placeholder stands there). */
function takeOut(node: Json, location: Location): void {
  const parent = valueAt(node, location.slice(0, -1));
  const key = location[location.length - 1];
  if (typeof parent !== 'object' || parent === null || !Object.hasOwn(parent, key)) return;
  if (Array.isArray(parent)) parent[Number(key)] = '<redacted location>';
  else delete (parent as Record<string, Json>)[key];
}

const strings = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.emailAddress());
/** Keys the paths name, often, and any others. */
const keys = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'user',
      'email',
      'password',
      'headers',
      'x-api-key',
      'a.b',
      'list',
      'token',
      'secrets',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('name', 'id', 'a', 'b', '0', 'é', '') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);
function named() {}
const leaf = fc.oneof(
  strings,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0),
  fc.string().map((description) => Symbol(description)),
  fc.constantFrom(named, () => 0),
  fc.date({ noInvalidDate: true }),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('object'), tie('array')),
  object: fc.dictionary(keys, tie('node'), { maxKeys: 5 }),
  array: fc.array(tie('node'), { maxLength: 4 }),
})).node;
const metadataArb = fc.dictionary(keys, value, { maxKeys: 6 });

const settingsArb = fc.record({
  paths: fc.subarray(PATHS, { minLength: 1 }),
  remove: fc.boolean(),
  censor: fc.constantFrom('[REDACTED]', '***', '', 'x"y\n'),
});

describe('redaction property: the paths are censored or gone, the rest is the unredacted record', () => {
  const tempDir = useTempDir();

  it('arbitrary metadata, random paths, censor and removal, both records in one file', () => {
    const seed = seedFrom('FC_SEED', 'redaction-property');
    const file = path.join(tempDir(), 'audit.jsonl');
    const sink = new JSONLSinkCollector(file);
    const plain = new AuditEmitter({ collector: sink, sessionId: 's-1' });
    let offset = 0;
    const seen = { censored: 0, removed: 0 };
    try {
      fc.assert(
        fc.property(metadataArb, settingsArb, strings, (metadata, settings, text) => {
          const redacting = new AuditEmitter({
            collector: sink,
            sessionId: 's-1',
            redact: {
              paths: settings.paths.map(([text]) => text),
              remove: settings.remove,
              censor: settings.censor,
            },
          });
          for (const audit of [plain, redacting]) {
            audit.emitTurnStart({ timestamp: TIMESTAMP, turnId: 't', agentId: text, prompt: text, metadata });
          }
          const bytes = fs.readFileSync(file);
          const lines = bytes.subarray(offset).toString('utf8').split('\n');
          offset = bytes.length;
          expect(lines.pop()).toBe('');
          expect(lines).toHaveLength(2);
          const [before, after] = lines.map((line) => JSON.parse(line) as Record<string, Json>);

          const found = settings.paths.map(([, segments]) => ({
            before: locations(before.metadata, segments),
            after: locations(after.metadata, segments),
          }));
          const allBefore = found.flatMap((entry) => entry.before);
          const covered = (location: Location) =>
            allBefore.some(
              (other) => other.length < location.length && other.every((key, i) => key === location[i]),
            );
          // Each value the unredacted record has at a path: censored, or gone with remove.
          for (const location of allBefore.filter((location) => !covered(location))) {
            const redacted = valueAt(after.metadata, location);
            if (settings.remove) {
              // An array keeps its length: a removed element is written as null.
              const inArray = Array.isArray(valueAt(after.metadata, location.slice(0, -1)));
              expect(redacted === ABSENT || (inArray && redacted === null), location.join('.')).toBe(true);
              seen.removed++;
            } else {
              expect(redacted, location.join('.')).toBe(settings.censor);
              seen.censored++;
            }
          }
          // A path where the unredacted record has nothing (an undefined value) holds the censor or nothing.
          for (const location of found.flatMap((entry) => entry.after)) {
            const redacted = valueAt(after.metadata, location);
            expect(
              ([settings.censor, null] as unknown[]).includes(redacted) || covered(location),
              location.join('.'),
            ).toBe(true);
          }
          // Everything else: equal.
          for (const location of [...allBefore, ...found.flatMap((entry) => entry.after)]) {
            takeOut(before.metadata, location);
            takeOut(after.metadata, location);
          }
          expect(after).toStrictEqual(before);
        }),
        { seed, numRuns: 400 },
      );
    } finally {
      sink.close();
    }
    console.log(`redaction-property: values checked ${JSON.stringify(seen)}`);
    // Not vacuous: the generator reached the paths, both with a censor and with removal.
    expect(seen.censored).toBeGreaterThan(20);
    expect(seen.removed).toBeGreaterThan(20);
  });
});
