import sharp from 'sharp';
import { type Lab, srgbToOklab } from '../../layers/core/src/oklab';

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

/** OKLab chroma above which a source pixel counts as colourful (a grey or skin in shade is not). */
export const COLOURFUL_CHROMA = 0.06;
/** Hue sectors of the colour-fidelity metric, in degrees: twelve families. */
const FAMILY_SECTOR = 30;
/** Long side both images are compared at: small enough to ignore region borders' exact place. */
const FIDELITY_SIDE = 256;

/** How well one colour family of the source survives in the cartoon. */
export interface FamilyFidelity {
  /** Middle of the family's hue sector, degrees (OKLab hue: 30 red, 110 yellow, 140 green, 265 blue). */
  readonly hue: number;
  /** Share of the picture the family covers in the source. */
  readonly share: number;
  /** Share of the family's pixels whose cartoon hue is within `maxHueShift` and keeps `minChroma`. */
  readonly kept: number;
}

/**
 * Colour fidelity in OKLab: for each colourful source pixel, whether the cartoon pixel at the
 * same place keeps its hue (within `maxHueShift` degrees) and a fair share of its chroma
 * (`minChroma` of it), reported per hue family (30° sectors) that covers at least `minShare`
 * of the picture. Both images are compared at a 256 px thumbnail, the source softened a
 * little, so photo grain and the exact place of a region border do not count.
 */
export async function colourFidelity(
  source: Buffer,
  cartoon: Buffer,
  { maxHueShift = 40, minChroma = 0.5, minShare = 0.005 } = {},
): Promise<FamilyFidelity[]> {
  const { width = 1, height = 1 } = await sharp(cartoon).metadata();
  const scale = FIDELITY_SIDE / Math.max(width, height);
  const size = {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
  const pixels = (image: Buffer, sigma?: number) => {
    let pipeline = sharp(image)
      .flatten({ background: '#ffffff' })
      .resize(size.width, size.height, { fit: 'fill' });
    if (sigma) pipeline = pipeline.blur(sigma);
    return pipeline.removeAlpha().toColourspace('srgb').raw().toBuffer();
  };
  const [src, out] = await Promise.all([pixels(source, 1), pixels(cartoon)]);
  const families = 360 / FAMILY_SECTOR;
  const total = new Float64Array(families);
  const kept = new Float64Array(families);
  const s: Lab = { L: 0, a: 0, b: 0 };
  const o: Lab = { L: 0, a: 0, b: 0 };
  for (let i = 0; i < src.length; i += 3) {
    srgbToOklab(src[i] as number, src[i + 1] as number, src[i + 2] as number, s);
    const chroma = Math.hypot(s.a, s.b);
    if (chroma < COLOURFUL_CHROMA) continue;
    srgbToOklab(out[i] as number, out[i + 1] as number, out[i + 2] as number, o);
    const hue = ((Math.atan2(s.b, s.a) * 180) / Math.PI + 360) % 360;
    const f = Math.floor(hue / FAMILY_SECTOR) % families;
    total[f] = (total[f] as number) + 1;
    let shift = Math.abs(Math.atan2(s.b, s.a) - Math.atan2(o.b, o.a)) * (180 / Math.PI);
    if (shift > 180) shift = 360 - shift;
    if (shift <= maxHueShift && Math.hypot(o.a, o.b) >= minChroma * chroma) {
      kept[f] = (kept[f] as number) + 1;
    }
  }
  const count = src.length / 3;
  const result: FamilyFidelity[] = [];
  for (let f = 0; f < families; f++) {
    const share = (total[f] as number) / count;
    if (share < minShare) continue;
    result.push({
      hue: f * FAMILY_SECTOR + FAMILY_SECTOR / 2,
      share,
      kept: (kept[f] as number) / (total[f] as number),
    });
  }
  return result;
}

/** OKLab distance between two sRGB colours (about 0.02 is just noticeable, 0.1 is distinct). */
export function oklabDistance(x: readonly number[], y: readonly number[]): number {
  const p = srgbToOklab(x[0] ?? 0, x[1] ?? 0, x[2] ?? 0, { L: 0, a: 0, b: 0 });
  const q = srgbToOklab(y[0] ?? 0, y[1] ?? 0, y[2] ?? 0, { L: 0, a: 0, b: 0 });
  return Math.hypot(p.L - q.L, p.a - q.a, p.b - q.b);
}

/** Within this OKLab distance two pixels count as the same flat colour (JPEG-free: PNGs). */
const FLAT_TOLERANCE = 0.005;

/**
 * Share of pixels whose whole 3×3 neighbourhood is one flat colour (every neighbour within
 * `FLAT_TOLERANCE` in OKLab): high for a cartoon's flat areas, low for a photo or a painting.
 */
export async function flatShare(image: Buffer): Promise<number> {
  const { data, info } = await sharp(image)
    .flatten({ background: '#ffffff' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const L = new Float64Array(width * height);
  const A = new Float64Array(width * height);
  const B = new Float64Array(width * height);
  const lab: Lab = { L: 0, a: 0, b: 0 };
  for (let p = 0; p < width * height; p++) {
    srgbToOklab(data[p * 3] as number, data[p * 3 + 1] as number, data[p * 3 + 2] as number, lab);
    L[p] = lab.L;
    A[p] = lab.a;
    B[p] = lab.b;
  }
  let flat = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const p = y * width + x;
      let same = true;
      for (let dy = -1; dy <= 1 && same; dy++) {
        for (let dx = -1; dx <= 1 && same; dx++) {
          const q = p + dy * width + dx;
          const d = Math.hypot(
            (L[p] as number) - (L[q] as number),
            (A[p] as number) - (A[q] as number),
            (B[p] as number) - (B[q] as number),
          );
          if (d > FLAT_TOLERANCE) same = false;
        }
      }
      if (same) flat++;
    }
  }
  return flat / ((width - 2) * (height - 2));
}

/**
 * Of the colour changes between neighbouring columns and rows, the share that falls between
 * pixel 2k-1 and 2k. About 0.5 in an image drawn at its own size; near 1 when each pixel
 * was doubled, since a doubled image only changes between one pair and the next.
 */
export async function replicationShare(image: Buffer): Promise<number> {
  const { data, info } = await sharp(image)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const differs = (p: number, q: number) =>
    data[p * 3] !== data[q * 3] ||
    data[p * 3 + 1] !== data[q * 3 + 1] ||
    data[p * 3 + 2] !== data[q * 3 + 2];
  let even = 0;
  let all = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 1; x < width; x++) {
      if (!differs(y * width + x - 1, y * width + x)) continue;
      all++;
      if (x % 2 === 0) even++;
    }
  }
  for (let y = 1; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!differs((y - 1) * width + x, y * width + x)) continue;
      all++;
      if (y % 2 === 0) even++;
    }
  }
  return all === 0 ? 0.5 : even / all;
}
