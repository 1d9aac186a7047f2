/**
 * The package as a user gets it. The files git tracks are copied into a temporary directory
 * (no dist/ there: `npm pack` must build it through `prepack`), packed with `npm pack`, and
 * the tarball is installed with `npm install <tarball> --offline` into a scratch project
 * outside the repository. There an ES module, a CommonJS script (`require(esm)`) and a
 * TypeScript CommonJS project (`module: nodenext`, type-checked against the shipped
 * declarations, then compiled and run) each write events through ThreadedJSONLSinkCollector,
 * and the test reads the file.
 *
 * Nothing needs the network: the build tools come from this repository's node_modules
 * (linked into the copy), and the runtime dependencies are copied from it into the scratch
 * project before the install. (`npm ci` caches the tarballs but not the registry metadata
 * npm needs to resolve a range like "5.0", so `--offline` could not fetch them; found in
 * node_modules, they need nothing from the registry.) Which packages the tarball may depend
 * on is checked on its own, against what dist/ imports.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const TSC = createRequire(path.join(REPO, 'package.json')).resolve('typescript/bin/tsc');
/** Events each scratch program emits. */
const COUNT = 200;
/** Planted in the copy's dist/ before packing: `prepack` must start from an empty dist/. */
const STALE = 'dist/stale-from-an-old-build.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; never rejects, so a failure can show its output. */
function run(file: string, args: readonly string[], cwd: string, env = childEnv()): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr: stderr || (error ? String(error) : '') });
    });
  });
}

/** This process's environment without what a parent npm passes its scripts (its project, its command). */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== 'INIT_CWD') env[key] = value;
  }
  return { ...env, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' };
}

/** npm under this Node: the npm that runs the suite when there is one, else `npm` on PATH. */
function npm(args: readonly string[], cwd: string): Promise<Run> {
  const cli = process.env.npm_execpath;
  return cli && /\.c?js$/.test(cli) ? run(process.execPath, [cli, ...args], cwd) : run('npm', args, cwd);
}

