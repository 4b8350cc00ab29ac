/**
 * Palette choice and fast nearest-colour lookup, both in OKLab (see `oklab.ts`).
 *
 * Plain k-means spends its centres where the pixels are: a photo that is 95% soft green gets
 * eleven nearly equal greens and gives a small red ladybird none, so the ladybird turns
 * green. Here each sample is weighted by how rare its colour family (dark or light neutral,
 * or a 30° hue sector) is, so a rare but distinct family pulls a centre to itself, and every family that
 * covers at least `MIN_FAMILY_SHARE` of the picture is then checked: if no centre keeps its
 * hue, the most redundant centre is moved to it.
 *
 * Quantisation touches every output pixel, so it goes through a 32×32×32 cache (5 bits a
 * channel) instead of a search per pixel.
 */
import { type Lab, oklabToSrgb, srgbToOklab } from './oklab';

/** Below this OKLab chroma a colour counts as neutral (grey, white, black, skin in shadow). */
const NEUTRAL_CHROMA = 0.04;
/** Width of a hue family in degrees: twelve families around the circle. */
const HUE_SECTOR = 30;
/** Neutrals split at this OKLab lightness into dark (family 0) and light (the last family). */
const NEUTRAL_SPLIT = 0.6;
const HUE_FAMILIES = 360 / HUE_SECTOR;
const LIGHT_NEUTRAL = HUE_FAMILIES + 1;
const FAMILIES = HUE_FAMILIES + 2;
/** A colour family this large (share of the samples) is guaranteed a centre of its own hue. */
const MIN_FAMILY_SHARE = 0.001;
/**
 * A family's total weight grows as its share to this power: 1 would be plain k-means (the
 * majority takes every centre), 0 would give a speck as much say as the sky.
 */
const BALANCE = 0.4;
/** How far (degrees) a family's hue may drift on its nearest centre before it gets its own. */
const MAX_HUE_DRIFT = 30;
/** Share of a family's chroma its centre must keep. */
const MIN_CHROMA_KEPT = 0.6;
/** Centres closer than this (OKLab distance, hue counted twice) are bands of nearly equal tones: merged. */
const MIN_SEPARATION = 0.05;
const KMEANS_ITERATIONS = 8;
/**
 * Weight of a difference in a and b (hue and chroma) against one in lightness: above 1, a
 * colourful pixel goes to a centre of its own hue a little lighter or darker before it goes
 * to a grey or a neighbouring hue of the same lightness. Hue is what people name a colour by.
 */
const CHROMA_WEIGHT = 2;

/** A palette as packed RGB triplets: `[r0, g0, b0, r1, g1, b1, ...]`. */
export type Palette = Uint8Array;

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
 * Colour family of an OKLab colour: 1–12 for the hue sectors, 0 and 13 for dark and light
 * neutrals (a black helmet and a grey wall are different things to keep).
 */
function family(L: number, a: number, b: number): number {
  if (a * a + b * b < NEUTRAL_CHROMA * NEUTRAL_CHROMA) return L < NEUTRAL_SPLIT ? 0 : LIGHT_NEUTRAL;
  const degrees = (Math.atan2(b, a) * 180) / Math.PI + 360;
  return 1 + (Math.floor(degrees / HUE_SECTOR) % HUE_FAMILIES);
}

/** Difference of two hue angles in degrees, 0–180. */
function hueDifference(a1: number, b1: number, a2: number, b2: number): number {
  const d = Math.abs(Math.atan2(b1, a1) - Math.atan2(b2, a2)) * (180 / Math.PI);
  return d > 180 ? 360 - d : d;
}

function distance(lab: Float64Array, p: number, centres: Float64Array, c: number): number {
  const dL = (lab[p * 3] as number) - (centres[c * 3] as number);
  const da = (lab[p * 3 + 1] as number) - (centres[c * 3 + 1] as number);
  const db = (lab[p * 3 + 2] as number) - (centres[c * 3 + 2] as number);
  return dL * dL + CHROMA_WEIGHT * (da * da + db * db);
}

