/**
 * Bundled with esbuild (`--bundle --platform=node`, ES module and CommonJS output), as
 * Lambda, Docker and single-file builds do, and run from folders with no node_modules:
 *
 * - the README's recipe (the drain worker as a second entry point, its path in the global
 *   override set by a banner): every line is written by the bundled drain worker;
 * - the same bundle deployed without the drain worker's file, and the application bundled
 *   alone (the common mistake): every line still lands, written from the emitting thread,
 *   one AuditWorkerError says why and where to look, and close()/closeAsync() return at once;
 * - the demo (piscina tool pool and all) bundled the same way, with and without the file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BURST,
  type BurstReport,
  COMMONJS_SHIMS_BANNER,
  cjsOverridesBanner,
  copyWithout,
  DEMO_TOOL_WORKER_KEY,
  esmOverridesBanner,
  expectBurstFile,
  expectNoNodeModulesAbove,
  makeApp,
  markModuleType,
  PISCINA_WORKER,
  REPO,
  runTool,
} from './support/bundled-app.js';
import { killChildrenAfterEach, startNode } from './support/child-process.js';
import { DEMO_RECORDS, expectDemoTrail } from './support/demo-trail.js';

const ESBUILD = path.join(REPO, 'node_modules', '.bin', 'esbuild');
const DRAIN_ENTRY = 'calute-audit-drain=calute-audit/drain-worker';
/** The README's recipe, less the entry points and the output folder. */
const RECIPE = {
  esm: [
    '--bundle',
    '--platform=node',
    '--format=esm',
    '--out-extension:.js=.mjs',
    `--banner:js=${esmOverridesBanner({ 'calute-audit-drain': 'calute-audit-drain.mjs' })}`,
  ],
  cjs: [
    '--bundle',
    '--platform=node',
    '--format=cjs',
    `--banner:js=${cjsOverridesBanner({ 'calute-audit-drain': 'calute-audit-drain.js' })}`,
  ],
};
const SCRIPT = { esm: 'close-after-burst.mjs', cjs: 'close-after-burst.js' };
const DRAIN_FILE = { esm: 'calute-audit-drain.mjs', cjs: 'calute-audit-drain.js' };
/** "Promptly": the old code blocked 20 s here and lost everything; the drain-less close takes milliseconds. */
const PROMPT_MS = 1000;

killChildrenAfterEach();

let root = '';
/** Output folders by name. */
const out: Record<string, string> = {};

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'calute-audit-esbuild-'));
  const app = makeApp(root);
  const build = async (name: string, args: string[]) => {
    out[name] = path.join(root, name);
    await runTool(ESBUILD, [...args, `--outdir=${out[name]}`, '--log-level=error'], app);
  };
  const formats = ['esm', 'cjs'] as const;
  for (const format of formats) {
    await build(`recipe-${format}`, [
      'close-after-burst=src/close-after-burst.mjs',
      DRAIN_ENTRY,
      ...RECIPE[format],
    ]);
    out[`missing-${format}`] = copyWithout(
      out[`recipe-${format}`],
      path.join(root, `missing-${format}`),
      DRAIN_FILE[format],
    );
    // The common mistake: the application alone, as a bundler makes it by default.
    await build(`alone-${format}`, [
      'close-after-burst=src/close-after-burst.mjs',
      '--bundle',
      '--platform=node',
      `--format=${format}`,
      ...(format === 'esm' ? ['--out-extension:.js=.mjs'] : []),
    ]);
  }
  // The demo: its tool worker and piscina's own worker are entry points too, all .js
  // (piscina looks for worker.js), with package.json saying which kind of module they are.
  const demoEntries = [
    'agent-loop=src/agent-loop.mjs',
    'tool-worker=src/tool-worker.mjs',
    DRAIN_ENTRY,
    `worker=${PISCINA_WORKER}`,
    '--bundle',
    '--platform=node',
    // piscina's optional native module for thread priorities; it does without.
    '--external:@napi-rs/nice',
  ];
  const demoFiles = {
    'calute-audit-drain': 'calute-audit-drain.js',
    [DEMO_TOOL_WORKER_KEY]: 'tool-worker.js',
  };
  await build('demo-esm', [
    ...demoEntries,
    '--format=esm',
    `--banner:js=${COMMONJS_SHIMS_BANNER}\n${esmOverridesBanner(demoFiles)}`,
  ]);
  markModuleType(out['demo-esm'], 'module');
  await build('demo-cjs', [...demoEntries, '--format=cjs', `--banner:js=${cjsOverridesBanner(demoFiles)}`]);
  markModuleType(out['demo-cjs'], 'commonjs');
  out['demo-esm-missing'] = copyWithout(
    out['demo-esm'],
    path.join(root, 'demo-esm-missing'),
    'calute-audit-drain.js',
  );
  expectNoNodeModulesAbove(root);
});

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** Runs the close-after-burst bundle in `dir`; returns its report and its file. */
async function runBurst(dir: string, script: string, how: 'close' | 'closeAsync') {
  const file = path.join(dir, `${how}.jsonl`);
  const ended = await startNode(
    [path.join(dir, script), file, how, String(BURST.count), String(BURST.ringSize)],
    {
      timeoutMs: 30_000,
    },
  ).ended;
  expect(ended.stderr).toBe('');
  expect(ended.code).toBe(0);
  return { report: JSON.parse(ended.stdout) as BurstReport, file };
}

