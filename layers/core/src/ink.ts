import { INK_KERNELS_WASM } from './ink-kernels.generated';
import type { Field, Size } from './size';
import { growTo, kernelModule, type WasmMemory } from './wasm';

/** Ratio of the two Gaussians of the difference-of-Gaussians (Marr–Hildreth's 1.6). */
const DOG_RATIO = 1.6;
/** Grey-level difference below which nothing is inked: hides faint texture and JPEG noise (2 left speckle in soft skies). */
const THRESHOLD = 3;
/** Grey levels over the threshold at which ink is solid; the ramp keeps lines anti-aliased. */
const RAMP = 5;
/** Coverage per grey level over the threshold. The kernel multiplies in whole numbers. */
const STEP = 255 / RAMP;
if (!Number.isInteger(STEP)) throw new Error('ink.ts: RAMP must divide 255');
/** Line width, as the narrow Gaussian's sigma in pixels of a 512 px analysis image. */
const BASE_SIGMA = 1.0;
const REFERENCE_SIDE = 512;
/**
 * A Gaussian's taps reach as far as their weight is at least this share of the centre's:
 * the extent libvips gives the mask of sharp's blur, which found the outlines before the
 * kernels did.
 */
const MIN_AMPLITUDE = 0.2;

/** A median pass from the frame at `src` into the frame at `dst` (see ink-kernels.wat). */
type MedianPass = (
  src: number,
  dst: number,
  stride: number,
  width: number,
  height: number,
  window: number,
) => void;

/** The kernels' exports (see ink-kernels.wat). */
interface Kernels {
  readonly memory: WasmMemory;
  readonly rowMedian: MedianPass;
  readonly columnMedian: MedianPass;
  coverage(
    narrow: number,
    wide: number,
    out: number,
    count: number,
    threshold: number,
    step: number,
  ): void;
  luma(rgb: number, frame: number, stride: number, width: number, height: number): void;
  halve(src: number, sw: number, sh: number, channels: number, dst: number, row: number): void;
  blur(
    src: number,
    srcStride: number,
    step: number,
    dst: number,
    dstStride: number,
    width: number,
    height: number,
    weights: number,
    taps: number,
  ): void;
}

const instantiate = kernelModule<Kernels>(INK_KERNELS_WASM);
let kernels: Kernels | undefined;

/**
 * The per-pixel kernels, in WebAssembly with SIMD (sixteen pixels an instruction): under a
 * tenth of the time plain JavaScript took for the median here. The module (1.5 KB) is
 * compiled on first use. One instance a thread serves every call there: each uses the
 * memory only while it runs, synchronously.
 */
function loadKernels(): Kernels {
  kernels ??= instantiate();
  return kernels;
}

/** The kernels' memory, grown to at least `bytes`; a view made after any growth. */
function kernelMemory(k: Kernels, bytes: number): Uint8Array {
  growTo(k.memory, bytes);
  return new Uint8Array(k.memory.buffer);
}

const roundUp16 = (n: number) => Math.ceil(n / 16) * 16;

/**
 * Where the kernels keep images (see ink-kernels.wat): frames, each image row `stride`
 * bytes long with two rows and columns of border around it, which repeat the edge so the
 * kernels need no edge cases, and room on the right for the last sixteen-pixel vector.
 * Two frames, `photo` and `rows`, at the start of the kernels' memory.
 */
class Frames {
  readonly stride: number;
  readonly bytes: number;
  readonly photo = 0;
  readonly rows: number;

  constructor(readonly size: Size) {
    this.stride = roundUp16(size.width) + 32;
    this.bytes = (size.height + 4) * this.stride;
    this.rows = this.bytes;
  }

  /** The offset of pixel (x, y) of the frame at `base`. */
  pixel(base: number, x: number, y: number): number {
    return base + (y + 2) * this.stride + x + 2;
  }

  /** Image row `y` of the frame at `base`. */
  row(memory: Uint8Array, base: number, y: number): Uint8Array {
    const start = this.pixel(base, 0, y);
    return memory.subarray(start, start + this.size.width);
  }

  /**
   * The separable median of the image in the `photo` frame, left there: the border columns
   * of each row repeat its edge pixels, the median runs along the rows into the `rows`
   * frame, whose border rows then repeat its edge rows, and down the columns back.
   */
  median(k: Kernels, memory: Uint8Array, window: 3 | 5): void {
    const { width, height } = this.size;
    for (let y = 0; y < height; y++) {
      const start = this.pixel(this.photo, 0, y);
      memory.fill(memory[start] as number, start - 2, start);
      memory.fill(memory[start + width - 1] as number, start + width, start + width + 2);
    }
    k.rowMedian(this.photo, this.rows, this.stride, width, height, window);
    const first = this.pixel(this.rows, -2, 0);
    const last = this.pixel(this.rows, -2, height - 1);
    for (const y of [-2, -1])
      memory.copyWithin(this.pixel(this.rows, -2, y), first, first + this.stride);
    for (const y of [height, height + 1]) {
      memory.copyWithin(this.pixel(this.rows, -2, y), last, last + this.stride);
    }
    k.columnMedian(this.rows, this.photo, this.stride, width, height, window);
  }
}