/** The centre nearest to colour `p` of `lab`; the colour's components are read once. */
function nearest(lab: Float64Array, p: number, centres: Float64Array, k: number): number {
  const L = lab[p * 3] as number;
  const a = lab[p * 3 + 1] as number;
  const b = lab[p * 3 + 2] as number;
  let best = 0;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (let c = 0, i = 0; c < k; c++, i += 3) {
    const dL = L - (centres[i] as number);
    const da = a - (centres[i + 1] as number);
    const db = b - (centres[i + 2] as number);
    const d = dL * dL + CHROMA_WEIGHT * (da * da + db * db);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

/** Samples in OKLab, each with its family and its balanced weight. */
interface Samples {
  readonly lab: Float64Array;
  readonly families: Uint8Array;
  readonly weights: Float64Array;
  /** Share of the samples in each family. */
  readonly shares: Float64Array;
  readonly count: number;
}

function toSamples(rgb: Uint8Array): Samples {
  const count = Math.floor(rgb.length / 3);
  const lab = new Float64Array(count * 3);
  const families = new Uint8Array(count);
  const counts = new Float64Array(FAMILIES);
  const colour: Lab = { L: 0, a: 0, b: 0 };
  for (let p = 0; p < count; p++) {
    srgbToOklab(rgb[p * 3] as number, rgb[p * 3 + 1] as number, rgb[p * 3 + 2] as number, colour);
    lab[p * 3] = colour.L;
    lab[p * 3 + 1] = colour.a;
    lab[p * 3 + 2] = colour.b;
    const f = family(colour.L, colour.a, colour.b);
    families[p] = f;
    counts[f] = (counts[f] as number) + 1;
  }
  const shares = counts.map((n) => n / count);
  // Each family's total weight is share^BALANCE, spread evenly over its samples. Specks
  // below a tenth of the guaranteed share are noise (JPEG fringes, a stray pixel) and get
  // no boost.
  const perSample = shares.map((share) =>
    share === 0 ? 0 : Math.max(share, MIN_FAMILY_SHARE / 10) ** (BALANCE - 1),
  );
  const weights = Float64Array.from(families, (f) => perSample[f] as number);
  return { lab, families, weights, shares, count };
}

/** Weighted k-means++ seeding: each new centre drawn with probability ∝ weight × distance². */
function seed(samples: Samples, k: number): Float64Array {
  const { lab, weights, count } = samples;
  const centres = new Float64Array(k * 3);
  const closest = new Float64Array(count).fill(Number.POSITIVE_INFINITY);
  const next = random(count * 2654435761 + k);
  let pick = 0;
  let heaviest = 0;
  for (let p = 0; p < count; p++) {
    if ((weights[p] as number) > heaviest) {
      heaviest = weights[p] as number;
      pick = p;
    }
  }
  for (let c = 0; c < k; c++) {
    centres.set(lab.subarray(pick * 3, pick * 3 + 3), c * 3);
    let total = 0;
    for (let p = 0; p < count; p++) {
      const d = distance(lab, p, centres, c);
      if (d < (closest[p] as number)) closest[p] = d;
      total += (closest[p] as number) * (weights[p] as number);
    }
    let target = next() * total;
    pick = count - 1;
    for (let p = 0; p < count; p++) {
      target -= (closest[p] as number) * (weights[p] as number);
      if (target <= 0) {
        pick = p;
        break;
      }
    }
  }
  return centres;
}

/** Weighted Lloyd iterations; returns each centre's total weight. */
function refine(samples: Samples, centres: Float64Array, k: number, iterations: number) {
  const { lab, weights, count } = samples;
  const sums = new Float64Array(k * 4);
  for (let iteration = 0; iteration < iterations; iteration++) {
    sums.fill(0);
    for (let p = 0; p < count; p++) {
      const best = nearest(lab, p, centres, k);
      const w = weights[p] as number;
      sums[best * 4] = (sums[best * 4] as number) + (lab[p * 3] as number) * w;
      sums[best * 4 + 1] = (sums[best * 4 + 1] as number) + (lab[p * 3 + 1] as number) * w;
      sums[best * 4 + 2] = (sums[best * 4 + 2] as number) + (lab[p * 3 + 2] as number) * w;
      sums[best * 4 + 3] = (sums[best * 4 + 3] as number) + w;
    }
    for (let c = 0; c < k; c++) {
      const w = sums[c * 4 + 3] as number;
      if (w === 0) continue; // an empty cluster keeps its centre
      centres[c * 3] = (sums[c * 4] as number) / w;
      centres[c * 3 + 1] = (sums[c * 4 + 1] as number) / w;
      centres[c * 3 + 2] = (sums[c * 4 + 2] as number) / w;
    }
  }
  return Float64Array.from({ length: k }, (_, c) => sums[c * 4 + 3] as number);
}

/** Mean colour of each family's samples (the chroma-weighted mean keeps its hue). */
function familyMeans(samples: Samples): Float64Array {
  const { lab, families, count } = samples;
  const sums = new Float64Array(FAMILIES * 4);
  for (let p = 0; p < count; p++) {
    const f = families[p] as number;
    sums[f * 4] = (sums[f * 4] as number) + (lab[p * 3] as number);
    sums[f * 4 + 1] = (sums[f * 4 + 1] as number) + (lab[p * 3 + 1] as number);
    sums[f * 4 + 2] = (sums[f * 4 + 2] as number) + (lab[p * 3 + 2] as number);
    sums[f * 4 + 3] = (sums[f * 4 + 3] as number) + 1;
  }
  const means = new Float64Array(FAMILIES * 3);
  for (let f = 0; f < FAMILIES; f++) {
    const n = Math.max(1, sums[f * 4 + 3] as number);
    for (let i = 0; i < 3; i++) means[f * 3 + i] = (sums[f * 4 + i] as number) / n;
  }
  return means;
}

/** Whether a centre keeps a colour's hue and a fair share of its chroma. */
function keepsHue(centres: Float64Array, c: number, a: number, b: number): boolean {
  const ca = centres[c * 3 + 1] as number;
  const cb = centres[c * 3 + 2] as number;
  return (
    hueDifference(a, b, ca, cb) <= MAX_HUE_DRIFT &&
    Math.hypot(ca, cb) >= MIN_CHROMA_KEPT * Math.hypot(a, b)
  );
}

/**
 * The centre that costs least to move: one of the closest pair, the lighter of the two,
 * never one a family depends on.
 */
function mostRedundant(
  centres: Float64Array,
  weights: Float64Array,
  k: number,
  pinned: Uint8Array,
): { centre: number; gap: number } {
  let centre = -1;
  let gap = Number.POSITIVE_INFINITY;
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const d = Math.sqrt(distance(centres, i, centres, j));
      const lighter = (weights[i] as number) <= (weights[j] as number) ? i : j;
      const other = lighter === i ? j : i;
      const candidate = pinned[lighter] ? (pinned[other] ? -1 : other) : lighter;
      if (candidate >= 0 && d < gap) {
        gap = d;
        centre = candidate;
      }
    }
  }
  return { centre, gap };
}

