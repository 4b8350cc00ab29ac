import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { formatUsd, workload } from '../../loadtest/cost-model';
import { costReport } from '../../loadtest/cost-report';
import { SYNC_LIMIT_BYTES } from '../../web/describe';
import { launchChromium } from '../support/chromium';
import {
  E2E_CLOUD_FLAGS,
  type RunningCloud,
  startCloudCli,
  VARIANTS,
} from '../support/local-cloud-cli';

const ROOT = path.resolve(__dirname, '..', '..');
const PHOTO = path.join(ROOT, 'test', 'fixtures', 'photos', 'rocket.jpg');

jest.setTimeout(300_000);

let cloud: RunningCloud;
let browser: Browser;
let page: Page;
let dir: string;
const problems: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'web-e2e-'));
  cloud = await startCloudCli(E2E_CLOUD_FLAGS);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => {
    // Chromium logs every 4xx answer as an error; the 415s of the text file are the test's own.
    if (m.type() === 'error' && !m.text().includes('status of 415')) {
      problems.push(`console: ${m.text()}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('request', (request) => {
    const { hostname, protocol } = new URL(request.url());
    if (protocol === 'blob:' || protocol === 'data:') return;
    if (hostname !== '127.0.0.1' && hostname !== 'localhost') {
      problems.push(`request off loopback: ${request.url()}`);
    }
  });
  const url = cloud.endpoints.console;
  if (url === undefined) throw new Error('endpoints.json has no console');
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
});

afterAll(async () => {
  await browser?.close();
  await cloud?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function send(file: string): Promise<void> {
  await page.setInputFiles('#file', file);
  await page.click('#go');
  // A function, not a string: the page's CSP forbids eval. It runs in the page; this file is
  // type-checked without the DOM's types, hence the structural type.
  await page.waitForFunction(
    (n) => {
      const { document: doc } = globalThis as unknown as {
        document: { querySelectorAll(selector: string): { length: number } };
      };
      return (
        doc.querySelectorAll('.result[aria-busy="false"]').length === n &&
        doc.querySelectorAll('.result').length === n
      );
    },
    VARIANTS.length,
    { timeout: 120_000 },
  );
}

function card(variant: string) {
  return page.locator(`.result[data-variant="${variant}"]`);
}

it('lists the styles the API answers, not a list of its own', async () => {
  const answer = (await (
    await fetch(`${cloud.endpoints.variants['lambda-zip']?.url}/styles`)
  ).json()) as { styles: { name: string }[] };
  const options = await page.locator('#style option').allTextContents();
  expect(options).toEqual(answer.styles.map((s) => s.name));
});

it('shows a cartoon from each of the three variants with its timings', async () => {
  await send(PHOTO);
  for (const variant of VARIANTS) {
    const result = card(variant);
    expect(await result.getAttribute('data-state')).toBe('done');
    const width = await result
      .locator('img')
      .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth);
    expect(width).toBeGreaterThan(0);
    expect(await result.locator('[data-field="total"]').textContent()).toMatch(/^\d+ ms$/);
    expect(await result.locator('[data-field="start"]').textContent()).toMatch(/^(cold|warm)$/);
    // At least one server-timing stage besides total, path and start.
    expect(await result.locator('dd').count()).toBeGreaterThan(3);
  }
  // Before/after toggles the picture and back.
  const toggle = card('fargate').getByRole('button', { name: 'Show before' });
  await toggle.click();
  expect(await card('fargate').locator('img').getAttribute('alt')).toBe('The original photo');
  await card('fargate').getByRole('button', { name: 'Show after' }).click();
  expect(await card('fargate').locator('img').getAttribute('alt')).toBe('Cartoon from fargate');
  await page.screenshot({ path: path.join(ROOT, 'build', 'web.png'), fullPage: true });
});

it('sends a photo over the sync limit through an upload and shows the result', async () => {
  const big = path.join(dir, 'big.png');
  // Noise does not compress: 1400 x 1200 RGB makes a PNG just over 5 MB.
  const raw = Buffer.alloc(1400 * 1200 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) >>> 24;
  writeFileSync(
    big,
    await sharp(raw, { raw: { width: 1400, height: 1200, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer(),
  );
  expect(statSync(big).size).toBeGreaterThan(SYNC_LIMIT_BYTES);
  await send(big);
  for (const variant of VARIANTS) {
    const result = card(variant);
    expect(await result.locator('[data-field="path"]').textContent()).toBe(
      'POST /uploads, PUT, GET /cartoons/{id}',
    );
    expect(await result.getAttribute('data-state')).toBe('done');
  }
});

it('says in words that a text file is not a photo (415)', async () => {
  const text = path.join(dir, 'notes.txt');
  writeFileSync(text, 'not a photo\n');
  await send(text);
  for (const variant of VARIANTS) {
    expect(await card(variant).locator('.error').textContent()).toMatch(
      /^That file is not a photo this service reads .*\(415: /,
    );
  }
});

it('shows the cost figures `npm run cost` computes for the same inputs', async () => {
  await page.fill('#cost-requests', '3000000');
  await page.fill('#cost-payload', '800');
  await page.fill('#cost-memory', '2048');
  await page.fill('#cost-duration', '400');
  const expected = costReport(
    workload({
      requestsPerMonth: 3e6,
      payloadKb: 800,
      memoryMb: 2048,
      durationMs: 400,
      arch: 'arm64',
    }),
  );
  const shown = await page.locator('#cost-table td[data-field="monthly"]').allTextContents();
  expect(shown).toEqual(expected.variants.map((v) => formatUsd(v.monthlyUsd)));
  expect(await page.locator('#break-even').textContent()).toBe(
    expected.breakEven[0]?.breakEven.reason,
  );
  expect(await page.locator('#chart polyline').count()).toBe(4);
});

it('is served by every variant at GET /, talking to its own origin', async () => {
  for (const variant of VARIANTS) {
    const answer = await fetch(`${cloud.endpoints.variants[variant]?.url}/`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await answer.text()).toContain('data-mode="self"');
  }
});

it('fits a phone-sized screen without sideways scrolling', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => {
    const { document: doc } = globalThis as unknown as {
      document: { documentElement: { scrollWidth: number; clientWidth: number } };
    };
    return doc.documentElement.scrollWidth - doc.documentElement.clientWidth;
  });
  expect(overflow).toBeLessThanOrEqual(0);
  await page.setViewportSize({ width: 1280, height: 900 });
});

it('logged no console errors and made no requests off loopback', () => {
  expect(problems).toEqual([]);
});