/** Runs a bundled demo in `dir` with a path to keep; returns its output. */
async function runDemo(dir: string) {
  const file = path.join(dir, 'demo.jsonl');
  const tmp = fs.mkdtempSync(path.join(root, 'tmp-'));
  const ended = await startNode([path.join(dir, 'agent-loop.js'), file], {
    env: { TMPDIR: tmp },
    timeoutMs: 45_000,
  }).ended;
  expect(ended.code, ended.stderr).toBe(0);
  expect(fs.readdirSync(tmp)).toStrictEqual([]);
  return { ...ended, file };
}

it('the README gives this recipe: the drain worker entry and both banners', () => {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  expect(readme).toContain(DRAIN_ENTRY);
  for (const arg of [...RECIPE.esm, ...RECIPE.cjs].filter((arg) => arg.startsWith('--banner:js='))) {
    expect(readme).toContain(arg.slice('--banner:js='.length));
  }
});

describe('the README recipe', () => {
  for (const format of ['esm', 'cjs'] as const) {
    for (const how of ['close', 'closeAsync'] as const) {
      it(`${format}: the bundled drain worker writes every line (${how}())`, async () => {
        const { report, file } = await runBurst(out[`recipe-${format}`], SCRIPT[format], how);
        expect(report.errors).toStrictEqual([]);
        expect(report.drainingInline).toBe(false);
        expectBurstFile(file);
      });
    }
  }
});

describe('the drain worker file missing: every line lands, one AuditWorkerError, no wait', () => {
  for (const format of ['esm', 'cjs'] as const) {
    for (const how of ['close', 'closeAsync'] as const) {
      it(`${format}, the recipe's bundle deployed without ${DRAIN_FILE[format]}: ${how}() returns promptly`, async () => {
        const dir = out[`missing-${format}`];
        const { report, file } = await runBurst(dir, SCRIPT[format], how);
        expectBurstFile(file);
        expect(report.drainingInline).toBe(true);
        expect(report.errors).toHaveLength(1);
        expect(report.errors[0]).toMatchObject({ name: 'AuditWorkerError', code: 'ERR_AUDIT_WORKER_EXIT' });
        expect(report.errors[0].message).toContain(
          `the drain worker file ${path.join(dir, DRAIN_FILE[format])} does not exist`,
        );
        expect(report.errors[0].message).toContain('see "Bundlers" in the README');
        expect(report.closeMs).toBeLessThan(PROMPT_MS);
      });
    }
  }

  it('esm, the application bundled alone: the error names the file looked for beside the bundle', async () => {
    const { report, file } = await runBurst(out['alone-esm'], SCRIPT.esm, 'close');
    expectBurstFile(file);
    expect(report.drainingInline).toBe(true);
    expect(report.errors.map((error) => error.message)).toStrictEqual([
      `The drain worker could not start (the drain worker file ${path.join(root, 'worker', 'drain.js')} does not exist (a bundled application: see "Bundlers" in the README); writing from the emitting thread)`,
    ]);
    expect(report.closeMs).toBeLessThan(PROMPT_MS);
  });

  it('cjs, the application bundled alone: the error says the file is unknown and how to name it', async () => {
    const { report, file } = await runBurst(out['alone-cjs'], SCRIPT.cjs, 'closeAsync');
    expectBurstFile(file);
    expect(report.drainingInline).toBe(true);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0].name).toBe('AuditWorkerError');
    expect(report.errors[0].message).toContain(
      'pass the drainWorker option or set globalThis.__bundlerPathsOverrides[\'calute-audit-drain\'] (see "Bundlers" in the README)',
    );
    expect(report.closeMs).toBeLessThan(PROMPT_MS);
  });
});

describe('the demo bundled (agent loop, piscina tool pool, drain worker)', () => {
  for (const format of ['esm', 'cjs'] as const) {
    it(`${format}: every record of every thread, written by the bundled drain worker`, async () => {
      const { stdout, stderr, file } = await runDemo(out[`demo-${format}`]);
      expect(stderr).toBe('');
      expectDemoTrail(file);
      expect(stdout).toContain(
        `sink: ${DEMO_RECORDS} written, 0 dropped, written by the drain worker thread`,
      );
    });
  }

  it('esm, without calute-audit-drain.js: every record, written from the agent thread, one error on stderr', async () => {
    const dir = out['demo-esm-missing'];
    const { stdout, stderr, file } = await runDemo(dir);
    expectDemoTrail(file);
    expect(stderr.split('\n').filter(Boolean)).toStrictEqual([
      `audit: AuditWorkerError: The drain worker could not start (the drain worker file ${path.join(dir, 'calute-audit-drain.js')} does not exist (a bundled application: see "Bundlers" in the README); writing from the emitting thread)`,
    ]);
    expect(stdout).toContain(
      `sink: ${DEMO_RECORDS} written, 0 dropped, written from the agent's thread (the drain worker could not start)`,
    );
    expect(stdout).toContain('1 audit error(s), printed above');
  });
});
