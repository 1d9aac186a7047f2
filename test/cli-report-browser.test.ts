/**
 * The report opened in headless Chromium (Debian's, driven by playwright-core): it shows
 * the trail's turns and tool calls, a click on a turn opens it, the filters narrow the
 * timeline and the failure list, nothing is fetched and nothing throws. A screenshot is
 * saved as a test artifact (test-artifacts/report.png).
 *
 * Chromium is found at /usr/bin/chromium (`.ci/run` installs Debian's package). Without it
 * the test fails, unless CALUTE_AUDIT_SKIP_BROWSER=1 says to skip it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveSources, writeReport } from 'calute-audit/cli';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAgentTrail } from './support/cli-trails.js';

const CHROMIUM = '/usr/bin/chromium';
const SKIP = process.env.CALUTE_AUDIT_SKIP_BROWSER === '1';
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

let dir = '';
let context: BrowserContext | undefined;
let page: Page;
const requests: string[] = [];
const problems: string[] = [];

describe.skipIf(SKIP)('report in Chromium', () => {
  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), or set CALUTE_AUDIT_SKIP_BROWSER=1 to skip this test`,
      );
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calute-audit-cli-browser-'));
    const trail = path.join(dir, 'audit.jsonl');
    await writeAgentTrail(trail);
    const report = path.join(dir, 'run.html');
    await writeReport(resolveSources([trail]), report);
    context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        problems.push(`console: ${message.text()}`);
    });
    await page.goto(`file://${report}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  });

  afterAll(async () => {
    await context?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows the counts, the two turns (closed), the latency chart and the failures', async () => {
    expect(await page.locator('[data-count="turns"] b').textContent()).toBe('2');
    expect(await page.locator('[data-count="tool-calls"] b').textContent()).toBe('4');
    expect(await page.locator('[data-count="failed-tool-calls"] b').textContent()).toBe('1');
    expect(await page.locator('.turn:not(.loose)').count()).toBe(2);
    expect(await page.locator('.turn .call').count()).toBe(0);
    expect(await page.locator('.tool-latency').count()).toBe(3);
    expect(await page.locator('.problem').allTextContents()).toHaveLength(3);
    expect(await page.locator('.problem[data-kind="tool_call_failure"] .message').textContent()).toBe(
      'took too long',
    );
  });

  it('a click on a turn opens it: its tool calls, model call and notes; a click on a call shows its details', async () => {
    const turn = page.locator('.turn[data-turn-id="t-0001"]');
    await turn.locator('.turn-row').click();
    await expect.poll(() => page.locator('.turn.expanded').count()).toBe(1);
    expect(await turn.locator('.call[data-kind="tool"]').count()).toBe(2);
    expect(await turn.locator('.call[data-kind="tool"] .name').allTextContents()).toStrictEqual([
      'web_search',
      'calculator',
    ]);
    expect(await turn.locator('.call[data-kind="model"] .name').textContent()).toBe('openai/gpt-4o');
    await turn.locator('.call[data-kind="tool"]').first().click();
    expect(await turn.locator('.detail dd').first().textContent()).toBe('{"q":"flights"}');
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true });
    expect(fs.statSync(path.join(ARTIFACTS, 'report.png')).size).toBeGreaterThan(10_000);
  });

  it('expand all shows every tool call; the filters narrow turns, calls and failures', async () => {
    await page.click('#expand-all');
    expect(await page.locator('.turn:not(.loose) .call[data-kind="tool"]').count()).toBe(4);
    await page.selectOption('#filter-agent', 'coder');
    expect(await page.locator('.turn:not(.loose)').count()).toBe(1);
    expect(await page.locator('.turn:not(.loose)').getAttribute('data-turn-id')).toBe('t-0002');
    expect(await page.locator('.problem').count()).toBe(2);
    await page.selectOption('#filter-agent', '');
    await page.selectOption('#filter-tool', 'web_search');
    expect(await page.locator('.call').count()).toBe(1);
    await page.selectOption('#filter-tool', '');
    await page.selectOption('#filter-type', 'model_call');
    expect(await page.locator('.turn').count()).toBe(1);
    expect(await page.locator('.call').count()).toBe(1);
    await page.selectOption('#filter-type', '');
    await page.click('#collapse-all');
    expect(await page.locator('.call').count()).toBe(0);
  });

  it('loaded nothing but the file, and nothing failed in the page', () => {
    expect(requests.every((url) => url.startsWith('file://'))).toBe(true);
    expect(requests).toHaveLength(1);
    expect(problems).toStrictEqual([]);
  });
});
