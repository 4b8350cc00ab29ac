/**
 * What HEIC costs next to JPEG: decoding a 12 MP phone-sized photo to full-size pixels, and
 * what the first HEIC of an environment pays to load and compile libheif's WebAssembly.
 *
 *   npx tsx --tsconfig tsconfig.json test/bench/heic.bench.ts
 *
 * Needs heif-enc (Debian's libheif-examples) to make the 12 MP HEIC from the same pixels as
 * the 12 MP JPEG; the tests do not.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configureSharp, openImage, probeImage } from '@cartoon-compute/core';
import { cameraJpeg } from '../support/fixtures';
import { medianMs } from '../support/timing';

const RUNS = 5;
const MAX_PIXELS = 40_000_000;
const ROOT = path.resolve(__dirname, '..', '..');

configureSharp();

const median = (run: () => Promise<unknown>) => medianMs(run, RUNS);

/** probe + decode to full-size 8-bit pixels: what the pipeline's decode stage starts from. */
async function decode(bytes: Buffer): Promise<void> {
  const probe = await probeImage(bytes, MAX_PIXELS);
  await (await openImage(bytes, probe, MAX_PIXELS)).raw().toBuffer();
}

/**
 * In a fresh process (a cold environment): loading the core, then the first and second decode
 * of the same small HEIC. The difference between the two decodes is the first-HEIC cost.
 */
function firstHeicCost(file: string): { core: number; first: number; second: number } {
  const script = `
    const t0 = performance.now();
    const core = require('@cartoon-compute/core');
    const fs = require('node:fs');
    const bytes = fs.readFileSync(process.argv[1]);
    const t1 = performance.now();
    const decode = async () => {
      const probe = await core.probeImage(bytes, 4e7);
      await (await core.openImage(bytes, probe, 4e7)).raw().toBuffer();
    };
    (async () => {
      await decode();
      const t2 = performance.now();
      await decode();
      const t3 = performance.now();
      console.log(JSON.stringify({ core: t1 - t0, first: t2 - t1, second: t3 - t2 }));
    })();
  `;
  // The compiled core (npm run build), as the layer runs it, without tsx in the way.
  const child = spawnSync(process.execPath, ['-e', script, file], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout);
}

/** Peak and final RSS of a fresh process that decodes `file` twice (WebAssembly memory never shrinks). */
function rssAfterDecoding(file: string): { before: number; peak: number; after: number } {
  const script = `
    const core = require('@cartoon-compute/core');
    const bytes = require('node:fs').readFileSync(process.argv[1]);
    const mb = (bytes) => Math.round(bytes / 1048576);
    const before = mb(process.memoryUsage().rss);
    const decode = async () => {
      const probe = await core.probeImage(bytes, 4e7);
      await (await core.openImage(bytes, probe, 4e7)).raw().toBuffer();
    };
    (async () => {
      await decode();
      await decode();
      global.gc?.();
      const peak = Math.round(process.resourceUsage().maxRSS / 1024);
      console.log(JSON.stringify({ before, peak, after: mb(process.memoryUsage().rss) }));
    })();
  `;
  const child = spawnSync(process.execPath, ['--expose-gc', '-e', script, file], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'heic-bench-'));
  try {
    const jpeg = await cameraJpeg('coffee.png', 12);
    const jpegFile = path.join(dir, 'photo.jpg');
    const heicFile = path.join(dir, 'photo.heic');
    writeFileSync(jpegFile, jpeg);
    execFileSync('heif-enc', ['-q', '50', '-o', heicFile, jpegFile], { stdio: 'ignore' });
    const heic = readFileSync(heicFile);
    const { width, height } = await probeImage(heic, MAX_PIXELS);

    console.log(`12 MP photo ${width}x${height}, median of ${RUNS} after a warm-up`);
    console.log(
      `  JPEG ${(jpeg.length / 1e6).toFixed(1)} MB: ${(await median(() => decode(jpeg))).toFixed(0)} ms to pixels`,
    );
    console.log(
      `  HEIC ${(heic.length / 1e6).toFixed(1)} MB: ${(await median(() => decode(heic))).toFixed(0)} ms to pixels`,
    );

    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
    for (const [name, file] of [
      ['JPEG', jpegFile],
      ['HEIC', heicFile],
    ] as const) {
      const rss = rssAfterDecoding(file);
      console.log(
        `  ${name} twice in a fresh process: RSS ${rss.before} MB before, peak ${rss.peak} MB, ${rss.after} MB after`,
      );
    }
    const small = path.join(ROOT, 'test', 'fixtures', 'heic', 'coffee-exif6.heic');
    const cold = Array.from({ length: RUNS }, () => firstHeicCost(small));
    const mid = (key: 'core' | 'first' | 'second') =>
      cold.map((run) => run[key]).sort((a, b) => a - b)[Math.floor(RUNS / 2)] as number;
    console.log(`first HEIC in a fresh process (600x400, median of ${RUNS} processes)`);
    console.log(`  loading the core: ${mid('core').toFixed(0)} ms (libheif not loaded)`);
    console.log(
      `  first HEIC: ${mid('first').toFixed(0)} ms, second: ${mid('second').toFixed(0)} ms`,
    );
    console.log(
      `  so the first HEIC pays about ${(mid('first') - mid('second')).toFixed(0)} ms once`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
