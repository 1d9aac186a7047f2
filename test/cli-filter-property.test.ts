/**
 * Property: on any generated trail, `filter` prints exactly the lines a plain filter over
 * JSON.parse of every line selects, byte for byte, in order. The trails mix the sink's
 * compact records with the forms the byte test must not be fooled by: a type spelled with
 * an escape, a second top-level "event_type" key, spaces, strings and metadata keys that
 * contain `"event_type":"…"`, escaped quotes and non-ASCII text.
 * Reproduce a failure with CLI_FILTER_SEED=<the printed seed>.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { type FilterCriteria, filterTrail, resolveSources } from 'calute-audit/cli';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { useTempDir } from './support/temp-files.js';
import { seedFrom } from './support/threaded-sink-kit.js';

const tempDir = useTempDir('calute-audit-cli-filter-property-');

const TYPES = ['tool_call_failure', 'tool_call_attempt', 'turn_start', 'tool_call_failure_x', 'x'];
const AGENTS = ['a1', 'a2', 'ä3'];
const TOOLS = ['search', 'sh"ell', 'calc'];
const tricky = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('"event_type":"tool_call_failure"', '{"event_type":"x"}', '\\"', 'é😀\u2028', ''),
);
const record = fc.record({
  event_type: fc.constantFrom(...TYPES),
  timestamp: fc.constantFrom('2025-06-15T14:30:00.000000+00:00', '2025-06-15T14:31:00.500000+00:00'),
  agent_id: fc.option(fc.constantFrom(...AGENTS)),
  turn_id: fc.option(fc.constantFrom('t1', 't2')),
  session_id: fc.constantFrom('s1', 's2'),
  severity: fc.constantFrom('info', 'warning', 'error'),
  metadata: fc.dictionary(fc.oneof(fc.constantFrom('event_type', 'k', 'tool_name'), fc.string()), tricky, {
    maxKeys: 3,
  }),
  tool_name: fc.constantFrom(...TOOLS),
  text: tricky,
});

/** The record as a line, in one of the forms a trail can hold. */
const line = fc.tuple(record, fc.nat(9), fc.constantFrom(...TYPES)).map(([value, form, other]) => {
  const compact = JSON.stringify(value);
  switch (form) {
    case 0: // the type with its first letter escaped
      return compact.replace(
        /^\{"event_type":"(.)/,
        (_, letter: string) => `{"event_type":"\\u00${letter.charCodeAt(0).toString(16)}`,
      );
    case 1: // a second top-level event_type, which JSON.parse takes
      return `${compact.slice(0, -1)},"event_type":"${other}"}`;
    case 2: // spaces
      return JSON.stringify(value, null, 1).replace(/\n/g, ' ');
    case 3: {
      // another key first
      const { agent_id, ...rest } = value;
      return JSON.stringify({ agent_id, ...rest });
    }
    default:
      return compact;
  }
});

const criteria = fc.record(
  {
    types: fc.subarray(TYPES, { minLength: 1 }),
    agents: fc.subarray(AGENTS, { minLength: 1 }),
    tools: fc.subarray(TOOLS, { minLength: 1 }),
    severities: fc.subarray(['info', 'warning', 'error'], { minLength: 1 }),
    since: fc.constant('2025-06-15T14:30:30Z'),
  },
  { requiredKeys: ['types'] },
);

function oracle(lines: readonly string[], c: FilterCriteria): string {
  return lines
    .filter((text) => {
      const r = JSON.parse(text);
      return (
        c.types!.includes(r.event_type) &&
        (c.agents === undefined || c.agents.includes(r.agent_id)) &&
        (c.tools === undefined || c.tools.includes(r.tool_name)) &&
        (c.severities === undefined || c.severities.includes(r.severity)) &&
        (c.since === undefined || r.timestamp >= '2025-06-15T14:30:30')
      );
    })
    .map((text) => `${text}\n`)
    .join('');
}

it('filter selects exactly what a JSON.parse filter selects, byte for byte', async () => {
  const seed = seedFrom('CLI_FILTER_SEED', 'cli-filter-property');
  const file = path.join(tempDir(), 'trail.jsonl');
  await fc.assert(
    fc.asyncProperty(fc.array(line, { maxLength: 60 }), criteria, async (lines, c) => {
      fs.writeFileSync(file, lines.map((text) => `${text}\n`).join(''));
      const chunks: Buffer[] = [];
      const out = new Writable({
        write(chunk, _encoding, done) {
          chunks.push(Buffer.from(chunk));
          done();
        },
      });
      await filterTrail(resolveSources([file]), c, out);
      expect(Buffer.concat(chunks).toString('utf8')).toBe(oracle(lines, c));
    }),
    { seed, numRuns: 300 },
  );
});
