/**
 * Who may import what, checked on every file under src/ (imports read with the TypeScript
 * compiler's own scanner, so comments and strings do not count):
 *
 * | folder                 | may import                                                            |
 * |------------------------|-----------------------------------------------------------------------|
 * | src/shared             | Node's built-ins, src/shared                                          |
 * | src/worker             | Node's built-ins, #shared/*, src/worker                               |
 * | src/main               | Node's built-ins, #shared/*, src/main                                 |
 * | src/trail              | Node's built-ins, #shared/*, src/trail                                |
 * | src/otel, src/cli,     | Node's built-ins, the public API by the package's name ('calute-audit',|
 * | src/adapters/<name>    | 'calute-audit/<subpath>'), their own folder, third-party packages;    |
 * |                        | an adapter also src/adapters/common (what the adapters share)         |
 *
 * So the thread that emits (main) and the drain (worker) share only src/shared; neither the
 * core nor the trail reader depends on a third-party package; and integrations use the
 * package as its users do. A folder with no rules here fails the test until it gets some.
 */
import fs from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = path.join(ROOT, 'src');

interface Area {
  /** The folder, relative to src/, whose files the rules cover (and which they may import). */
  readonly folder: string;
  /** Another folder it may import by a relative path. */
  readonly alsoFolder?: string;
  readonly shared: boolean;
  readonly publicApi: boolean;
  readonly thirdParty: boolean;
}

const CORE = { publicApi: false, thirdParty: false } as const;
const INTEGRATION = { shared: false, publicApi: true, thirdParty: true } as const;

/** The rules for a file, by its path relative to src/ (with forward slashes); null: none. */
function areaOf(file: string): Area | null {
  const [top, second] = file.split('/');
  switch (top) {
    case 'shared':
      return { folder: 'shared', shared: false, ...CORE };
    case 'worker':
    case 'main':
    case 'trail':
      return { folder: top, shared: true, ...CORE };
    case 'otel':
    case 'cli':
      return { folder: top, ...INTEGRATION };
    case 'adapters':
      return second !== undefined && file.includes('/', 'adapters/'.length)
        ? { folder: `adapters/${second}`, alsoFolder: 'adapters/common', ...INTEGRATION }
        : null;
    default:
      return null;
  }
}

/** Why `file` (relative to src/) may not import `specifier`, or null when it may. */
function breach(file: string, specifier: string): string | null {
  const area = areaOf(file);
  if (area === null)
    return `src/${file}: no import rules for its folder (add them to test/import-rules.test.ts)`;
  const where = `src/${file} imports '${specifier}'`;
  if (isBuiltin(specifier)) return null;
  if (specifier.startsWith('.')) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
    const inside = (folder: string | undefined) => folder !== undefined && target.startsWith(`${folder}/`);
    return inside(area.folder) || inside(area.alsoFolder) ? null : `${where}: outside src/${area.folder}`;
  }
  if (specifier.startsWith('#shared/')) {
    return area.shared ? null : `${where}: src/${area.folder} may not use #shared/*`;
  }
  if (specifier.startsWith('#')) return `${where}: no such import map entry for src/${area.folder}`;
  if (specifier === 'calute-audit' || specifier.startsWith('calute-audit/')) {
    return area.publicApi ? null : `${where}: the core does not import the package by its name`;
  }
  return area.thirdParty ? null : `${where}: src/${area.folder} takes no third-party package`;
}

/** Every import specifier in `source`: static, dynamic, `export ... from`, `require`, type-only. */
function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((reference) => reference.fileName);
}

function breaches(file: string, source: string): string[] {
  return importsOf(source)
    .map((specifier) => breach(file, specifier))
    .filter((message): message is string => message !== null);
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('import rules', () => {
  it('every file under src/ imports only what its folder may', () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((full) =>
      breaches(path.relative(SRC, full).split(path.sep).join('/'), fs.readFileSync(full, 'utf8')),
    );
    expect(found).toStrictEqual([]);
  });

  // The checker itself: each kind of breach is caught, and what is allowed passes.
  const cases: [file: string, source: string, expected: string | null][] = [
    ['shared/x.ts', "import fs from 'node:fs';\nimport { a } from './protocol.js';", null],
    ['shared/x.ts', "import { errors } from '../main/errors.js';", 'outside src/shared'],
    ['shared/x.ts', "import { a } from '#shared/protocol.js';", 'src/shared may not use #shared/*'],
    ['shared/x.ts', "import SonicBoom from 'sonic-boom';", 'src/shared takes no third-party package'],
    ['worker/drain.ts', "import { Drain } from '#shared/drain-loop.js';", null],
    ['worker/drain.ts', "import { errors } from '../main/errors.js';", 'outside src/worker'],
    ['main/x.ts', "import { ringViews } from '#shared/protocol.js';\nimport { e } from './errors.js';", null],
    ['main/x.ts', "export { Drain } from '../worker/drain.js';", 'outside src/main'],
    ['main/x.ts', "const otel = await import('../otel/index.js');", 'outside src/main'],
    ['main/x.ts', "import { AuditEmitter } from 'calute-audit';", 'the core does not import the package'],
    ['main/x.ts', "import type { Piscina } from 'piscina';", 'src/main takes no third-party package'],
    ['trail/files.ts', "import { listTrailFiles } from '#shared/trail-names.js';", null],
    ['trail/files.ts', "import { errors } from '../main/errors.js';", 'outside src/trail'],
    [
      'otel/x.ts',
      "import { trace } from '@opentelemetry/api';\nimport { AuditError } from 'calute-audit';\nimport { listTrailFiles } from 'calute-audit/trail';\nimport { a } from './attributes.js';",
      null,
    ],
    ['otel/x.ts', "import { ringViews } from '#shared/protocol.js';", 'src/otel may not use #shared/*'],
    ['otel/x.ts', "import { errors } from '../main/errors.js';", 'outside src/otel'],
    ['cli/x.ts', "import { listTrailFiles } from '../trail/files.js';", 'outside src/cli'],
    [
      'adapters/langchain/x.ts',
      "import { AuditEmitter } from 'calute-audit';\nimport '@langchain/core';",
      null,
    ],
    ['adapters/langchain/x.ts', "import { y } from '../openai/y.js';", 'outside src/adapters/langchain'],
    ['adapters/x.ts', "import 'calute-audit';", 'no import rules for its folder'],
    ['newthing/x.ts', "import fs from 'node:fs';", 'no import rules for its folder'],
    // Text that only looks like an import is not one.
    ['shared/x.ts', "// import x from '../main/errors.js'\nconst s = \"import y from 'sonic-boom'\";", null],
  ];

  for (const [file, source, expected] of cases) {
    it(`src/${file}: ${expected === null ? 'allowed' : expected} (${source.split('\n')[0]})`, () => {
      const found = breaches(file, source);
      if (expected === null) expect(found).toStrictEqual([]);
      else expect(found).toStrictEqual([expect.stringContaining(expected)]);
    });
  }
});