function check(result: Run, what: string): Run {
  if (result.code !== 0) {
    throw new Error(
      `${what} exited with ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );
  }
  return result;
}

/** The bare package names the JS files under `dir` import or require (TypeScript's own scanner finds them). */
function importedPackages(dir: string): string[] {
  const names = new Set<string>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
    const text = fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
    for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
      // Relative paths, Node's modules, the package's own "#shared/..." imports and its own
      // name (integrations import the public API as users do) are not dependencies.
      if (fileName.startsWith('.') || fileName.startsWith('#') || isBuiltin(fileName)) continue;
      if (fileName === 'calute-audit' || fileName.startsWith('calute-audit/')) continue;
      names.add(
        fileName
          .split('/')
          .slice(0, fileName.startsWith('@') ? 2 : 1)
          .join('/'),
      );
    }
  }
  return [...names].sort();
}

/** `names` and everything they depend on, as this repository's lockfile installed them. */
function dependencyClosure(names: readonly string[]): string[] {
  const lock = JSON.parse(fs.readFileSync(path.join(REPO, 'package-lock.json'), 'utf8'));
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    const entry = lock.packages[`node_modules/${name}`];
    if (!entry) throw new Error(`package-lock.json has no node_modules/${name}`);
    seen.add(name);
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(dep);
  };
  for (const name of names) visit(name);
  return [...seen].sort();
}

/** The body every scratch program shares: emit COUNT events, flush, read the stats, close. */
function emitBody(label: string): string {
  return `
const file = process.argv[2];
const errors = [];
const sink = new ThreadedJSONLSinkCollector(file, { onError: (error) => errors.push(String(error)) });
const audit = new AuditEmitter({ collector: sink, sessionId: '${label}' });
for (let i = 0; i < ${COUNT}; i++) {
  audit.emitToolCallAttempt({ agentId: 'agent-${label}', toolName: '${label}', args: String(i) });
}
sink.flush();
const stats = sink.stats();
sink.close();
`;
}

const ESM_SCRIPT = `import { fileURLToPath } from 'node:url';
import { AuditEmitter, ThreadedJSONLSinkCollector } from 'calute-audit';
${emitBody('esm')}
const resolved = fileURLToPath(import.meta.resolve('calute-audit'));
console.log(JSON.stringify({ resolved, stats, errors }));
`;

const CJS_SCRIPT = `'use strict';
const { AuditEmitter, ThreadedJSONLSinkCollector } = require('calute-audit');
${emitBody('cjs')}
const resolved = require.resolve('calute-audit');
console.log(JSON.stringify({ resolved, stats, errors }));
`;

const TS_SOURCE = `import { AuditEmitter, ThreadedJSONLSinkCollector, type ThreadedSinkStats } from 'calute-audit';

const file: string = process.argv[2];
const errors: string[] = [];
const sink = new ThreadedJSONLSinkCollector(file, { onError: (error: Error) => errors.push(String(error)) });
const audit = new AuditEmitter({ collector: sink, sessionId: 'ts-cjs' });
for (let i = 0; i < ${COUNT}; i++) {
  audit.emitToolCallAttempt({ agentId: 'agent-ts-cjs', toolName: 'ts-cjs', args: String(i) });
}
sink.flush();
const stats: ThreadedSinkStats = sink.stats();
sink.close();
// The declarations were found and are not \`any\`: a string ringSize is a type error.
// @ts-expect-error ringSize is a number
const misuse = () => new ThreadedJSONLSinkCollector(file, { ringSize: 'big' });
void misuse;
const resolved: string = require.resolve('calute-audit');
console.log(JSON.stringify({ resolved, stats, errors }));
`;

interface Packed {
  root: string;
  files: string[];
  scratch: string;
  /** node_modules/calute-audit in the scratch project. */
  installed: string;
  manifest: Record<string, any>;
  tsc: Run;
}

let packed: Packed | undefined;

function state(): Packed {
  if (!packed) throw new Error('beforeAll did not finish');
  return packed;
}

beforeAll(async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'calute-audit-pack-'));
  packed = { root } as Packed;
  const copy = path.join(root, 'clone');
  const out = path.join(root, 'tarball');
  const scratch = path.join(root, 'scratch');
  fs.mkdirSync(out);

  // The files git tracks, as a clone would have them; the build tools from this checkout.
  const listed = check(await run('git', ['-C', REPO, 'ls-files', '-z'], REPO), 'git ls-files');
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    const from = path.join(REPO, file);
    if (!fs.existsSync(from)) continue; // deleted in the working tree, not yet committed
    fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
    fs.copyFileSync(from, path.join(copy, file));
  }
  expect(fs.existsSync(path.join(copy, 'dist'))).toBe(false);
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  fs.mkdirSync(path.join(copy, 'dist'));
  fs.writeFileSync(path.join(copy, STALE), 'export {};\n');

  const pack = check(await npm(['pack', '--json', '--pack-destination', out], copy), 'npm pack');
  const report = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as {
    filename: string;
    files: { path: string }[];
  }[];
  const tarball = path.join(out, path.basename(report[0].filename));
  const files = report[0].files.map((file) => file.path).sort();

  // A scratch project outside the repository, with the runtime dependencies already there.
  fs.mkdirSync(path.join(scratch, 'node_modules'), { recursive: true });
  fs.writeFileSync(
    path.join(scratch, 'package.json'),
    `${JSON.stringify({ name: 'calute-audit-scratch', version: '1.0.0', private: true, type: 'commonjs' }, null, 2)}\n`,
  );
  const manifestInTarball = JSON.parse(fs.readFileSync(path.join(copy, 'package.json'), 'utf8'));
  for (const name of dependencyClosure(Object.keys(manifestInTarball.dependencies ?? {}))) {
    fs.cpSync(path.join(REPO, 'node_modules', name), path.join(scratch, 'node_modules', name), {
      recursive: true,
    });
  }
  check(await npm(['install', tarball, '--offline', '--no-audit', '--no-fund'], scratch), 'npm install');
  const installed = path.join(scratch, 'node_modules', 'calute-audit');
  const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));

  // The three programs; the TypeScript one is type-checked and compiled to CommonJS.
  fs.writeFileSync(path.join(scratch, 'esm.mjs'), ESM_SCRIPT);
  fs.writeFileSync(path.join(scratch, 'cjs.cjs'), CJS_SCRIPT);
  fs.mkdirSync(path.join(scratch, 'src'));
  fs.writeFileSync(path.join(scratch, 'src', 'main.ts'), TS_SOURCE);
  const tsconfig = {
    compilerOptions: {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      strict: true,
      rootDir: 'src',
      outDir: 'out',
      types: ['node'],
      typeRoots: [path.join(REPO, 'node_modules', '@types')],
    },
    include: ['src'],
  };
  fs.writeFileSync(path.join(scratch, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  const tsc = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], scratch);

  packed = { root, files, scratch, installed, manifest, tsc };
});

afterAll(() => {
  if (packed) fs.rmSync(packed.root, { recursive: true, force: true });
});

describe('npm pack on the tracked files: what the tarball holds', () => {
  it('prepack built dist/ from nothing: the entry points, their declarations and the drain worker', () => {
    const { files } = state();
    for (const file of [
      'dist/main/index.js',
      'dist/main/index.d.ts',
      'dist/worker/drain.js',
      'LICENSE',
      'README.md',
      'package.json',
    ]) {
      expect(files).toContain(file);
    }
    expect(files.filter((file) => file.startsWith('dist/') && file.endsWith('.js')).length).toBeGreaterThan(
      10,
    );
  });

  it('only dist/, LICENSE, README.md and package.json: no src/, test/, bench/, examples/ or config', () => {
    const { files } = state();
    const others = files.filter(
      (file) => !file.startsWith('dist/') && !['LICENSE', 'README.md', 'package.json'].includes(file),
    );
    expect(others).toStrictEqual([]);
    expect(files.some((file) => /^(src|test|bench|examples)\//.test(file))).toBe(false);
  });

  it('source maps carry their sources: stack traces and debuggers show the TypeScript without src/', () => {
    const { files, installed } = state();
    const maps = files.filter((file) => file.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(10);
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(fs.readFileSync(path.join(installed, map), 'utf8'));
      expect(sourcesContent?.length, map).toBe(sources.length);
      expect(
        sourcesContent.every((text: unknown) => typeof text === 'string' && text.length > 0),
        map,
      ).toBe(true);
    }
  });

  it('prepack cleans dist/ first: a file left from an older build is not shipped', () => {
    expect(state().files).not.toContain(STALE);
  });

  it('LICENSE is the full Apache-2.0 text', () => {
    const text = fs.readFileSync(path.join(state().installed, 'LICENSE'), 'utf8');
    expect(text).toContain('Apache License');
    expect(text).toContain('Version 2.0, January 2004');
    expect(text).toContain('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION');
    expect(text).toContain('END OF TERMS AND CONDITIONS');
    expect(text).toContain('APPENDIX: How to apply the Apache License to your work.');
    expect(state().manifest.license).toBe('Apache-2.0');
  });

  it('dependencies are exactly the packages dist/ imports, less the optional peers of integrations (piscina is only for examples, benches, tests)', () => {
    const { manifest, installed } = state();
    const imported = importedPackages(path.join(installed, 'dist'));
    const peers = Object.keys(manifest.peerDependencies ?? {}).sort();
    expect(Object.keys(manifest.dependencies ?? {}).sort()).toStrictEqual(
      imported.filter((name) => !peers.includes(name)),
    );
    // Every peer is optional: the core works without any integration's framework.
    for (const peer of peers) expect(manifest.peerDependenciesMeta?.[peer]?.optional).toBe(true);
    expect(manifest.optionalDependencies).toBeUndefined();
  });

  it("exports: each entry lists 'types' first, and every file it names is in the tarball", () => {
    const { manifest, files } = state();
    const entries = Object.entries(manifest.exports as Record<string, string | Record<string, string>>);
    expect(entries.map(([subpath]) => subpath)).toContain('.');
    for (const [subpath, target] of entries) {
      const targets = typeof target === 'string' ? { default: target } : target;
      if (typeof target !== 'string') {
        expect(Object.keys(target)[0], subpath).toBe('types');
        expect(Object.keys(target), subpath).toContain('default');
      }
      for (const file of Object.values(targets))
        expect(files, `${subpath} -> ${file}`).toContain(file.slice(2));
    }
  });
});

describe('the tarball installed in a scratch project: the calute-audit command', () => {
  it('node_modules/.bin/calute-audit runs: stats on a file the scratch project writes', async () => {
    const { scratch } = state();
    const file = path.join(scratch, 'bin-check.jsonl');
    fs.writeFileSync(
      file,
      '{"event_type":"tool_call_failure","timestamp":"2025-06-15T14:30:00.000000+00:00","agent_id":"a","turn_id":"t","session_id":"s","severity":"error","metadata":{},"tool_name":"x","error_type":"E","error_message":"m","duration_ms":5}\n',
    );
    const result = check(
      await run(
        path.join(scratch, 'node_modules', '.bin', 'calute-audit'),
        ['stats', '--json', file],
        scratch,
      ),
      'calute-audit stats',
    );
    const stats = JSON.parse(result.stdout);
    expect(stats.records).toBe(1);
    expect(stats.tools[0]).toMatchObject({ tool: 'x', failed: 1, failureRate: 1 });
  });
});

describe('the tarball installed in a scratch project: ThreadedJSONLSinkCollector writes every event', () => {
  const programs = [
    { label: 'esm', what: 'an ES module (import)', script: 'esm.mjs' },
    { label: 'cjs', what: 'a CommonJS script (require)', script: 'cjs.cjs' },
    { label: 'ts-cjs', what: 'TypeScript compiled to CommonJS', script: 'out/main.js' },
  ];

  it('TypeScript (module nodenext, package type commonjs): type-checks against the shipped declarations', () => {
    const { tsc, scratch } = state();
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
    const compiled = fs.readFileSync(path.join(scratch, 'out', 'main.js'), 'utf8');
    expect(compiled).toContain('require("calute-audit")');
    expect(compiled).not.toMatch(/^import /m);
  });

  for (const program of programs) {
    it(`${program.what}: resolves the installed copy, ${COUNT} records in emit order, drain worker alive`, async () => {
      const { scratch, installed } = state();
      const file = path.join(scratch, `${program.label}.jsonl`);
      const result = check(await run(process.execPath, [program.script, file], scratch), program.script);
      // Nothing on stderr but, on the Node versions that still print it, require(esm)'s notice.
      const stderr = result.stderr
        .split('\n')
        .filter((line) => line && !/ExperimentalWarning|--trace-/.test(line));
      expect(stderr).toStrictEqual([]);
      const report = JSON.parse(result.stdout) as {
        resolved: string;
        stats: Record<string, unknown>;
        errors: string[];
      };
      expect(fs.realpathSync(report.resolved)).toBe(
        path.join(fs.realpathSync(installed), 'dist/main/index.js'),
      );
      expect(report.errors).toStrictEqual([]);
      expect(report.stats).toMatchObject({
        enqueuedEvents: COUNT,
        writtenEvents: COUNT,
        droppedEvents: 0,
        workerRestarts: 0,
        writeErrors: 0,
      });

      const text = fs.readFileSync(file, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      const records = text
        .slice(0, -1)
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(records).toHaveLength(COUNT);
      expect(records.map((record) => record.arguments_preview)).toStrictEqual(
        Array.from({ length: COUNT }, (_, i) => String(i)),
      );
      for (const record of records) {
        expect(record).toMatchObject({
          event_type: 'tool_call_attempt',
          agent_id: `agent-${program.label}`,
          session_id: program.label,
          tool_name: program.label,
        });
      }
    });
  }
});
