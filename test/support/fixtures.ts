import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

/** The photos in `test/fixtures/photos` (licences in LICENSES.md there). */
export const PHOTO_NAMES = [
  'astronaut.png',
  'coffee.png',
  'chelsea.png',
  'rocket.jpg',
  'ladybird.jpg',
  'kite.jpg',
  'autumn.jpg',
  'evening.jpg',
] as const;
export type PhotoName = (typeof PHOTO_NAMES)[number];

export const FIXTURES_DIR = path.join(__dirname, '..', 'fixtures');

export function photoPath(name: PhotoName): string {
  return path.join(FIXTURES_DIR, 'photos', name);
}

export function photo(name: PhotoName): Buffer {
  return readFileSync(photoPath(name));
}

/**
 * A camera-sized JPEG derived from a fixture: upscaled to about `megapixels` at 3:2, with a
 * little seeded noise so that it does not compress unrealistically well.
 */
export async function cameraJpeg(name: PhotoName, megapixels: number, seed = 1): Promise<Buffer> {
  const width = Math.round(Math.sqrt(megapixels * 1e6 * 1.5));
  const height = Math.round(width / 1.5);
  const { data, info } = await sharp(photo(name))
    .removeAlpha()
    .resize(width, height, { fit: 'cover' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  let state = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = Math.min(255, Math.max(0, (data[i] as number) + (state >>> 28) - 8));
  }
  return sharp(data, { raw: info }).jpeg({ quality: 90 }).toBuffer();
}
