/**
 * Bundled with Rollup (ES module output, @rollup/plugin-node-resolve) and run from folders
 * with no node_modules: the README's recipe (the drain worker as a second input, its path in
 * the global override set by the output banner) writes every line through the bundled drain
 * worker, and so does the demo bundled the same way (with the CommonJS and JSON plugins its
 * piscina pool needs).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import commonjsPlugin from '@rollup/plugin-commonjs';
import jsonPlugin from '@rollup/plugin-json';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { type OutputOptions, rollup } from 'rollup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BURST,
  type BurstReport,
  COMMONJS_SHIMS_BANNER,
  DEMO_TOOL_WORKER_KEY,
  esmOverridesBanner,
  expectBurstFile,
  expectNoNodeModulesAbove,
  makeApp,
  markModuleType,
  PISCINA_WORKER,
  REPO,
} from './support/bundled-app.js';
import { killChildrenAfterEach, startNode } from './support/child-process.js';
import { DEMO_RECORDS, expectDemoTrail } from './support/demo-trail.js';

// These plugins' types describe their CommonJS build (their package.json has no "type"), so
// the type checker sees the default export one level down; Node loads their ES build.
const commonjs = ((commonjsPlugin as any).default ?? commonjsPlugin) as typeof commonjsPlugin.default;
const json = ((jsonPlugin as any).default ?? jsonPlugin) as typeof jsonPlugin.default;

const DRAIN_BANNER = esmOverridesBanner({ 'calute-audit-drain': 'calute-audit-drain.mjs' });

killChildrenAfterEach();

let root = '';
let recipeOut = '';
let demoOut = '';

/** Bundles as `rollup -c` would with this config, run in the current folder (the app's). */
async function bundle(config: { input: Record<string, string>; plugins: any[]; output: OutputOptions }) {
  const build = await rollup({
    input: config.input,
    plugins: config.plugins,
  });
  await build.write(config.output);
  await build.close();
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'calute-audit-rollup-'));
  const app = makeApp(root);
  recipeOut = path.join(root, 'recipe');
  demoOut = path.join(root, 'demo');
  // Inputs and bare names are resolved from the current folder, as `rollup -c` in the app's folder does.
  const cwd = process.cwd();
  process.chdir(app);
  try {
    await buildBoth();
  } finally {
    process.chdir(cwd);
  }
  markModuleType(demoOut, 'module');
  expectNoNodeModulesAbove(root);
});

async function buildBoth() {
  // The README's rollup.config.mjs.
  await bundle({
    input: {
      'close-after-burst': 'src/close-after-burst.mjs',
      'calute-audit-drain': 'calute-audit/drain-worker',
    },
    plugins: [nodeResolve()],
    output: {
      dir: recipeOut,
      format: 'es',
      entryFileNames: '[name].mjs',
      chunkFileNames: '[name]-[hash].mjs',
      banner: DRAIN_BANNER,
    },
  });
  await bundle({
    input: {
      'agent-loop': 'src/agent-loop.mjs',
      'tool-worker': 'src/tool-worker.mjs',
      'calute-audit-drain': 'calute-audit/drain-worker',
      worker: PISCINA_WORKER,
    },
    // piscina is CommonJS and reads its package.json; its optional native module stays a require that fails.
    plugins: [nodeResolve(), json(), commonjs({ ignore: ['@napi-rs/nice'] })],
    output: {
      dir: demoOut,
      format: 'es',
      banner: `${COMMONJS_SHIMS_BANNER}\n${esmOverridesBanner({
        'calute-audit-drain': 'calute-audit-drain.js',
        [DEMO_TOOL_WORKER_KEY]: 'tool-worker.js',
      })}`,
    },
  });
}

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('Rollup', () => {
  it('the README gives this recipe: the drain worker input and the banner', () => {
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    expect(readme).toContain("'calute-audit-drain': 'calute-audit/drain-worker'");
    expect(readme).toContain(DRAIN_BANNER);
    expect(readme).toContain('plugins: [nodeResolve()]');
  });

  for (const how of ['close', 'closeAsync'] as const) {
    it(`the recipe: the bundled drain worker writes every line (${how}())`, async () => {
      const file = path.join(recipeOut, `${how}.jsonl`);
      const args = [file, how, String(BURST.count), String(BURST.ringSize)];
      const ended = await startNode([path.join(recipeOut, 'close-after-burst.mjs'), ...args], {
        timeoutMs: 30_000,
      }).ended;
      expect(ended.stderr).toBe('');
      expect(ended.code).toBe(0);
      const report = JSON.parse(ended.stdout) as BurstReport;
      expect(report.errors).toStrictEqual([]);
      expect(report.drainingInline).toBe(false);
      expectBurstFile(file);
    });
  }

  it('the demo: every record of every thread, written by the bundled drain worker', async () => {
    const file = path.join(demoOut, 'demo.jsonl');
    const tmp = fs.mkdtempSync(path.join(root, 'tmp-'));
    const ended = await startNode([path.join(demoOut, 'agent-loop.js'), file], {
      env: { TMPDIR: tmp },
      timeoutMs: 45_000,
    }).ended;
    expect(ended.stderr).toBe('');
    expect(ended.code).toBe(0);
    expectDemoTrail(file);
    expect(ended.stdout).toContain(
      `sink: ${DEMO_RECORDS} written, 0 dropped, written by the drain worker thread`,
    );
    expect(fs.readdirSync(tmp)).toStrictEqual([]);
  });
});
