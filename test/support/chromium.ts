/**
 * Headless Chromium for the browser tests: Debian's `chromium` (installed by
 * scripts/ensure-chromium.sh when missing, since playwright-core ships no browser), started
 * with the flags that keep it off the network: without them it keeps trying to reach Google's
 * hosts, which this machine refuses.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * @example
 * ```ts
 * const browser = await launchChromium();
 * const page = await browser.newPage();
 * ```
 */
export async function launchChromium(): Promise<Browser> {
  execFileSync(path.join(ROOT, 'scripts', 'ensure-chromium.sh'), { stdio: 'ignore' });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
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
  });
}
