/**
 * Plain TypeScript versions of the outline stage's WebAssembly kernels (ink-kernels.wat),
 * as they ran before the kernels existed: the oracle the kernels are tested against.
 */

/** Median of three. */
function median3(a: number, b: number, c: number): number {
  const low = a < b ? a : b;
  const high = a < b ? b : a;
  return c < low ? low : c > high ? high : c;
}

/**
 * Median of five, without sorting: the larger of the two pairs' minima and the smaller of
 * their maxima discard one extreme from each end, and the median of those two and `e` is
 * the median of all five. Plain comparisons: on photos they predict well, and V8 runs them
 * faster here than Math.min and Math.max.
 */
function median5(a: number, b: number, c: number, d: number, e: number): number {
  const minAB = a < b ? a : b;
  const maxAB = a < b ? b : a;
  const minCD = c < d ? c : d;
  const maxCD = c < d ? d : c;
  return median3(e, minAB > minCD ? minAB : minCD, maxAB < maxCD ? maxAB : maxCD);
}

/** A separable median (`window` 3 or 5), in place; edges repeat their last pixel. */
export function separableMedian(
  grey: Buffer,
  size: { readonly width: number; readonly height: number },
  window: 3 | 5,
): void {
  const { width, height } = size;
  const rows = new Uint8Array(grey.length);
  // Along each row, the window slides: one new pixel read per step.
  for (let y = 0; y < height; y++) {
    const first = y * width;
    const last = first + width - 1;
    let a = grey[first] as number;
    let b = a;
    let c = a;
    let d = grey[Math.min(first + 1, last)] as number;
    let e = grey[Math.min(first + 2, last)] as number;
    for (let x = first; x <= last; x++) {
      rows[x] = window === 5 ? median5(a, b, d, e, c) : median3(b, c, d);
      a = b;
      b = c;
      c = d;
      d = e;
      e = grey[x + 3 <= last ? x + 3 : last] as number;
    }
  }
  // Down the columns, a whole row at a time: five row offsets instead of a strided walk,
  // which keeps memory access sequential.
  const lastRow = height - 1;
  for (let y = 0; y < height; y++) {
    const above2 = Math.max(0, y - 2) * width;
    const above = Math.max(0, y - 1) * width;
    const here = y * width;
    const below = Math.min(lastRow, y + 1) * width;
    const below2 = Math.min(lastRow, y + 2) * width;
    for (let x = 0; x < width; x++) {
      grey[here + x] =
        window === 5
          ? median5(
              rows[above2 + x] as number,
              rows[above + x] as number,
              rows[below + x] as number,
              rows[below2 + x] as number,
              rows[here + x] as number,
            )
          : median3(rows[above + x] as number, rows[here + x] as number, rows[below + x] as number);
    }
  }
}

/** Ink coverage from the two blurs of a difference of Gaussians, as ink.ts computed it. */
export function coverage(narrow: Uint8Array, wide: Uint8Array, threshold: number, ramp: number) {
  const mask = Buffer.alloc(narrow.length);
  const step = 255 / ramp;
  for (let i = 0; i < mask.length; i++) {
    const difference = (wide[i] as number) - (narrow[i] as number) - threshold;
    mask[i] = difference <= 0 ? 0 : difference >= ramp ? 255 : difference * step;
  }
  return mask;
}

/**
 * A Gaussian blur with `taps` (256ths, an odd count, centred) of packed `channels`-byte
 * pixels, each channel on its own, edges repeated: along the rows, then down the columns,
 * each pass rounded to whole levels, as ink.ts documents.
 */
export function gaussianBlur(
  image: Uint8Array,
  size: { readonly width: number; readonly height: number },
  taps: Int16Array,
  channels = 1,
): Buffer {
  const { width, height } = size;
  const c = channels;
  const reach = (taps.length - 1) / 2;
  const clamp = (v: number, last: number) => (v < 0 ? 0 : v > last ? last : v);
  const rows = new Uint8Array(width * height * c);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let ch = 0; ch < c; ch++) {
        let sum = 128;
        for (let t = 0; t < taps.length; t++) {
          const from = (y * width + clamp(x + t - reach, width - 1)) * c + ch;
          sum += (taps[t] as number) * (image[from] as number);
        }
        rows[(y * width + x) * c + ch] = sum >> 8;
      }
    }
  }
  const out = Buffer.alloc(width * height * c);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let ch = 0; ch < c; ch++) {
        let sum = 128;
        for (let t = 0; t < taps.length; t++) {
          const from = (clamp(y + t - reach, height - 1) * width + x) * c + ch;
          sum += (taps[t] as number) * (rows[from] as number);
        }
        out[(y * width + x) * c + ch] = sum >> 8;
      }
    }
  }
  return out;
}

/**
 * Packed `channels`-byte pixels halved, as ink-kernels.wat's `halve` documents: each output
 * pixel the mean of a 2×2 block (an odd last column or row paired with itself), down first,
 * then across, each rounded half up.
 */
export function halve(
  image: Uint8Array,
  size: { readonly width: number; readonly height: number },
  channels: number,
): Buffer {
  const { width, height } = size;
  const half = { width: Math.ceil(width / 2), height: Math.ceil(height / 2) };
  const at = (x: number, y: number, c: number) => image[(y * width + x) * channels + c] as number;
  const out = Buffer.alloc(half.width * half.height * channels);
  for (let y = 0; y < half.height; y++) {
    const y1 = Math.min(height - 1, 2 * y + 1);
    for (let x = 0; x < half.width; x++) {
      const x1 = Math.min(width - 1, 2 * x + 1);
      for (let c = 0; c < channels; c++) {
        const left = (at(2 * x, 2 * y, c) + at(2 * x, y1, c) + 1) >> 1;
        const right = (at(x1, 2 * y, c) + at(x1, y1, c) + 1) >> 1;
        out[(y * half.width + x) * channels + c] = (left + right + 1) >> 1;
      }
    }
  }
  return out;
}
