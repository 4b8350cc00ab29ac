import sharp from 'sharp';

const SIDE = 48;

/**
 * Mean absolute difference (0–255) between two images after both are scaled to a small
 * thumbnail and softened: robust to the last-bit differences libvips gives on other CPUs,
 * sensitive to a changed style, palette or layout. Sharp's own tests compare images the
 * same way (by similarity, not by bytes).
 */
export async function perceptualDistance(a: Buffer, b: Buffer): Promise<number> {
  const thumb = (image: Buffer) =>
    sharp(image)
      .flatten({ background: '#ffffff' })
      .resize(SIDE, SIDE, { fit: 'fill' })
      .blur(0.8)
      .removeAlpha()
      .raw()
      .toBuffer();
  const [x, y] = await Promise.all([thumb(a), thumb(b)]);
  let total = 0;
  for (let i = 0; i < x.length; i++) total += Math.abs((x[i] as number) - (y[i] as number));
  return total / x.length;
}

/** Share of pixels covered by the `count` most frequent colours of an image. */
export async function dominantColourShare(image: Buffer, count: number): Promise<number> {
  const { data, info } = await sharp(image)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const histogram = new Map<number, number>();
  for (let i = 0; i < data.length; i += 3) {
    const key =
      ((data[i] as number) << 16) | ((data[i + 1] as number) << 8) | (data[i + 2] as number);
    histogram.set(key, (histogram.get(key) ?? 0) + 1);
  }
  const top = [...histogram.values()].sort((p, q) => q - p).slice(0, count);
  return top.reduce((sum, n) => sum + n, 0) / (info.width * info.height);
}
