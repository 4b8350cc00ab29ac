/**
 * `npm run demo`: cartoonizes every fixture photo in every style, in-process with the core (no
 * local cloud), and writes the results, plus a before/after contact sheet per photo, to `out/`.
 *
 *   npm run demo                      # writes out/
 *   npm run demo -- --out some/dir --maxSide 480
 *   npm run demo -- --out docs/examples --sheets   # only the contact sheets (the README's examples)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cartoonize, configureSharp, STYLE_NAMES } from '@cartoon-compute/core';
import sharp from 'sharp';
import { PHOTO_NAMES, photo } from '../test/support/fixtures';

const GAP = 8;

/** The original and each style side by side, on white. */
async function contactSheet(tiles: Buffer[], height: number): Promise<Buffer> {
  const scaled = await Promise.all(
    tiles.map((tile) => sharp(tile).resize({ height }).png().toBuffer({ resolveWithObject: true })),
  );
  const width = scaled.reduce((sum, { info }) => sum + info.width + GAP, GAP);
  let left = GAP;
  const composite = scaled.map(({ data, info }) => {
    const placed = { input: data, left, top: GAP };
    left += info.width + GAP;
    return placed;
  });
  return sharp({ create: { width, height: height + 2 * GAP, channels: 3, background: '#ffffff' } })
    .composite(composite)
    .jpeg({ quality: 85 })
    .toBuffer();
}

async function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: 'out' },
      maxSide: { type: 'string', default: '1024' },
      sheets: { type: 'boolean', default: false },
    },
  });
  const out = path.resolve(values.out);
  await mkdir(out, { recursive: true });
  configureSharp();
  for (const name of PHOTO_NAMES) {
    const original = photo(name);
    const tiles = [original];
    const cells: string[] = [];
    for (const style of STYLE_NAMES) {
      const result = await cartoonize(original, { style, maxSide: Number(values.maxSide) });
      if (!values.sheets) {
        await writeFile(path.join(out, `${path.parse(name).name}-${style}.jpg`), result.data);
      }
      tiles.push(result.data);
      const ms = Object.values(result.timings).reduce((sum, t) => sum + t, 0);
      cells.push(`${style} ${ms.toFixed(0)} ms`);
    }
    const sheet = path.join(out, `${path.parse(name).name}-sheet.jpg`);
    await writeFile(sheet, await contactSheet(tiles, 300));
    console.log(
      `${name.padEnd(14)} ${cells.join(', ')}  -> ${path.relative(process.cwd(), sheet)}`,
    );
  }
  const what = values.sheets
    ? `${PHOTO_NAMES.length} contact sheets`
    : `${PHOTO_NAMES.length * STYLE_NAMES.length} cartoons and their contact sheets`;
  console.log(`\nWrote ${what} to ${out}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
