import sharp from 'sharp';

/** Ratio of the two Gaussians of the difference-of-Gaussians (Marr–Hildreth's 1.6). */
const DOG_RATIO = 1.6;
/** Grey-level difference below which nothing is inked: hides faint texture and noise. */
const THRESHOLD = 2;
/** Grey levels over the threshold at which ink is solid; the ramp keeps lines anti-aliased. */
const RAMP = 5;
/** Line width, as the narrow Gaussian's sigma in pixels of a 512 px analysis image. */
const BASE_SIGMA = 1.0;
const REFERENCE_SIDE = 512;

/**
 * Outline mask (0 = paper, 255 = solid ink) of an RGB image.
 *
 * A median filter first wipes out fine texture (fur, wood grain, hair, sensor noise) while
 * keeping the edges of objects; a difference of Gaussians then puts ink on the dark side of
 * each remaining edge, where the narrow blur is darker than the wide one.
 *
 * @param thickness line width multiplier (the style's `edgeThickness`)
 * @example
 * ```ts
 * const mask = await inkMask(rgb, { width: 640, height: 427 }, 1);
 * ```
 */
export async function inkMask(
  rgb: Buffer,
  size: { readonly width: number; readonly height: number },
  thickness: number,
): Promise<Buffer> {
  const longSide = Math.max(size.width, size.height);
  let pipeline = sharp(rgb, { raw: { ...size, channels: 3 } }).greyscale();
  // The median window must fit inside the image: a sliver scaled to a few pixels gets none.
  const window = Math.min(longSide >= 400 ? 5 : 3, Math.min(size.width, size.height) | 1);
  if (window >= 3 && window <= Math.min(size.width, size.height))
    pipeline = pipeline.median(window);
  const grey = await pipeline.toColourspace('b-w').raw().toBuffer();
  const sigma = Math.max(0.4, (BASE_SIGMA * thickness * longSide) / REFERENCE_SIDE);
  const raw = { raw: { ...size, channels: 1 as const } };
  const [narrow, wide] = await Promise.all([
    sharp(grey, raw).blur(sigma).toColourspace('b-w').raw().toBuffer(),
    sharp(grey, raw)
      .blur(sigma * DOG_RATIO)
      .toColourspace('b-w')
      .raw()
      .toBuffer(),
  ]);
  const mask = Buffer.alloc(size.width * size.height);
  const scale = 255 / RAMP;
  for (let i = 0; i < mask.length; i++) {
    const difference = (wide[i] as number) - (narrow[i] as number) - THRESHOLD;
    if (difference > 0) mask[i] = difference >= RAMP ? 255 : difference * scale;
  }
  return mask;
}
