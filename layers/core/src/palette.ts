/**
 * Palette choice (k-means on a thumbnail) and fast nearest-colour lookup.
 *
 * Quantisation runs on every pixel of the working image, so it goes through a
 * 32×32×32 lookup table (5 bits a channel) instead of a search per pixel.
 */

/** Weights of R, G and B in the colour distance: a cheap stand-in for perceptual distance. */
const WEIGHT_R = 2;
const WEIGHT_G = 4;
const WEIGHT_B = 3;
const KMEANS_ITERATIONS = 10;

/** A palette as packed RGB triplets: `[r0, g0, b0, r1, g1, b1, ...]`. */
export type Palette = Uint8Array;

function distance(r: number, g: number, b: number, centres: Float64Array, c: number): number {
  const dr = r - (centres[c * 3] as number);
  const dg = g - (centres[c * 3 + 1] as number);
  const db = b - (centres[c * 3 + 2] as number);
  return WEIGHT_R * dr * dr + WEIGHT_G * dg * dg + WEIGHT_B * db * db;
}

/** Index of the centre closest to (r, g, b). */
function nearest(r: number, g: number, b: number, centres: Float64Array, k: number): number {
  let best = 0;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (let c = 0; c < k; c++) {
    const d = distance(r, g, b, centres, c);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

/** Deterministic PRNG (mulberry32) so that the same photo always gets the same palette. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Chooses `size` representative colours of an RGB image with k-means (k-means++ seeding).
 *
 * @param rgb packed 3-channel pixels, typically a thumbnail of a few thousand pixels
 * @example
 * ```ts
 * const { data } = await sharp(photo).resize(64).removeAlpha().raw().toBuffer({ resolveWithObject: true });
 * const palette = choosePalette(data, 8);
 * ```
 */
export function choosePalette(rgb: Uint8Array, size: number): Palette {
  const count = Math.floor(rgb.length / 3);
  const k = Math.max(1, Math.min(size, count));
  const centres = new Float64Array(k * 3);
  const closest = new Float64Array(count).fill(Number.POSITIVE_INFINITY);
  const next = random(count * 2654435761 + k);

  // k-means++: each new centre is drawn with probability proportional to its squared distance.
  let pick = Math.floor(next() * count);
  for (let c = 0; c < k; c++) {
    centres[c * 3] = rgb[pick * 3] as number;
    centres[c * 3 + 1] = rgb[pick * 3 + 1] as number;
    centres[c * 3 + 2] = rgb[pick * 3 + 2] as number;
    let total = 0;
    for (let p = 0; p < count; p++) {
      const d = distance(
        rgb[p * 3] as number,
        rgb[p * 3 + 1] as number,
        rgb[p * 3 + 2] as number,
        centres,
        c,
      );
      if (d < (closest[p] as number)) closest[p] = d;
      total += closest[p] as number;
    }
    let target = next() * total;
    pick = count - 1;
    for (let p = 0; p < count; p++) {
      target -= closest[p] as number;
      if (target <= 0) {
        pick = p;
        break;
      }
    }
  }

  const sums = new Float64Array(k * 4);
  for (let iteration = 0; iteration < KMEANS_ITERATIONS; iteration++) {
    sums.fill(0);
    for (let p = 0; p < count; p++) {
      const r = rgb[p * 3] as number;
      const g = rgb[p * 3 + 1] as number;
      const b = rgb[p * 3 + 2] as number;
      const best = nearest(r, g, b, centres, k);
      sums[best * 4] = (sums[best * 4] as number) + r;
      sums[best * 4 + 1] = (sums[best * 4 + 1] as number) + g;
      sums[best * 4 + 2] = (sums[best * 4 + 2] as number) + b;
      sums[best * 4 + 3] = (sums[best * 4 + 3] as number) + 1;
    }
    for (let c = 0; c < k; c++) {
      const n = sums[c * 4 + 3] as number;
      if (n === 0) continue; // an empty cluster keeps its centre
      centres[c * 3] = (sums[c * 4] as number) / n;
      centres[c * 3 + 1] = (sums[c * 4 + 1] as number) / n;
      centres[c * 3 + 2] = (sums[c * 4 + 2] as number) / n;
    }
  }
  return Uint8Array.from(centres, (v) => Math.round(v));
}

/** Maps a colour to the index of its fill colour. */
export type ColourLookup = (r: number, g: number, b: number) => number;

const UNSET = 255;

/**
 * Nearest palette colour through a 32×32×32 cache (5 bits a channel), filled on first use:
 * a softened image touches only a few thousand of the 32,768 cells, so this costs far less
 * than a full table or a search per pixel.
 *
 * @example
 * ```ts
 * const lookup = paletteLookup(palette);
 * const index = lookup(r, g, b); // palette[index * 3] is its red
 * ```
 */
export function paletteLookup(palette: Palette): ColourLookup {
  const k = palette.length / 3;
  const centres = Float64Array.from(palette);
  const cache = new Uint8Array(32 * 32 * 32).fill(UNSET);
  return (r, g, b) => {
    const cell = ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);
    const cached = cache[cell] as number;
    if (cached !== UNSET) return cached;
    const index = nearest((r & ~7) + 4, (g & ~7) + 4, (b & ~7) + 4, centres, k);
    cache[cell] = index;
    return index;
  };
}
