/**
 * Which Node runs the suite. `.ci/run` runs `npm test` once per supported Node line, each with
 * that Node first on PATH, and names the major version it means in CALUTE_AUDIT_EXPECT_NODE.
 * The forks vitest runs the tests in, and every child a test starts with process.execPath,
 * run on the Node vitest itself runs on; that must be the Node asked for, or a run would
 * report another version's results under its name.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const expected = process.env.CALUTE_AUDIT_EXPECT_NODE;

describe('the Node that runs the suite', () => {
  it.skipIf(expected === undefined)(`is Node ${expected} (CALUTE_AUDIT_EXPECT_NODE, set by .ci/run)`, () => {
    expect(process.versions.node.split('.')[0]).toBe(expected);
  });

  it("is the `node` on PATH, which npm's scripts and the tools' #!/usr/bin/env node lines run", () => {
    console.log(`node ${process.version} (${process.execPath})`);
    const onPath = execFileSync('node', ['-p', 'process.version + " " + process.execPath'], {
      encoding: 'utf8',
    }).trim();
    expect(onPath).toBe(`${process.version} ${process.execPath}`);
  });
});