/**
 * A separable median (`window` 3 or 5), in place: the median along each row, then along each
 * column. Like the full 5×5 median it wipes out fine texture (fur, wood grain, hair, sensor
 * noise) while keeping the borders of objects, at a fraction of the cost: libvips' rank
 * filter took 33 ms of CPU for a 1024×683 image on this project's machines, plain
 * JavaScript 14–18 ms, the SIMD kernels about 1, so outlines can be found at a resolution
 * tied to the output size. Edges repeat their last pixel.
 */
export function separableMedian(grey: Uint8Array, size: Size, window: 3 | 5): void {
  const frames = new Frames(size);
  const k = loadKernels();
  const memory = kernelMemory(k, 2 * frames.bytes);
  for (let y = 0; y < size.height; y++) {
    frames.row(memory, frames.photo, y).set(grey.subarray(y * size.width, (y + 1) * size.width));
  }
  frames.median(k, memory, window);
  for (let y = 0; y < size.height; y++) {
    grey.set(frames.row(memory, frames.photo, y), y * size.width);
  }
}

/**
 * The taps of a Gaussian of `sigma`, in 256ths: every whole offset whose weight is at least
 * MIN_AMPLITUDE of the centre's, as libvips' mask. The curve is scaled before it is rounded
 * so that the taps come as near to 256 as whole numbers can, and the centre takes what is
 * left, so they sum to exactly 256 (a flat image stays flat) and still fall away from it.
 *
 * @example
 * ```ts
 * gaussianTaps(1); // Int16Array [70, 116, 70]
 * ```
 */
export function gaussianTaps(sigma: number): Int16Array {
  const weight = (offset: number) => Math.exp(-(offset * offset) / (2 * sigma * sigma));
  let reach = 0;
  while (weight(reach + 1) >= MIN_AMPLITUDE) reach++;
  const curve = Array.from({ length: 2 * reach + 1 }, (_, i) => weight(i - reach));
  const rounded = (scale: number) => Int16Array.from(curve, (w) => Math.round(w * scale));
  const sum = (taps: Int16Array) => taps.reduce((total, w) => total + w, 0);
  // The rounded sum grows with the scale: bisect for the scale that brings it nearest 256.
  let low = 0;
  let high = 512;
  for (let i = 0; i < 40; i++) {
    const middle = (low + high) / 2;
    if (sum(rounded(middle)) <= 256) low = middle;
    else high = middle;
  }
  const below = rounded(low);
  const above = rounded(high);
  const taps = 256 - sum(below) <= sum(above) - 256 ? below : above;
  taps[reach] = (taps[reach] as number) + 256 - sum(taps);
  return taps;
}

/** An image in the kernels' memory: `channels` bytes a pixel, rows `stride` bytes apart. */
interface Image {
  readonly at: number;
  readonly stride: number;
  readonly size: Size;
  readonly channels: number;
}

/**
 * Where `blurImage` keeps its images, from `base` on (see ink-kernels.wat's `blur`):
 * `across`, the image with each row's edge pixels repeated `reach` times either side, for
 * the pass along the rows; `down`, that pass's result with the top and bottom rows repeated
 * `reach` times, for the pass down the columns; then the blurred images, packed, and the
 * taps. Every row and image has room for the kernels' last sixteen-byte vector.
 */
class BlurLayout {
  readonly rowBytes: number;
  readonly acrossStride: number;
  readonly downStride: number;
  readonly across: number;
  readonly down: number;
  readonly outputs: number[];
  readonly weights: number;
  readonly end: number;

  constructor(image: Image, reach: number, count: number, base: number) {
    const { width, height } = image.size;
    this.rowBytes = width * image.channels;
    this.acrossStride = roundUp16(this.rowBytes) + 2 * reach * image.channels;
    this.downStride = roundUp16(this.rowBytes);
    this.across = base;
    this.down = this.across + height * this.acrossStride;
    let at = this.down + (height + 2 * reach) * this.downStride;
    this.outputs = Array.from({ length: count }, () => {
      const output = at;
      at += roundUp16(this.rowBytes * height) + 16;
      return output;
    });
    this.weights = at;
    this.end = at + 2 * (2 * reach + 1);
  }
}

/**
 * Blurs `image` with a Gaussian of each of `sigmas` (see `gaussianTaps`), each channel on
 * its own, edges repeated, into the layout's outputs (packed, from `base` on): along the
 * rows, then down the columns, each pass rounded to whole levels as libvips rounds.
 */