/**
 * Chooses up to `size` colours of an RGB image: weighted k-means in OKLab with samples balanced
 * across colour families, then every family of at least `MIN_FAMILY_SHARE` is given a
 * centre of its own hue, and centres that are nearly equal are merged.
 *
 * @param rgb packed 3-channel pixels, typically a few thousand spread over the image
 * @example
 * ```ts
 * const { data } = await sharp(photo).resize(64).removeAlpha().raw().toBuffer({ resolveWithObject: true });
 * const palette = choosePalette(data, 8);
 * ```
 */
export function choosePalette(rgb: Uint8Array, size: number): Palette {
  const samples = toSamples(rgb);
  const k = Math.max(1, Math.min(size, samples.count));
  const centres = seed(samples, k);
  let weights = refine(samples, centres, k, KMEANS_ITERATIONS);
  const means = familyMeans(samples);
  const pinned = new Uint8Array(k);

  // Largest families first, so a tight palette keeps the colours most people see; the
  // neutrals (a grey sky, a white wall) count as a family too, or a few colours would
  // paint them in the nearest hue.
  const order = Array.from({ length: FAMILIES }, (_, i) => i)
    .filter((f) => (samples.shares[f] as number) >= MIN_FAMILY_SHARE)
    .sort((f, g) => (samples.shares[g] as number) - (samples.shares[f] as number));
  for (const f of order) {
    const a = means[f * 3 + 1] as number;
    const b = means[f * 3 + 2] as number;
    const mean = means.subarray(f * 3, f * 3 + 3);
    const owner = nearest(mean, 0, centres, k);
    const kept =
      f === 0 || f === LIGHT_NEUTRAL
        ? Math.hypot(centres[owner * 3 + 1] as number, centres[owner * 3 + 2] as number) <
          1.5 * NEUTRAL_CHROMA
        : keepsHue(centres, owner, a, b);
    if (kept) {
      pinned[owner] = 1;
      continue;
    }
    const { centre } = mostRedundant(centres, weights, k, pinned);
    if (centre < 0) break; // every centre already holds a family
    // The family's mean colour becomes a centre; the weights that choose which centre is
    // redundant are left as they were, a cheap and close enough guide.
    centres.set(mean, centre * 3);
    pinned[centre] = 1;
  }
  // One more Lloyd step lets every centre settle among the samples it now serves.
  if (pinned.some((p) => p)) weights = refine(samples, centres, k, 1);

  // Near-equal centres are bands nobody can tell apart (a soft gradient cut into twelve
  // shades of one green): merge them, so the palette may end up smaller than asked for.
  // Nothing is pinned any more: the most redundant centre is the lighter of the closest pair.
  const unpinned = new Uint8Array(k);
  let kept = k;
  while (kept > 2) {
    const { centre, gap } = mostRedundant(centres, weights, kept, unpinned);
    if (gap >= MIN_SEPARATION) break;
    kept--;
    centres.copyWithin(centre * 3, kept * 3, kept * 3 + 3);
    weights = refine(samples, centres, kept, 1);
  }

  const palette = new Uint8Array(kept * 3);
  for (let c = 0; c < kept; c++) {
    palette.set(
      oklabToSrgb(
        centres[c * 3] as number,
        centres[c * 3 + 1] as number,
        centres[c * 3 + 2] as number,
      ),
      c * 3,
    );
  }
  return palette;
}

