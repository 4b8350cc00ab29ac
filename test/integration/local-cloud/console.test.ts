/**
 * The console's pages under their Content-Security-Policy in headless Chromium: the web page
 * and the load-test report run their own inline script and style (allowed by hash, with no
 * 'unsafe-inline'), and a script injected into the page does not run.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CHART_JS_UMD } from '../../../loadtest/node/runner';
import { chartSpecs, reportHtml } from '../../../loadtest/report-html';
import { buildReport } from '../../../loadtest/report-json';
import { type ConsoleServer, startConsole } from '../../../local-cloud/console';
import { launchChromium } from '../../support/chromium';
import { runInput } from '../../unit/loadtest/run-input';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '..', '..', '..');
const REPORT = '2026-12-08T00-00-00Z';
let root: string;
let server: ConsoleServer;
let browser: Browser;

beforeAll(async () => {
  // A repository root of its own: the real web/, and one report.
  root = mkdtempSync(path.join(tmpdir(), 'console-policy-'));
  symlinkSync(path.join(ROOT, 'web'), path.join(root, 'web'));
  mkdirSync(path.join(root, 'reports', REPORT), { recursive: true });
  const html = reportHtml(buildReport(runInput()), '# summary', readFileSync(CHART_JS_UMD, 'utf8'));
  writeFileSync(path.join(root, 'reports', REPORT, 'report.html'), html);
  server = await startConsole({ root, port: 0, variants: () => ({}) });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A page that records what the policy refused. */
async function open(url: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto(url);
  return { page, problems };
}

it('serves the page with a hash policy, nosniff, and no unsafe-inline', async () => {
  const answer = await fetch(server.url);
  const policy = answer.headers.get('content-security-policy') ?? '';

  expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  expect(policy).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*';/);
  expect(policy).not.toContain('unsafe-inline');
  expect(policy).toContain("connect-src 'self' http://127.0.0.1:*");
});

it('runs the page and its style under the policy, and refuses an injected script', async () => {
  const { page, problems } = await open(server.url);
  await page.waitForSelector('body[data-ready="true"]');
  // The inline style applied: the background is the page's --bg colour.
  const background = await page.evaluate('getComputedStyle(document.body).backgroundColor');

  await page.addScriptTag({ content: 'window.injected = true;' }).catch(() => undefined);

  expect(background).toBe('rgb(247, 247, 249)');
  expect(await page.evaluate('window.injected === true')).toBe(false);
  expect(problems.filter((p) => !/Content Security Policy/.test(p))).toEqual([]);
  expect(problems.some((p) => /Content Security Policy/.test(p))).toBe(true);
  await page.close();
});

it('draws the load-test report under its own policy, header and meta alike', async () => {
  const { page, problems } = await open(`${server.url}/reports/${REPORT}/report.html`);
  await page.waitForFunction('Array.isArray(window.__charts) && window.__charts.length > 0');

  const drawn = await page.evaluate('window.__charts.length');

  expect(drawn).toBe(chartSpecs(buildReport(runInput())).length);
  expect(problems).toEqual([]);
  await page.close();
});
