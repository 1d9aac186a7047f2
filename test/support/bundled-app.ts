/**
 * A scratch application for the bundler tests, laid out as a user's: its sources in src/
 * (the demo's files and the close-after-burst fixture) and node_modules holding calute-audit
 * (this repository, linked as `npm install <folder>` links it) and piscina. Bundles are
 * written beside it, into folders with no node_modules on their path, and run from there:
 * whatever a bundle did not take in cannot be found.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { FIXTURES } from './child-process.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = path.join(REPO, 'examples');
/** The demo's modules (examples/agent-loop.mjs and what it imports). */
const DEMO_FILES = ['agent-loop.mjs', 'tool-worker.mjs', 'audit-cost.mjs', 'trail-summary.mjs'];

/** The key of globalThis.__bundlerPathsOverrides that names the demo's tool worker (examples/agent-loop.mjs). */
export const DEMO_TOOL_WORKER_KEY = 'calute-audit-demo-tool-worker';

/** Makes `<root>/app`; returns its path. */
export function makeApp(root: string): string {
  const app = path.join(root, 'app');
  fs.mkdirSync(path.join(app, 'src'), { recursive: true });
  fs.mkdirSync(path.join(app, 'node_modules'));
  fs.writeFileSync(
    path.join(app, 'package.json'),
    '{ "name": "bundled-app", "private": true, "type": "module" }\n',
  );
  for (const file of DEMO_FILES) fs.copyFileSync(path.join(EXAMPLES, file), path.join(app, 'src', file));
  fs.copyFileSync(
    path.join(FIXTURES, 'close-after-burst.mjs'),
    path.join(app, 'src', 'close-after-burst.mjs'),
  );
  fs.symlinkSync(REPO, path.join(app, 'node_modules', 'calute-audit'), 'dir');
  fs.symlinkSync(
    path.join(REPO, 'node_modules', 'piscina'),
    path.join(app, 'node_modules', 'piscina'),
    'dir',
  );
  return app;
}

/** Fails when a folder above `dir` has node_modules, where a bundle could find what it should hold. */
export function expectNoNodeModulesAbove(dir: string): void {
  for (let at = dir; ; at = path.dirname(at)) {
    expect(fs.existsSync(path.join(at, 'node_modules')), `${at}/node_modules`).toBe(false);
    if (path.dirname(at) === at) return;
  }
}

/** Marks `dir`'s .js files as ES modules or CommonJS, as the application's package.json would. */
export function markModuleType(dir: string, type: 'module' | 'commonjs'): void {
  fs.writeFileSync(path.join(dir, 'package.json'), `{ "type": "${type}" }\n`);
}

/** A copy of the bundle in `from`, without the file `missing`. */
export function copyWithout(from: string, to: string, missing: string): string {
  fs.cpSync(from, to, { recursive: true, filter: (source) => path.basename(source) !== missing });
  expect(fs.existsSync(path.join(to, missing))).toBe(false);
  return to;
}

/** Runs an executable (a bundler's command line) to its end; throws with its output if it fails. */
export function runTool(file: string, args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error)
        reject(
          new Error(
            `${path.basename(file)} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`,
          ),
        );
      else resolve(`${stdout}${stderr}`);
    });
  });
}

/** What the close-after-burst fixture prints. */
export interface BurstReport {
  burstMs: number;
  closeMs: number;
  drainingInline: boolean;
  errors: { name: string; code: string; message: string }[];
}

/** Events the fixture emits, and its ring: the burst is many times the ring, so it must drain while it runs. */
export const BURST = { count: 3000, ringSize: 64 * 1024 };

/** Checks the fixture's file: every event, in order, each line whole. */
export function expectBurstFile(file: string): void {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  expect(lines.pop()).toBe('');
  expect(lines).toHaveLength(BURST.count);
  expect(lines.map((line) => JSON.parse(line).arguments_preview)).toStrictEqual(
    Array.from({ length: BURST.count }, (_, i) => String(i)),
  );
}

/** The README's banner for an ES module bundle: where each named worker file is, beside the bundle. */
export function esmOverridesBanner(files: Record<string, string>): string {
  const entries = Object.entries(files).map(
    ([key, file]) => `'${key}': new URL('./${file}', import.meta.url).href`,
  );
  return `globalThis.__bundlerPathsOverrides = { ...globalThis.__bundlerPathsOverrides, ${entries.join(', ')} };`;
}

/** The README's banner for a CommonJS bundle. */
export function cjsOverridesBanner(files: Record<string, string>): string {
  const entries = Object.entries(files).map(
    ([key, file]) => `'${key}': require('node:path').join(__dirname, '${file}')`,
  );
  return `globalThis.__bundlerPathsOverrides = { ...globalThis.__bundlerPathsOverrides, ${entries.join(', ')} };`;
}

/**
 * What piscina (CommonJS, which finds its own worker file through __dirname and loads
 * Node's modules with require) needs in an ES module bundle: the demo's bundles have it,
 * calute-audit (ES modules only) does not.
 */
export const COMMONJS_SHIMS_BANNER = [
  "import { createRequire as __createRequire } from 'node:module';",
  "import { fileURLToPath as __fileURLToPath } from 'node:url';",
  'const require = __createRequire(import.meta.url);',
  "const __dirname = __fileURLToPath(new URL('.', import.meta.url));",
].join('\n');

/** piscina's own worker file, which piscina finds as worker.js beside itself. */
export const PISCINA_WORKER = path.join(REPO, 'node_modules', 'piscina', 'dist', 'worker.js');