function blurImage(k: Kernels, image: Image, sigmas: readonly number[], base: number): BlurLayout {
  const { height } = image.size;
  const c = image.channels;
  const allTaps = sigmas.map(gaussianTaps);
  const reach = Math.max(...allTaps.map((taps) => (taps.length - 1) / 2));
  const layout = new BlurLayout(image, reach, sigmas.length, base);
  const memory = kernelMemory(k, layout.end);
  const { across, acrossStride, down, downStride, rowBytes } = layout;
  for (let y = 0; y < height; y++) {
    const row = across + y * acrossStride;
    const start = row + reach * c;
    memory.copyWithin(start, image.at + y * image.stride, image.at + y * image.stride + rowBytes);
    for (let i = 0; i < reach; i++) {
      memory.copyWithin(row + i * c, start, start + c);
      memory.copyWithin(start + rowBytes + i * c, start + rowBytes - c, start + rowBytes);
    }
  }
  allTaps.forEach((taps, i) => {
    const r = (taps.length - 1) / 2;
    new Int16Array(memory.buffer, layout.weights, taps.length).set(taps);
    k.blur(
      across + (reach - r) * c,
      acrossStride,
      c,
      down + reach * downStride,
      downStride,
      rowBytes,
      height,
      layout.weights,
      taps.length,
    );
    const first = down + reach * downStride;
    const last = down + (reach + height - 1) * downStride;
    for (let y = 0; y < reach; y++) {
      memory.copyWithin(down + y * downStride, first, first + downStride);
      memory.copyWithin(last + (y + 1) * downStride, last, last + downStride);
    }
    const src = down + (reach - r) * downStride;
    k.blur(
      src,
      downStride,
      downStride,
      layout.outputs[i] as number,
      rowBytes,
      rowBytes,
      height,
      layout.weights,
      taps.length,
    );
  });
  return layout;
}

/** The `photo` frame's image, as `blurImage` reads it. */
const photoImage = (frames: Frames): Image => ({
  at: frames.pixel(frames.photo, 0, 0),
  stride: frames.stride,
  size: frames.size,
  channels: 1,
});

/**
 * The luma of an RGB image (Rec. 601 weights on the gamma-encoded values, as JPEG's colour
 * conversion) left in the `photo` frame, then its `separableMedian` there, both by the
 * kernels. A libvips call took 2–3 ms of its threads for the luma of a 1024×683 image; the
 * SIMD kernel takes a tenth.
 */
function greyFrame(k: Kernels, rgb: Uint8Array, size: Size, window: 3 | 5): Frames {
  const { width, height } = size;
  const frames = new Frames(size);
  const at = 2 * frames.bytes;
  // Room after the pixels for the luma kernel's last vector (see ink-kernels.wat).
  const memory = kernelMemory(k, at + width * height * 3 + 48);
  memory.set(rgb.subarray(0, width * height * 3), at);
  k.luma(at, frames.photo, frames.stride, width, height);
  frames.median(k, memory, window);
  return frames;
}

/**
 * The grey image outlines are found in, its fine texture already gone: the luma of an RGB
 * image, then `separableMedian` (see `greyFrame`).
 *
 * @example
 * ```ts
 * const grey = medianGrey(rgb, { width: 1024, height: 683 }, 5);
 * ```
 */
export function medianGrey(rgb: Uint8Array, size: Size, window: 3 | 5): Buffer {
  const k = loadKernels();
  const frames = greyFrame(k, rgb, size, window);
  const memory = new Uint8Array(k.memory.buffer);
  const grey = Buffer.allocUnsafe(size.width * size.height);
  for (let y = 0; y < size.height; y++) {
    grey.set(frames.row(memory, frames.photo, y), y * size.width);
  }
  return grey;
}

/**
 * A Gaussian blur of a grey image (see `gaussianTaps`), edges repeated, by the kernels.
 *
 * @example
 * ```ts
 * const soft = gaussianBlur(grey, { width: 1024, height: 683 }, 2);
 * ```
 */
export function gaussianBlur(grey: Uint8Array, size: Size, sigma: number): Buffer {
  const k = loadKernels();
  const frames = new Frames(size);
  let memory = kernelMemory(k, 2 * frames.bytes);
  for (let y = 0; y < size.height; y++) {
    frames.row(memory, frames.photo, y).set(grey.subarray(y * size.width, (y + 1) * size.width));
  }
  const layout = blurImage(k, photoImage(frames), [sigma], 2 * frames.bytes);
  memory = new Uint8Array(k.memory.buffer);
  const at = layout.outputs[0] as number;
  return Buffer.from(memory.subarray(at, at + size.width * size.height));
}