/**
 * Scales each palette colour's OKLab chroma by `saturation` (1 leaves it as is), keeping its
 * lightness and hue. Applied to the palette, not the image: a few colours instead of a
 * million pixels.
 */
export function saturatePalette(palette: Uint8Array, saturation: number): Uint8Array {
  const out = new Uint8Array(palette.length);
  const lab: Lab = { L: 0, a: 0, b: 0 };
  for (let c = 0; c < palette.length; c += 3) {
    srgbToOklab(palette[c] as number, palette[c + 1] as number, palette[c + 2] as number, lab);
    out.set(oklabToSrgb(lab.L, lab.a * saturation, lab.b * saturation), c);
  }
  return out;
}

/** Maps a colour to the index of its fill colour. */
export type ColourLookup = (r: number, g: number, b: number) => number;

const UNSET = 255;

/**
 * Nearest palette colour (OKLab distance) through a 32×32×32 cache (5 bits a channel),
 * filled on first use: a softened image touches only a few thousand of the 32,768 cells, so
 * this costs far less than a full table or a search per pixel.
 *
 * @example
 * ```ts
 * const lookup = paletteLookup(palette);
 * const index = lookup(r, g, b); // palette[index * 3] is its red
 * ```
 */
export function paletteLookup(palette: Palette): ColourLookup {
  const k = palette.length / 3;
  const centres = new Float64Array(k * 3);
  const lab: Lab = { L: 0, a: 0, b: 0 };
  for (let c = 0; c < k; c++) {
    srgbToOklab(
      palette[c * 3] as number,
      palette[c * 3 + 1] as number,
      palette[c * 3 + 2] as number,
      lab,
    );
    centres[c * 3] = lab.L;
    centres[c * 3 + 1] = lab.a;
    centres[c * 3 + 2] = lab.b;
  }
  const cell = new Float64Array(3);
  const cache = new Uint8Array(32 * 32 * 32).fill(UNSET);
  return (r, g, b) => {
    const key = ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);
    const cached = cache[key] as number;
    if (cached !== UNSET) return cached;
    srgbToOklab((r & ~7) + 4, (g & ~7) + 4, (b & ~7) + 4, lab);
    cell[0] = lab.L;
    cell[1] = lab.a;
    cell[2] = lab.b;
    const index = nearest(cell, 0, centres, k);
    cache[key] = index;
    return index;
  };
}
