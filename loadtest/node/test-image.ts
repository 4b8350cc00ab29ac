/**
 * The request's photo. `phone` (the default of the full profile): a phone-sized photo, 12 MP
 * (4000×3000) JPEG at quality 85, about 3.3 MB, as a phone camera writes them. No such photo
 * is in the fixtures (test/fixtures/photos/LICENSES.md asks for one to be derived at run time
 * rather than committed), so it is made from ladybird.jpg: scaled up to cover 4000×3000 and
 * given seeded grain, so it does not compress unrealistically well (an upscaled photo without
 * it is about 1 MB). The grain is a small tile of seeded noise laid over the photo by libvips
 * (overlay blend, tiled): a per-pixel loop in JavaScript over 36 MB is slow under jest's
 * sandbox. The same bytes every time for a sharp version; kept under build/loadtest/. `small`: rocket.jpg at 320 px
 * (the smoke profile's), for figures dominated by everything but the image work.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { LAMBDA_SYNC_RAW_BYTES } from '../../services/shared/config';

const ROOT = path.resolve(__dirname, '..', '..');
const PHOTOS = path.join(ROOT, 'test', 'fixtures', 'photos');
export const SMALL_SOURCE = path.join(PHOTOS, 'rocket.jpg');
export const PHONE_SOURCE = path.join(PHOTOS, 'ladybird.jpg');
export const IMAGE_KINDS = ['phone', 'small'] as const;
export type ImageKind = (typeof IMAGE_KINDS)[number];

/** 12 MP in a phone camera's 4:3. */
export const PHONE_WIDTH = 4000;
export const PHONE_HEIGHT = 3000;
/** Grain amplitude (about a standard deviation, in 8-bit levels) and seed: the JPEG lands near 3.3 MB. */
const NOISE = 20;
const SEED = 12;
/** The grain tile's side: prime, so its repeats never line up with JPEG's 8×8 blocks. */
const TILE = 509;

export interface TestImage {
  readonly kind: ImageKind;
  /** What it is and where it came from, for the report. */
  readonly name: string;
  readonly bytes: Buffer;
  readonly width: number;
  readonly height: number;
}

/** A small seeded generator (mulberry32): the same noise on every machine. */
function seeded(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Makes the phone photo from its fixture (no cache).
 *
 * @example
 * ```ts
 * const jpeg = await makePhonePhoto(); // 4000×3000, about 3.3 MB
 * ```
 */
export async function makePhonePhoto(source = PHONE_SOURCE): Promise<Buffer> {
  const grain = Buffer.alloc(TILE * TILE * 3);
  const random = seeded(SEED);
  for (let i = 0; i < grain.length; i++) {
    // Mid grey plus the sum of three uniforms: close enough to Gaussian grain, and cheap.
    const v = 128 + (random() + random() + random() - 1.5) * 2 * NOISE;
    grain[i] = Math.max(0, Math.min(255, v));
  }
  return sharp(readFileSync(source))
    .resize(PHONE_WIDTH, PHONE_HEIGHT, { fit: 'cover', kernel: 'lanczos3' })
    .composite([
      {
        input: grain,
        raw: { width: TILE, height: TILE, channels: 3 },
        tile: true,
        blend: 'overlay',
      },
    ])
    .jpeg({ quality: 85 })
    .toBuffer();
}

/**
 * The request's photo: the phone photo (made once, then read from `cacheDir`), or the small
 * one resized to `smallSide`. Throws when the photo would not fit Lambda's synchronous payload.
 *
 * @example
 * ```ts
 * const image = await testImage('phone');
 * image.bytes.length; // about 3.3 MB, under LAMBDA_SYNC_RAW_BYTES
 * ```
 */
export async function testImage(
  kind: ImageKind,
  smallSide = 320,
  cacheDir = path.join(ROOT, 'build', 'loadtest'),
): Promise<TestImage> {
  if (kind === 'small') {
    const { data, info } = await sharp(readFileSync(SMALL_SOURCE))
      .resize({ width: smallSide, height: smallSide, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 85 })
      .toBuffer({ resolveWithObject: true });
    return {
      kind,
      name: `${path.basename(SMALL_SOURCE)} at ${smallSide} px`,
      bytes: data,
      width: info.width,
      height: info.height,
    };
  }
  const cached = path.join(
    cacheDir,
    `phone-${PHONE_WIDTH}x${PHONE_HEIGHT}-grain${NOISE}-${TILE}-s${SEED}-sharp${sharp.versions.sharp}.jpg`,
  );
  let bytes: Buffer;
  if (existsSync(cached)) bytes = readFileSync(cached);
  else {
    bytes = await makePhonePhoto();
    mkdirSync(cacheDir, { recursive: true });
    // Written whole, then renamed: a run stopped halfway leaves no truncated photo behind.
    writeFileSync(`${cached}.tmp`, bytes);
    renameSync(`${cached}.tmp`, cached);
  }
  if (bytes.length > LAMBDA_SYNC_RAW_BYTES)
    throw new Error(
      `the phone photo is ${bytes.length} bytes, over Lambda's synchronous limit of ${LAMBDA_SYNC_RAW_BYTES} raw bytes; POST /cartoon would answer 413`,
    );
  return {
    kind,
    name: `phone photo (${path.basename(PHONE_SOURCE)} scaled to ${PHONE_WIDTH}×${PHONE_HEIGHT} with seeded grain, JPEG q85)`,
    bytes,
    width: PHONE_WIDTH,
    height: PHONE_HEIGHT,
  };
}