/** An image's size halved (rounded up) until its long side is at most `maxSide`. */
export function halvedToFit(size: Size, maxSide: number): Size {
  let { width, height } = size;
  while (Math.max(width, height) > maxSide && Math.max(width, height) > 1) {
    width = Math.ceil(width / 2);
    height = Math.ceil(height / 2);
  }
  return { width, height };
}

/**
 * The colour field: a packed RGB image halved (each pixel the mean of a 2×2 block) down to
 * `to`, which `halvedToFit` gave for its size, then softened by a Gaussian of `sigma`, each
 * channel on its own, all by the kernels on this thread: 2.0 ms from 1024×683 to 512×342,
 * where the libvips pipeline that shrank and blurred it took 4.9 ms, much of it moving the
 * image in and out (`npm run bench` prints both).
 *
 * @example
 * ```ts
 * const from = { width: 1024, height: 683 };
 * const colour = softenColour(rgb, from, halvedToFit(from, 640), 2.5); // 512×342
 * ```
 */
export function softenColour(rgb: Uint8Array, from: Size, to: Size, sigma: number): Field {
  const k = loadKernels();
  const row = 0;
  let at = roundUp16(from.width * 3 + 16);
  let size = from;
  let memory = kernelMemory(k, at + from.width * from.height * 3 + 16);
  memory.set(rgb.subarray(0, from.width * from.height * 3), at);
  while (size.width > to.width || size.height > to.height) {
    const half = { width: Math.ceil(size.width / 2), height: Math.ceil(size.height / 2) };
    const next = roundUp16(at + size.width * size.height * 3 + 16);
    memory = kernelMemory(k, next + half.width * half.height * 3 + 16);
    k.halve(at, size.width, size.height, 3, next, row);
    at = next;
    size = half;
  }
  if (size.width !== to.width || size.height !== to.height) {
    throw new Error(
      `softenColour: ${to.width}x${to.height} is not ${from.width}x${from.height} halved`,
    );
  }
  const image = { at, stride: size.width * 3, size, channels: 3 };
  const base = roundUp16(at + size.width * size.height * 3 + 16);
  const soft = blurImage(k, image, [sigma], base).outputs[0] as number;
  memory = new Uint8Array(k.memory.buffer);
  return { pixels: Buffer.from(memory.subarray(soft, soft + size.width * size.height * 3)), size };
}

/**
 * Outline mask (0 = paper, 255 = solid ink) of an RGB image, found on this thread by the
 * kernels: about 3.5 ms for a 1024×683 image, where the two libvips blurs alone took 7.3
 * (`npm run bench` prints both).
 *
 * A separable median of its grey image first wipes out fine texture (fur, wood grain, hair,
 * sensor noise) while keeping the edges of objects; a difference of Gaussians then puts ink
 * on the dark side of each remaining edge, where the narrow blur is darker than the wide
 * one.
 *
 * @param thickness line width multiplier (the style's `edgeThickness`)
 * @example
 * ```ts
 * const mask = outlines(rgb, size, 1);
 * ```
 */
export function outlines(rgb: Uint8Array, size: Size, thickness: number): Buffer {
  const longSide = Math.max(size.width, size.height);
  const k = loadKernels();
  // Fine texture goes before the edges are found (see `separableMedian`): a window of five
  // from 400 px up, of three below, where five would take small features too.
  const frames = greyFrame(k, rgb, size, longSide >= 400 ? 5 : 3);
  const sigma = Math.max(0.4, (BASE_SIGMA * thickness * longSide) / REFERENCE_SIDE);
  const layout = blurImage(k, photoImage(frames), [sigma, sigma * DOG_RATIO], 2 * frames.bytes);
  const [narrow, wide] = layout.outputs as [number, number];
  const count = roundUp16(size.width * size.height);
  // The coverage goes where the taps were, which are done with.
  const at = layout.weights;
  const memory = kernelMemory(k, at + count);
  k.coverage(narrow, wide, at, count, THRESHOLD, STEP);
  return Buffer.from(memory.subarray(at, at + size.width * size.height));
}

/**
 * Ink coverage (0 = paper, 255 = solid ink) from the narrow and wide blurs of a difference
 * of Gaussians: (wide - narrow - THRESHOLD) × 255/RAMP, clamped, so ink ramps up over RAMP
 * grey levels past the threshold and lines stay anti-aliased. Whole numbers, since RAMP
 * divides 255.
 */
export function dogCoverage(narrow: Uint8Array, wide: Uint8Array): Buffer {
  const count = roundUp16(narrow.length);
  const k = loadKernels();
  const memory = kernelMemory(k, 3 * count);
  memory.set(narrow, 0);
  memory.set(wide, count);
  k.coverage(0, count, 2 * count, count, THRESHOLD, STEP);
  return Buffer.from(memory.subarray(2 * count, 2 * count + narrow.length));
}
